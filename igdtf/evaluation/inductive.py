"""Inductive noise attacks (IGD paper §3): noise placed on the most attributed input elements.

INA1: x + M·σ          INA2: (1 − M)·x + M·σ          σ ~ N(0, 1) per element,
M = 1 on the k = round(fraction·H·W·C) elements with the largest |A|, 0 elsewhere.
Perturbed images are clipped back to [0, 1] so that every model sees a valid image.
"""

import tensorflow as tf

INA_MODES = ("ina1", "ina2")


def top_k_mask(attributions: tf.Tensor, fraction: float) -> tf.Tensor:
    """[N, H, W, C] float32 mask of exactly the k most attributed elements of each example."""
    shape = tf.shape(attributions)
    flat = tf.reshape(tf.abs(attributions), [shape[0], -1])
    n = tf.shape(flat)[1]
    k = tf.maximum(1, tf.cast(tf.round(fraction * tf.cast(n, tf.float32)), tf.int32))
    _, indices = tf.math.top_k(flat, k=k, sorted=False)
    rows = tf.broadcast_to(tf.range(shape[0])[:, None], tf.shape(indices))
    scatter_at = tf.stack([tf.reshape(rows, [-1]), tf.reshape(indices, [-1])], axis=1)
    mask = tf.scatter_nd(scatter_at, tf.ones([tf.size(indices)], tf.float32), tf.shape(flat))
    return tf.reshape(mask, shape)


def inductive_noise(x: tf.Tensor, mask: tf.Tensor, noise: tf.Tensor, mode: str) -> tf.Tensor:
    """Applies INA1 ("ina1": add noise) or INA2 ("ina2": replace by noise) where mask is 1."""
    if mode == "ina1":
        perturbed = x + mask * noise
    elif mode == "ina2":
        perturbed = (1.0 - mask) * x + mask * noise
    else:
        raise ValueError(f"Unknown inductive noise mode {mode!r}. Allowed: {', '.join(INA_MODES)}.")
    return tf.clip_by_value(perturbed, 0.0, 1.0)
