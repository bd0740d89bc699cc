"""ReLU and max-pooling whose gradients are not differentiated back into the forward pass.

A ReLU's or a max-pool's gradient depends on the forward activations only through a mask (which
input is positive, which one is the maximum), and that mask is piecewise constant: its
derivative is zero almost everywhere. TensorFlow's registered second derivatives still return
that zero as a tensor for the activations (`ReluGrad` → `zeros_like(features)`,
`MaxPoolGrad` → zeros for its original input and output), so double backprop (IGD, IGAM, PAG,
TRADES, the alignment penalty, gradient norms) pushes those zeros back through the whole
forward network: a full backward pass that changes nothing. These versions stop the gradient
at the mask, so the second derivative is computed exactly as before without that pass.

Forward values and first derivatives are the stock ones (the same kernels); only the graph of
the second derivative is smaller. `python -m igdtf.benchmarks.train_step --relu=both` measures
the saving.
"""

import keras
import tensorflow as tf

_PACKAGE = "igdtf"


@tf.custom_gradient
def _relu(x):
    y = tf.nn.relu(x)

    def gradient(dy):
        return tf.raw_ops.ReluGrad(gradients=dy, features=tf.stop_gradient(y))

    return y, gradient


@keras.saving.register_keras_serializable(package=_PACKAGE)
def first_order_relu(x):
    """max(x, 0), elementwise, any shape and float dtype; gradient `ReluGrad(dy, y)` with y's own
    dependence on x cut (its derivative is zero almost everywhere). A Keras activation."""
    return _relu(x)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class FirstOrderReLU(keras.layers.Layer):
    """keras.layers.ReLU() (no slope, cap or threshold) computed by `first_order_relu`."""

    def call(self, inputs):
        return first_order_relu(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape


def _first_order_max_pool(x, pool_size, strides, padding):
    """tf.nn.max_pool2d on NHWC x; gradient `MaxPoolGrad` with the forward values held constant."""

    @tf.custom_gradient
    def pool(x):
        y = tf.nn.max_pool2d(x, pool_size, strides, padding)

        def gradient(dy):
            return tf.raw_ops.MaxPoolGrad(
                orig_input=tf.stop_gradient(x), orig_output=tf.stop_gradient(y), grad=dy,
                ksize=[1, *pool_size, 1], strides=[1, *strides, 1], padding=padding)

        return y, gradient

    return pool(x)


@keras.saving.register_keras_serializable(package=_PACKAGE)
class FirstOrderMaxPooling2D(keras.layers.MaxPooling2D):
    """keras.layers.MaxPooling2D (channels_last only) computed by a max-pool whose gradient is
    not differentiated back into the forward pass."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)
        if self.data_format != "channels_last":
            raise ValueError(f"FirstOrderMaxPooling2D supports data_format='channels_last' only; received "
                             f"{self.data_format!r}.")

    def call(self, inputs):
        return _first_order_max_pool(inputs, list(self.pool_size), list(self.strides), self.padding.upper())


def with_stock_layers(model: keras.Model) -> keras.Model:
    """A copy of functional `model` (same weights) in which the first-order layers and
    activations are Keras' own ReLU and MaxPooling2D: same values and gradients, the stock
    second-derivative graph. For benchmarks and tests that measure what the first-order
    versions save."""

    def stock(layer):
        if isinstance(layer, FirstOrderReLU):
            return keras.layers.ReLU(name=layer.name, dtype=layer.dtype_policy)
        if isinstance(layer, FirstOrderMaxPooling2D):
            config = layer.get_config()
            return keras.layers.MaxPooling2D(**{k: config[k] for k in ("pool_size", "strides", "padding", "name")},
                                             dtype=layer.dtype_policy)
        copy = layer.__class__.from_config(layer.get_config())
        if getattr(layer, "activation", None) is first_order_relu:
            copy.activation = keras.activations.relu
        return copy

    copy = keras.models.clone_model(model, clone_function=stock)
    copy.set_weights(model.get_weights())
    return copy
