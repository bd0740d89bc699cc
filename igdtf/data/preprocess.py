"""Per-image preprocessing: stored image → float32 [size, size, 3] in [0, 1], for training
(augmented, stateless-seeded) and for evaluation (deterministic).

A stored image is either decoded pixels (uint8 or float, [H, W, C]) or JPEG bytes (a scalar
tf.string); JPEGs are decoded only inside the crop window, which is what keeps an ImageNet
pipeline fast.
"""

import dataclasses

import tensorflow as tf

from igdtf.data.augment import pad_crop_flip, resized_crop_window, split_seed


def stored_shape(image: tf.Tensor) -> tf.Tensor:
    """[3] int32 (height, width, channels) of a stored image, without decoding a JPEG."""
    if image.dtype == tf.string:
        return tf.image.extract_jpeg_shape(image)
    return tf.shape(image, out_type=tf.int32)


def decode(image: tf.Tensor, window: tf.Tensor | None = None) -> tf.Tensor:
    """The pixels of a stored image ([3] channels), optionally only `window` = [y, x, h, w]."""
    if image.dtype == tf.string:
        if window is None:
            return tf.io.decode_jpeg(image, channels=3)
        return tf.image.decode_and_crop_jpeg(image, window, channels=3)
    if window is not None:
        image = tf.slice(image, tf.stack([window[0], window[1], 0]), tf.stack([window[2], window[3], -1]))
    return image


def to_unit_range(image: tf.Tensor) -> tf.Tensor:
    """uint8 pixels → float32 / 255; float images are returned as float32 unchanged."""
    if image.dtype == tf.uint8:
        return tf.cast(image, tf.float32) / 255.0
    return tf.cast(image, tf.float32)


def resize_to(image: tf.Tensor, size: int) -> tf.Tensor:
    """Bilinear (antialiased) resize of a float image in [0, 1] to size×size, clipped to [0, 1];
    the image itself when it already has that size."""
    if image.shape[0] == size and image.shape[1] == size:
        return image
    shape = tf.shape(image)

    def resize():
        return tf.clip_by_value(tf.image.resize(image, [size, size], method="bilinear", antialias=True), 0.0, 1.0)

    resized = tf.cond((shape[0] == size) & (shape[1] == size), lambda: image, resize)
    return tf.ensure_shape(resized, [size, size, image.shape[2]])


@dataclasses.dataclass(frozen=True)
class SmallImages:
    """CIFAR-style: the whole image, resized to the target size if needed.

    Training adds zero-padding by `pad` pixels, a random crop back to size and a random
    horizontal flip.
    """

    pad: int = 4
    flip: bool = True

    def evaluate(self, image: tf.Tensor, size: int) -> tf.Tensor:
        return resize_to(to_unit_range(decode(image)), size)

    def train(self, image: tf.Tensor, seed: tf.Tensor, size: int) -> tf.Tensor:
        return pad_crop_flip(self.evaluate(image, size), seed, self.pad, self.flip)


@dataclasses.dataclass(frozen=True)
class LargeImages:
    """ImageNet-style.

    Training: random-resized crop (area fraction uniform in `scale`, aspect ratio in `ratio`)
    resized to size, and a random horizontal flip. Evaluation: the central square of side
    `crop_fraction` × the shorter side, resized to size (= resize the shorter side to
    size / crop_fraction, e.g. 256, and crop the central size×size, e.g. 224).
    """

    scale: tuple = (0.08, 1.0)
    ratio: tuple = (3 / 4, 4 / 3)
    crop_fraction: float = 0.875

    def evaluate(self, image: tf.Tensor, size: int) -> tf.Tensor:
        shape = stored_shape(image)
        shorter = tf.cast(tf.minimum(shape[0], shape[1]), tf.float32)
        side = tf.maximum(tf.cast(tf.round(self.crop_fraction * shorter), tf.int32), 1)
        window = tf.stack([(shape[0] - side) // 2, (shape[1] - side) // 2, side, side])
        return resize_to(to_unit_range(decode(image, window)), size)

    def train(self, image: tf.Tensor, seed: tf.Tensor, size: int) -> tf.Tensor:
        seeds = split_seed(seed, 2)
        offset, extent = resized_crop_window(stored_shape(image), seeds[0], self.scale, self.ratio)
        crop = resize_to(to_unit_range(decode(image, tf.concat([offset, extent], 0))), size)
        return tf.image.stateless_random_flip_left_right(crop, seeds[1])


@dataclasses.dataclass(frozen=True)
class AsStored:
    """Images already at the target size in [0, 1] (embedded data): no augmentation."""

    def evaluate(self, image: tf.Tensor, size: int) -> tf.Tensor:
        return resize_to(to_unit_range(decode(image)), size)

    def train(self, image: tf.Tensor, seed: tf.Tensor, size: int) -> tf.Tensor:
        return self.evaluate(image, size)


@dataclasses.dataclass(frozen=True)
class Vectors:
    """Feature vectors [D] (synthetic non-image data): used as stored, cast to float32."""

    def evaluate(self, vector: tf.Tensor, size: int) -> tf.Tensor:
        return tf.cast(vector, tf.float32)

    def train(self, vector: tf.Tensor, seed: tf.Tensor, size: int) -> tf.Tensor:
        return self.evaluate(vector, size)
