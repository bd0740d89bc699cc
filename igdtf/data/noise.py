"""ImageNet-C noise corruptions (Hendrycks & Dietterich 2019) as stateless TensorFlow ops.

Every corruption has the signature (image [H, W, C] float32 in [0, 1], severity 1-5, stateless
seed [2]) → image of the same shape in [0, 1], quantised to 8 bits like the published images
(which were also JPEG-compressed; these are not). Severity parameters are those of the
reference implementation:
  gaussian_noise  x + N(0, c²),                  c = .08, .12, .18, .26, .38
  shot_noise      Poisson(x·c) / c,              c = 60, 25, 12, 5, 3
  impulse_noise   salt-and-pepper on a fraction c of the elements (half salt, half pepper),
                                                 c = .03, .06, .09, .17, .27
"""

from collections.abc import Callable

import tensorflow as tf

from igdtf.validation import check_choice

SEVERITIES = (1, 2, 3, 4, 5)
_GAUSSIAN = (0.08, 0.12, 0.18, 0.26, 0.38)
_SHOT = (60.0, 25.0, 12.0, 5.0, 3.0)
_IMPULSE = (0.03, 0.06, 0.09, 0.17, 0.27)

CorruptionFn = Callable[[tf.Tensor, int, tf.Tensor], tf.Tensor]


def _check_severity(severity: int) -> int:
    if severity not in SEVERITIES:
        raise ValueError(f"severity must be one of {SEVERITIES}, received {severity!r}.")
    return severity


def _quantise(image: tf.Tensor) -> tf.Tensor:
    return tf.round(tf.clip_by_value(image, 0.0, 1.0) * 255.0) / 255.0


def gaussian_noise(image: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    sigma = _GAUSSIAN[_check_severity(severity) - 1]
    return _quantise(image + sigma * tf.random.stateless_normal(tf.shape(image), seed))


def shot_noise(image: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    photons = _SHOT[_check_severity(severity) - 1]
    counts = tf.random.stateless_poisson(tf.shape(image), seed, lam=image * photons, dtype=tf.float32)
    return _quantise(counts / photons)


def impulse_noise(image: tf.Tensor, severity: int, seed: tf.Tensor) -> tf.Tensor:
    amount = _IMPULSE[_check_severity(severity) - 1]
    draws = tf.random.stateless_uniform(tf.concat([[2], tf.shape(image)], 0), seed)
    flipped, salted = draws[0] < amount, draws[1] < 0.5
    salt_or_pepper = tf.where(salted, 1.0, 0.0)
    return _quantise(tf.where(flipped, salt_or_pepper, image))


NOISE_CORRUPTIONS: dict[str, CorruptionFn] = {
    "gaussian_noise": gaussian_noise,
    "shot_noise": shot_noise,
    "impulse_noise": impulse_noise,
}


def corruption(name: str) -> CorruptionFn:
    """The corruption function called `name` (ValueError listing the known ones otherwise)."""
    return NOISE_CORRUPTIONS[check_choice("corruption", name, NOISE_CORRUPTIONS)]
