"""Image augmentations as batched, stateless-seeded tensor ops (usable in a train_step)."""

import tensorflow as tf


def cutout(images: tf.Tensor, size: int, seed: tf.Tensor, fill_value: float = 0.5) -> tf.Tensor:
    """CutOut (DeVries & Taylor 2017): one size×size square per image set to `fill_value`.

    The square's centre is uniform over the image and the square is clipped at the borders, as
    in the original. The default fill 0.5 stands in for the original's zero after mean
    subtraction (≈ the dataset mean).

    Args:
      images: [N, H, W, C] float32 in [0, 1]. size: side in pixels. seed: stateless [2] seed.
    """
    shape = tf.shape(images)
    n, height, width = shape[0], shape[1], shape[2]
    centres = tf.random.stateless_uniform([n, 2], seed, 0, tf.maximum(height, width), tf.int32)
    cy = tf.minimum(centres[:, 0], height - 1)[:, None]
    cx = tf.minimum(centres[:, 1], width - 1)[:, None]
    half = size // 2
    rows = tf.range(height)[None, :]
    cols = tf.range(width)[None, :]
    in_rows = (rows >= cy - half) & (rows < cy - half + size)  # [N, H]
    in_cols = (cols >= cx - half) & (cols < cx - half + size)  # [N, W]
    mask = tf.cast(in_rows[:, :, None] & in_cols[:, None, :], images.dtype)[..., None]
    return images * (1.0 - mask) + fill_value * mask
