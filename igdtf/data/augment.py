"""Image augmentations as stateless-seeded tensor ops: CutOut on batches (usable in a
train_step), crops and flips on single images (input pipelines)."""

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


def split_seed(seed: tf.Tensor, count: int) -> tf.Tensor:
    """`count` independent stateless seeds [count, 2] from one."""
    return tf.random.experimental.stateless_split(seed, count)


def pad_crop_flip(image: tf.Tensor, seed: tf.Tensor, pad: int, flip: bool = True) -> tf.Tensor:
    """CIFAR-style augmentation of one [H, W, C] float image: zero-pad by `pad` pixels, crop a
    random H×W window back, and flip left-right with probability ½ (stateless seed [2])."""
    seeds = split_seed(seed, 2)
    shape = tf.shape(image)
    if pad:
        image = tf.pad(image, [[pad, pad], [pad, pad], [0, 0]])
        image = tf.image.stateless_random_crop(image, shape, seeds[0])
    if flip:
        image = tf.image.stateless_random_flip_left_right(image, seeds[1])
    return image


def resized_crop_window(image_shape: tf.Tensor, seed: tf.Tensor, scale=(0.08, 1.0),
                        ratio=(3 / 4, 4 / 3)) -> tuple[tf.Tensor, tf.Tensor]:
    """The (offset [2], size [2]) in pixels of a random-resized-crop window (Szegedy et al.
    2015; torchvision's RandomResizedCrop): area a uniform fraction in `scale` of the image,
    aspect ratio log-uniform in `ratio`; the whole image if 10 draws fail.

    image_shape: [3] (height, width, channels) int32.
    """
    whole = tf.constant([[[0.0, 0.0, 1.0, 1.0]]])
    begin, size, _ = tf.image.stateless_sample_distorted_bounding_box(
        image_shape, whole, seed, min_object_covered=scale[0], aspect_ratio_range=ratio,
        area_range=scale, max_attempts=10, use_image_if_no_bounding_boxes=True,
    )
    return begin[:2], size[:2]
