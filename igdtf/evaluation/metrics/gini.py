"""Gini coefficient of attribution maps (IGD paper §2): how unequally attribution is spread.

Gini(φ) = (1/n)·(n + 1 − 2·Σ_i (n+1−i)·φ_(i) / Σ_i φ_(i)), φ_(i) sorted ascending, i = 1..n.
A constant map has Gini 0, a single non-zero element (n−1)/n, and Gini(kφ) = Gini(φ) for k > 0.
An all-zero map is defined to have Gini 0.

Channels. An attribution map has one value per input element (H·W·C). How the C channel values
of a pixel are merged before the Gini is an argument, `channels`:
  "keep": every element counts on its own (n = H·W·C) — the default of the global Gini, which
          treats the map as the vector of input-element attributions the INA attack ranks;
  "sum":  |A| summed over channels, one value per pixel (n = H·W) — the default of the regional
          Gini: a region's attribution is everything its pixels receive;
  "max":  the largest |A| of the pixel's channels (as tf-keras-vis draws saliency maps).
Absolute values are taken first in every case.
"""

import tensorflow as tf

from igdtf.validation import check_choice, check_positive_int

CHANNEL_REDUCTIONS = ("keep", "sum", "max")


def gini(values: tf.Tensor) -> tf.Tensor:
    """Gini of each row of non-negative `values` [N, n], returned as [N] float32 (sums in float64)."""
    v = tf.sort(tf.cast(values, tf.float64), axis=1)
    n = tf.cast(tf.shape(v)[1], tf.float64)
    weights = n + 1.0 - tf.range(1.0, n + 1.0, dtype=tf.float64)
    total = tf.reduce_sum(v, axis=1)
    weighted = tf.reduce_sum(v * weights[None, :], axis=1)
    result = (n + 1.0 - 2.0 * weighted / tf.where(total > 0, total, 1.0)) / n
    return tf.cast(tf.where(total > 0, result, 0.0), tf.float32)


def reduce_channels(attributions: tf.Tensor, channels: str) -> tf.Tensor:
    """|A| [N, H, W, C] with its channels merged as `channels` says: [N, H, W, C or 1]."""
    check_choice("channel reduction", channels, CHANNEL_REDUCTIONS)
    magnitude = tf.abs(tf.cast(attributions, tf.float32))
    if channels == "sum":
        return tf.reduce_sum(magnitude, axis=-1, keepdims=True)
    if channels == "max":
        return tf.reduce_max(magnitude, axis=-1, keepdims=True)
    return magnitude


def gini_global(attributions: tf.Tensor, channels: str = "keep") -> tf.Tensor:
    """Gini over all values of |A| per example (channels merged by `channels`); [N, H, W, C] → [N]."""
    reduced = reduce_channels(attributions, channels)
    return gini(tf.reshape(reduced, [tf.shape(reduced)[0], -1]))


def block_sums(attributions: tf.Tensor, block: int, channels: str = "sum") -> tf.Tensor:
    """|A| (channels merged by `channels`) summed over non-overlapping block×block squares:
    [N, ⌈H/b⌉, ⌈W/b⌉, C or 1].

    A side that is not a multiple of b is first reflect-padded at its end (bottom, right) to the
    next multiple, as the IGD authors' regional Gini average-pools reflect-padded maps; every
    square then holds b² values, so the Gini equals that of their average-pooled map.
    """
    check_positive_int("block", block)
    height, width = attributions.shape[1], attributions.shape[2]
    if block > min(height, width):
        raise ValueError(f"Block size {block} must not exceed the image side; images are {height}×{width}.")
    a = reduce_channels(attributions, channels)
    pad_h, pad_w = -height % block, -width % block
    if pad_h or pad_w:
        a = tf.pad(a, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]], mode="REFLECT")
    rows, cols, depth = (height + pad_h) // block, (width + pad_w) // block, a.shape[-1]
    a = tf.reshape(a, [-1, rows, block, cols, block, depth])
    return tf.reduce_sum(a, axis=[2, 4])


def gini_regional(attributions: tf.Tensor, block: int, channels: str = "sum") -> tf.Tensor:
    """Gini over the block×block regional sums of |A| (channels merged by `channels`); → [N]."""
    sums = block_sums(attributions, block, channels)
    return gini(tf.reshape(sums, [tf.shape(sums)[0], -1]))
