"""Applying the ImageNet-C corruptions (names.py) to images, seeded, scaled to the image size.

The algorithms are functions.py's (written from the published ones; no OpenCV, ImageMagick or
download needed — frost's photographs ship in igdtf/data/corruptions/frost/). The severity
constants are CIFAR-10-C's for images up to 84 px and ImageNet-C's above (severities.py;
`parameters=` chooses explicitly). A call's draws come from one NumPy RandomState seeded by
`seed`, so the same images, corruption and seed always give the same result and the global NumPy
generator is left alone; the noise corruptions draw for the whole batch at once, exactly as
ImageNet-C's reference code does (tests/data/corruptions checks Gaussian, shot and impulse noise
against tensorflow-datasets' copy of it, draw for draw).

`corruption_op` runs the same code inside tf.data (the imagenet100_c splits), so the evaluation
suite and the dataset splits corrupt images identically.
"""

from collections.abc import Callable

import numpy as np
import tensorflow as tf

from igdtf.data.corruptions.filters import LUMA
from igdtf.data.corruptions.functions import FUNCTIONS, NOISE_FUNCTIONS, RGB_ONLY
from igdtf.data.corruptions.names import CORRUPTIONS, check_severity
from igdtf.data.corruptions.severities import PARAMETER_SETS, SEVERITY_CONSTANTS, parameter_set
from igdtf.validation import check_choice

# (image [H, W, C] float32 in [0, 1], severity 1-5, stateless seed [2] int64) → corrupted image.
CorruptionFn = Callable[[tf.Tensor, int, tf.Tensor], tf.Tensor]


def corrupt(images: np.ndarray, name: str, severity: int, seed: int, parameters: str | None = None) -> np.ndarray:
    """Corrupts uint8 images [..., H, W, C] (values 0..255) with `name` at `severity` (1–5);
    returns uint8 of the same shape. The same seed gives the same corruption. `parameters`:
    "cifar10_c" or "imagenet_c" severity constants (default: by image size)."""
    check_choice("corruption", name, CORRUPTIONS)
    severity = check_severity(severity)
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"corrupt() takes uint8 images (0..255), received dtype {images.dtype}.")
    if images.ndim < 3:
        raise ValueError(f"corrupt() takes images [..., H, W, C], received shape {images.shape}.")
    height, width, channels = images.shape[-3:]
    parameters = check_choice("corruption parameters", parameters or parameter_set(height, width), PARAMETER_SETS)
    constant = SEVERITY_CONSTANTS[parameters][name][severity - 1]
    function, rng = FUNCTIONS[name], np.random.RandomState(seed % 2 ** 32)
    x = images / 255.0
    if name in NOISE_FUNCTIONS:
        corrupted = function(x, constant, rng, parameters)
    else:
        grey = channels == 1 and name in RGB_ONLY
        if channels not in (1, 3):
            raise ValueError(f"{name} corrupts images with 1 or 3 channels, received {channels}.")
        flat = x.reshape((-1, height, width, channels))
        if grey:  # through RGB and back to luma
            flat = np.repeat(flat, 3, axis=-1)
        corrupted = np.stack([function(image, constant, rng, parameters) for image in flat])
        if grey:
            corrupted = np.clip(corrupted, 0, 1) @ LUMA[:, None]
        corrupted = corrupted.reshape(images.shape)
    return np.around(np.clip(corrupted, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float images in [0, 1] → uint8 0..255 (rounded), as the corruptions expect."""
    return np.around(np.clip(np.asarray(images, np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def corruption_op(name: str) -> CorruptionFn:
    """`corrupt` as a TensorFlow op on one float image [H, W, C] in [0, 1] (e.g. in a tf.data
    map): quantised to 8 bits, corrupted, returned as float32 in [0, 1]. The stateless [2] seed
    picks the integer seed, so an image and seed always give the same corruption."""
    check_choice("corruption", name, CORRUPTIONS)

    def apply(image: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
        severity = check_severity(severity)

        def run(pixels, seed_pair):
            integer_seed = (int(seed_pair[0]) * 1_000_003 + int(seed_pair[1])) % 2**32
            return (corrupt(to_uint8(pixels), name, severity, integer_seed) / np.float32(255.0)).astype(np.float32)

        result = tf.numpy_function(run, [tf.cast(image, tf.float32), tf.cast(seed, tf.int64)], tf.float32)
        result.set_shape(image.shape)
        return result

    return apply
