"""Reference images ("baselines") of path attributions: zero, random and blurred.

zero:    the black image.
random:  uniform noise in [0, 1] per element (the IGD paper's choice for IG).
blurred: x convolved with a Gaussian of `blur_sigma` pixels (Sturmfels et al. 2020), with
         the weights renormalised at the borders so that a constant image stays constant.
"""

import math

import tensorflow as tf

from igdtf.validation import check_choice

BASELINES = ("zero", "random", "blurred")


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
    """The baseline of each image of x [N, H, W, C] (`seed`: stateless [2], for "random")."""
    check_choice("baseline", kind, BASELINES)
    if kind == "zero":
        return tf.zeros_like(x)
    if kind == "random":
        if seed is None:
            raise ValueError("The random baseline needs a stateless [2] seed.")
        return tf.random.stateless_uniform(tf.shape(x), seed, 0.0, 1.0)
    return gaussian_blur(x, blur_sigma)
