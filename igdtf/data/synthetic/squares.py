"""Squares (Lanfredi et al.): a centred square of one of two sizes on smoothed Gaussian noise.

Class 0 is the small square (half side 20 % of the image side S), class 1 the large one (half
side 32 % of S), as in the original 224 px images (half sides 44 and 71 px). The original uses
pixel values −0.5 / +0.5 plus noise of std 0.5; here, in [0, 1], the background is 0.35, the
square 0.65 and the noise (a Gaussian-blurred white noise, rescaled to std 0.0875 and truncated
at ±4 std) never pushes a pixel out of [0, 1]. Because class membership is only the square's
size, the closest image of the other class is the same noise with the other square:
Δx = template(target) − template(label), known in closed form.
"""

import numpy as np
import tensorflow as tf

BACKGROUND, FOREGROUND = 0.35, 0.65
NOISE_STD = 0.0875
HALF_SIDE_FRACTIONS = (0.5 * 0.8 * 0.5, 0.5 * 0.8 * 0.8)  # of the image side, per class


def square_templates(image_size: int) -> np.ndarray:
    """The noise-free image of each class, [2, S, S, 1] float32."""
    half = image_size // 2
    templates = np.full((2, image_size, image_size, 1), BACKGROUND, np.float32)
    for cls, fraction in enumerate(HALF_SIDE_FRACTIONS):
        block = max(1, int(round(image_size * fraction)))
        templates[cls, half - block:half + block, half - block:half + block] = FOREGROUND
    return templates


def _smoothed_noise(rng: np.random.Generator, n: int, size: int, sigma: float) -> np.ndarray:
    """[N, S, S] Gaussian white noise blurred with a Gaussian of `sigma` px (wrapping), unit std."""
    white = rng.standard_normal((n, size, size))
    offsets = (np.arange(size)[:, None] - np.arange(size)[None, :] + size // 2) % size - size // 2
    kernel = np.exp(-0.5 * (offsets / max(sigma, 1e-3)) ** 2)
    smooth = kernel @ white @ kernel.T
    return smooth / smooth.std(axis=(1, 2), keepdims=True)


def generate_squares(num_samples: int, seed: int, image_size: int = 32, blur: float | None = None):
    """Balanced Squares images.

    Args:
      blur: std of the noise blur in pixels; default 2.5·S/224 (the original's 2.5 px at 224).
    Returns:
      images: [N, S, S, 1] float32 in [0, 1]. labels: [N] int32 (0 small, 1 large square).
    """
    rng = np.random.default_rng(seed)
    labels = (np.arange(num_samples) % 2).astype(np.int32)
    rng.shuffle(labels)
    blur = 2.5 * image_size / 224 if blur is None else blur
    noise = np.clip(_smoothed_noise(rng, num_samples, image_size, blur), -4.0, 4.0) * NOISE_STD
    images = square_templates(image_size)[labels] + noise[..., None]
    return np.clip(images, 0.0, 1.0).astype(np.float32), labels  # the clip only removes rounding


def squares_delta_x(x: tf.Tensor, labels: tf.Tensor, target: tf.Tensor) -> tf.Tensor:
    """Δx = template(target) − template(label): from x to the closest image of class `target`
    (zero where target == label); x is [N, S, S, 1]."""
    templates = tf.constant(square_templates(int(x.shape[1])))
    return tf.gather(templates, tf.cast(target, tf.int32)) - tf.gather(templates, tf.cast(labels, tf.int32))
