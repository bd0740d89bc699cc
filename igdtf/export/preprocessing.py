"""How the serving_bytes signature turns one encoded JPEG/PNG into the model's input image."""

import dataclasses

import tensorflow as tf

from igdtf.validation import check_fraction


@dataclasses.dataclass(frozen=True)
class ImagePreprocessing:
    """Decode → resize (aspect ratio kept, antialiased bilinear) → centre crop to the model's H×W.

    The image is scaled so that the centre crop covers `crop_fraction` of it along its
    relatively shorter side: 1.0 resizes the shorter side straight to the model's side (an image
    already of the model's size passes unchanged); 0.875 is ImageNet's resize-256/crop-224.
    """

    crop_fraction: float = 1.0

    def __post_init__(self):
        check_fraction("crop_fraction", self.crop_fraction)

    @classmethod
    def for_dataset(cls, info) -> "ImagePreprocessing":
        """The evaluation resize/crop of a DatasetInfo: its preprocessing's `crop_fraction`
        (ImageNet-style datasets: 0.875), else 1.0."""
        return cls(crop_fraction=getattr(info.preprocess, "crop_fraction", 1.0))

    def __call__(self, encoded: tf.Tensor, image_shape) -> tf.Tensor:
        """One encoded JPEG/PNG (scalar string) → float32 [H, W, C] in [0, 1], C = 1 or 3."""
        height, width, channels = image_shape
        image = tf.io.decode_image(encoded, channels=channels, dtype=tf.float32, expand_animations=False)
        size = tf.cast(tf.shape(image)[:2], tf.float32)
        scale = tf.reduce_max(tf.constant([height, width], tf.float32) / size) / self.crop_fraction
        resized_size = tf.maximum(tf.cast(tf.round(size * scale), tf.int32), [height, width])
        image = tf.image.resize(image, resized_size, method="bilinear", antialias=True)
        top, left = (resized_size[0] - height) // 2, (resized_size[1] - width) // 2
        image = image[top:top + height, left:left + width]
        # Resampling can leave values a rounding error outside [0, 1].
        return tf.ensure_shape(tf.clip_by_value(image, 0.0, 1.0), [height, width, channels])
