"""Inductive noise attacks (IGD paper §3): noise placed on the most attributed input elements,
and the random-noise control (RN) that places the same noise on random elements.

INA1: x + M·σ          INA2: (1 − M)·x + M·σ          σ ~ N(0, 1) per element,
M = 1 on the k = round(fraction·H·W·C) elements with the largest |A| (INA) or on k elements
drawn uniformly without replacement (RN), 0 elsewhere; k is at least 1.
Perturbed images are clipped back to [0, 1] so that every model sees a valid image.
"""

import tensorflow as tf

INA_MODES = ("ina1", "ina2")
RN_MODES = ("rn1", "rn2")  # rn1 adds the noise like INA1, rn2 replaces like INA2
_ADDS = ("ina1", "rn1")
_REPLACES = ("ina2", "rn2")


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


def random_k_mask(shape: tf.Tensor, fraction: float, seed: tf.Tensor) -> tf.Tensor:
    """[N, H, W, C] float32 mask of k elements per example drawn uniformly without replacement."""
    return top_k_mask(tf.random.stateless_uniform(shape, seed), fraction)


def inductive_noise(x: tf.Tensor, mask: tf.Tensor, noise: tf.Tensor, mode: str) -> tf.Tensor:
    """Adds the noise ("ina1", "rn1") or replaces x by it ("ina2", "rn2") where mask is 1."""
    if mode in _ADDS:
        perturbed = x + mask * noise
    elif mode in _REPLACES:
        perturbed = (1.0 - mask) * x + mask * noise
    else:
        raise ValueError(f"Unknown inductive noise mode {mode!r}. Allowed: {', '.join(INA_MODES + RN_MODES)}.")
    return tf.clip_by_value(perturbed, 0.0, 1.0)


def masked_weight_sums(gradient: tf.Tensor, mask: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """(Σ_{i∈M} w_i², (Σ_{i∈M} w_i)²) per example, w = ∂f_y/∂x, M the attacked elements: the
    variance and squared mean shift of the first-order logit change under unit noise on M
    (IGD paper Table 4). Shapes [N, H, W, C] → two [N]."""
    w = tf.reshape(gradient * mask, [tf.shape(gradient)[0], -1])
    return tf.reduce_sum(tf.square(w), axis=1), tf.square(tf.reduce_sum(w, axis=1))
