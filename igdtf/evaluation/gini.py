"""Gini coefficient of attribution maps (IGD paper §2): how unequally attribution is spread.

Gini(φ) = (1/n)·(n + 1 − 2·Σ_i (n+1−i)·φ_(i) / Σ_i φ_(i)), φ_(i) sorted ascending, i = 1..n.
A constant map has Gini 0, a single non-zero element (n−1)/n, and Gini(kφ) = Gini(φ) for k > 0.
An all-zero map is defined to have Gini 0.
"""

import tensorflow as tf

from igdtf.validation import check_positive_int


def gini(values: tf.Tensor) -> tf.Tensor:
    """Gini of each row of non-negative `values` [N, n], returned as [N] float32 (sums in float64)."""
    v = tf.sort(tf.cast(values, tf.float64), axis=1)
    n = tf.cast(tf.shape(v)[1], tf.float64)
    weights = n + 1.0 - tf.range(1.0, n + 1.0, dtype=tf.float64)
    total = tf.reduce_sum(v, axis=1)
    weighted = tf.reduce_sum(v * weights[None, :], axis=1)
    result = (n + 1.0 - 2.0 * weighted / tf.where(total > 0, total, 1.0)) / n
    return tf.cast(tf.where(total > 0, result, 0.0), tf.float32)


def gini_global(attributions: tf.Tensor) -> tf.Tensor:
    """Gini over all H·W·C elements of |A| per example; attributions [N, H, W, C] → [N]."""
    flat = tf.reshape(tf.abs(attributions), [tf.shape(attributions)[0], -1])
    return gini(flat)


def block_sums(attributions: tf.Tensor, block: int) -> tf.Tensor:
    """|A| summed over channels and over non-overlapping block×block squares: [N, H/b, W/b]."""
    check_positive_int("block", block)
    height, width = attributions.shape[1], attributions.shape[2]
    if height % block or width % block:
        raise ValueError(f"Block size {block} must divide the image side; images are {height}×{width}.")
    a = tf.reduce_sum(tf.abs(attributions), axis=-1)
    a = tf.reshape(a, [-1, height // block, block, width // block, block])
    return tf.reduce_sum(a, axis=[2, 4])


def gini_regional(attributions: tf.Tensor, block: int) -> tf.Tensor:
    """Gini over the block×block regional sums of |A| (channels summed); [N, H, W, C] → [N]."""
    sums = block_sums(attributions, block)
    return gini(tf.reshape(sums, [tf.shape(sums)[0], -1]))
