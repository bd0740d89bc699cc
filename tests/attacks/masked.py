"""Deliberately broken models for the sanity checks (tests only)."""

import keras
import tensorflow as tf

from tests.attacks.linear import SHAPE


class Quantize(keras.layers.Layer):
    """Rounds inputs to 8 bits: the forward pass is almost unchanged, the gradient is exactly zero
    (shattered gradients, a classic gradient-masking "defence")."""

    def call(self, x):
        return tf.round(x * 255.0) / 255.0


class SaturatedSoftmax(keras.layers.Layer):
    """10·softmax(1000·z): outputs that are not probabilities, with a saturated softmax inside
    whose gradient underflows to exactly zero."""

    def call(self, z):
        return 10.0 * tf.nn.softmax(1000.0 * z)


class Noisy(keras.layers.Layer):
    """Adds fresh Gaussian noise on every call (a randomised model)."""

    def call(self, x):
        return x + tf.random.normal(tf.shape(x), stddev=0.1)


class DriftingStatistics(keras.layers.Layer):
    """Updates a non-trainable 'moving statistic' on every call, even at inference."""

    def build(self, shape):
        self.calls = self.add_weight(shape=(), initializer="zeros", trainable=False, name="calls")

    def call(self, x):
        self.calls.assign_add(1.0)
        return x


def wrap(base, before=None, after=None) -> keras.Model:
    """base with a layer applied to its input (`before`) or to its output (`after`)."""
    inputs = keras.Input(SHAPE)
    h = before(inputs) if before is not None else inputs
    h = base(h)
    return keras.Model(inputs, after(h) if after is not None else h)
