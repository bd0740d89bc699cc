"""Spheres (Gilmer et al. 2018; Lanfredi et al.): two concentric spheres in R^d, one per class.

Class c lies on the sphere of radius RADII[c] (1.0 and 1.3, d = 500). The vector from x to the
closest point of class c's support is known in closed form, Δx = RADII[c]·x/‖x‖ − x, which
makes the dataset a ground truth for gradient-direction methods (the alignment penalty).
"""

import numpy as np
import tensorflow as tf

RADII = (1.0, 1.3)
DIMENSIONS = 500


def generate_spheres(num_samples: int, seed: int, dimensions: int = DIMENSIONS, radii=RADII):
    """Balanced samples, uniform on each class's sphere.

    Returns:
      points: [N, dimensions] float32. labels: [N] int32 in [0, len(radii)).
    """
    rng = np.random.default_rng(seed)
    labels = (np.arange(num_samples) % len(radii)).astype(np.int32)
    rng.shuffle(labels)
    directions = rng.standard_normal((num_samples, dimensions))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    points = directions * np.asarray(radii, np.float64)[labels][:, None]
    return points.astype(np.float32), labels


def spheres_delta_x(x: tf.Tensor, labels: tf.Tensor, target: tf.Tensor, radii=RADII) -> tf.Tensor:
    """Δx: the vector from each x to the closest point of class `target`'s sphere, [N, d].

    `labels` (the true classes) are not needed on Spheres; the argument keeps the signature
    shared by every dataset's Δx function.
    """
    del labels
    x = tf.cast(x, tf.float32)
    radius = tf.gather(tf.constant(radii, tf.float32), tf.cast(target, tf.int32))[:, None]
    norm = tf.norm(x, axis=1, keepdims=True)
    return radius * x / tf.maximum(norm, 1e-12) - x


def fresh_spheres_batches(batch_size: int, steps_per_epoch: int, seed: int, dimensions: int = DIMENSIONS,
                          radii=RADII) -> tf.data.Dataset:
    """Batches of new Spheres samples drawn at run time, as Lanfredi et al. train (never a fixed
    training set): `steps_per_epoch` batches of ([batch_size, dimensions] float32, [batch_size]
    int32), different on every iteration of the dataset (every epoch). A resumed run draws other
    samples than an uninterrupted one would."""
    radius = tf.constant(radii, tf.float32)

    def draw(pair):
        labels = tf.random.stateless_uniform([batch_size], pair, 0, len(radii), dtype=tf.int32)
        directions = tf.random.stateless_normal([batch_size, dimensions], pair + 1)
        points = tf.math.l2_normalize(directions, axis=1) * tf.gather(radius, labels)[:, None]
        return points, labels

    seeds = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2, drop_remainder=True)
    return seeds.take(steps_per_epoch).map(draw, num_parallel_calls=tf.data.AUTOTUNE)
