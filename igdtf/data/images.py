"""Checking archive images before they are written to records: corrupt ones are skipped and
counted, the rest are stored as JPEGs that decode to three channels."""

import logging
import re

import tensorflow as tf

log = logging.getLogger("igdtf.data")

_JPEG_MAGIC = b"\xff\xd8\xff"


class CorruptImage(ValueError):
    """The bytes of an image do not decode."""


def rgb_jpeg(data: bytes, quality: int = 95) -> bytes:
    """`data` as JPEG bytes that decode to an RGB image.

    A baseline RGB JPEG is returned unchanged (no re-compression); grayscale or CMYK JPEGs and
    PNG/GIF/BMP files (ILSVRC2012 has a few of each under .JPEG names) are decoded and
    re-encoded. Every image is decoded once in full, so truncated or garbled files are caught
    here rather than in the middle of a training run. Raises CorruptImage if it does not decode.
    """
    try:
        if data.startswith(_JPEG_MAGIC):
            stored_channels = int(tf.image.extract_jpeg_shape(data)[2])
            image = tf.io.decode_jpeg(data, channels=3)
            if stored_channels == 3:
                return data
        else:
            image = tf.io.decode_image(data, channels=3, expand_animations=False)
    except (tf.errors.InvalidArgumentError, tf.errors.UnknownError) as error:
        raise CorruptImage(_short(error.message) or type(error).__name__) from None
    return tf.io.encode_jpeg(image, quality=quality).numpy()


def _short(message: str) -> str:
    """TensorFlow's error text without its node and op decorations."""
    message = re.sub(r"\{\{[^}]*\}\}\s*", "", message or "")
    return re.sub(r"\s*\[Op:\w+\]", "", message).strip()


class SkipCounter:
    """Counts images skipped while building one split and logs each one and a summary."""

    def __init__(self, what: str):
        self.what = what
        self.skipped: list[str] = []

    def skip(self, name: str, reason: str) -> None:
        self.skipped.append(name)
        log.warning("%s: skipping corrupt image %s (%s).", self.what, name, reason)

    def summary(self, kept: int) -> None:
        if self.skipped:
            shown = ", ".join(self.skipped[:20]) + (" ..." if len(self.skipped) > 20 else "")
            log.warning("%s: kept %d images, skipped %d corrupt ones: %s", self.what, kept,
                        len(self.skipped), shown)
        else:
            log.info("%s: kept %d images, none corrupt.", self.what, kept)
