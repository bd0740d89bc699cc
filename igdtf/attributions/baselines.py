"""Reference images ("baselines") of path attributions: zero, random, random_normal and blurred.

zero:          the black image.
random:        uniform noise in [0, 1] per element.
random_normal: standard normal noise N(0, 1) per element (not clipped to [0, 1]): the IGD
               authors' evaluation code passes such a baseline to captum's IG (issue 20).
blurred: x convolved with a Gaussian of `blur_sigma` pixels (Sturmfels et al. 2020), with
         the weights renormalised at the borders so that a constant image stays constant.
"""

import math

import tensorflow as tf

from igdtf.validation import check_choice

BASELINES = ("zero", "random", "random_normal", "blurred")
RANDOM_BASELINES = ("random", "random_normal")


def gaussian_blur(x: tf.Tensor, sigma: float) -> tf.Tensor:
    """Separable Gaussian blur of [N, H, W, C] images, σ in pixels, borders renormalised."""
    radius = max(1, math.ceil(3.0 * sigma))
    offsets = tf.range(-radius, radius + 1, dtype=tf.float32)
    taps = tf.exp(-0.5 * tf.square(offsets / sigma))
    taps = taps / tf.reduce_sum(taps)
    channels = x.shape[-1]

    def blur(images):
        rows = tf.tile(tf.reshape(taps, [-1, 1, 1, 1]), [1, 1, channels, 1])
        cols = tf.tile(tf.reshape(taps, [1, -1, 1, 1]), [1, 1, channels, 1])
        images = tf.nn.depthwise_conv2d(images, rows, [1, 1, 1, 1], "SAME")
        return tf.nn.depthwise_conv2d(images, cols, [1, 1, 1, 1], "SAME")

    return blur(x) / blur(tf.ones_like(x[:1]))


def make_baseline(kind: str, x: tf.Tensor, seed=None, blur_sigma: float = 5.0) -> tf.Tensor:
    """The baseline of each image of x [N, H, W, C] (`seed`: stateless [2], for the random kinds)."""
    check_choice("baseline", kind, BASELINES)
    if kind == "zero":
        return tf.zeros_like(x)
    if kind in RANDOM_BASELINES:
        if seed is None:
            raise ValueError(f"The {kind} baseline needs a stateless [2] seed.")
        if kind == "random_normal":
            return tf.random.stateless_normal(tf.shape(x), seed)
        return tf.random.stateless_uniform(tf.shape(x), seed, 0.0, 1.0)
    return gaussian_blur(x, blur_sigma)
