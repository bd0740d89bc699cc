"""ImageNet-C noise corruptions (Hendrycks & Dietterich 2019) at severities 1–5, seeded.

The corruptions are the reference ones maintained in tensorflow-datasets (the code behind its
imagenet2012_corrupted builder; tfds is already a pinned dependency): gaussian_noise and
shot_noise are called as they are, on whole uint8 batches, with NumPy's global generator
seeded for the call and restored afterwards. Their impulse_noise calls scikit-image's
random_noise without a generator, so it cannot be seeded; impulse_noise here makes the same
call (salt and pepper, ImageNet-C's amounts) with a seeded generator. tests/data checks all
three against tfds's functions draw for draw.

Why not the `imagecorruptions` package: its last release (1.1.2) imports pkg_resources, which
fresh Python ≥ 3.12 environments lack, has the same unseedable impulse noise, and its fix was
never released.

Severity constants are ImageNet-C's for every image size (CIFAR-10-C used weaker ones).

`corruption_op` runs the same code inside tf.data (the imagenet100_noise splits), so the
evaluation suite and the dataset splits corrupt images identically.
"""

import contextlib
import threading
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from igdtf.validation import check_choice

NOISE_CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise")
SEVERITIES = (1, 2, 3, 4, 5)
IMPULSE_AMOUNTS = (0.03, 0.06, 0.09, 0.17, 0.27)  # ImageNet-C's salt-and-pepper fractions

# (image [H, W, C] float32 in [0, 1], severity 1-5, stateless seed [2] int64) → corrupted image.
CorruptionFn = Callable[[tf.Tensor, int, tf.Tensor], tf.Tensor]
_GLOBAL_GENERATOR = threading.Lock()  # gaussian/shot noise seed NumPy's global generator


@contextlib.contextmanager
def numpy_global_seed(seed: int):
    """Seeds NumPy's global (legacy) generator inside the block and restores its state after."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def check_severity(severity) -> int:
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or severity not in SEVERITIES:
        raise ValueError(f"Corruption severity must be an integer in 1..5, received {severity!r}.")
    return int(severity)


def corrupt(images: np.ndarray, name: str, severity: int, seed: int) -> np.ndarray:
    """Corrupts uint8 images [..., H, W, C] (values 0..255) with `name` at `severity` (1–5);
    returns uint8 of the same shape. The same seed gives the same corruption."""
    check_choice("corruption", name, NOISE_CORRUPTIONS)
    severity = check_severity(severity)
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise ValueError(f"corrupt() takes uint8 images (0..255), received dtype {images.dtype}.")
    if name == "impulse_noise":
        from skimage.util import random_noise

        noisy = random_noise(images / 255.0, mode="s&p", amount=IMPULSE_AMOUNTS[severity - 1],
                             rng=np.random.default_rng(seed))
        return np.around(np.clip(noisy, 0.0, 1.0) * 255.0).astype(np.uint8)
    from tensorflow_datasets.image_classification import corruptions as imagenet_c

    with numpy_global_seed(seed):
        return getattr(imagenet_c, name)(images, severity)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """float images in [0, 1] → uint8 0..255 (rounded), as the corruptions expect."""
    return np.around(np.clip(np.asarray(images, np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def corruption_op(name: str) -> CorruptionFn:
    """`corrupt` as a TensorFlow op on one float image [H, W, C] in [0, 1] (e.g. in a tf.data
    map): quantised to 8 bits, corrupted, returned as float32 in [0, 1]. The stateless [2] seed
    picks the integer seed, so an image and seed always give the same corruption; calls are
    serialised because the reference code seeds NumPy's global generator."""
    check_choice("corruption", name, NOISE_CORRUPTIONS)

    def apply(image: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
        severity = check_severity(severity)

        def run(pixels, seed_pair):
            integer_seed = (int(seed_pair[0]) * 1_000_003 + int(seed_pair[1])) % 2**32
            with _GLOBAL_GENERATOR:
                noisy = corrupt(to_uint8(pixels), name, severity, integer_seed)
            return (noisy / np.float32(255.0)).astype(np.float32)

        result = tf.numpy_function(run, [tf.cast(image, tf.float32), tf.cast(seed, tf.int64)], tf.float32)
        result.set_shape(image.shape)
        return result

    return apply
