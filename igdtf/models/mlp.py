"""A multilayer perceptron for vector inputs (2-D toy points, 500-d Spheres) and tests."""

from collections.abc import Sequence

import keras
import numpy as np

from igdtf.models.first_order import first_order_relu
from igdtf.models.normalization import standardize_layer
from igdtf.validation import check_choice

INITS = ("keras", "pytorch")


@keras.saving.register_keras_serializable(package="igdtf")
class BinaryLogits(keras.layers.Layer):
    """A scalar score s [N, 1] → the two logits (−s/2, s/2) [N, 2]: softmax gives p(class 1) =
    sigmoid(s), so cross-entropy on them is the binary cross-entropy of a single-output
    classifier, and the logit difference is s itself."""

    def call(self, score):
        return keras.ops.concatenate([-0.5 * score, 0.5 * score], axis=-1)


def mlp(
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float],
    std: Sequence[float],
    hidden: Sequence[int] = (32,),
    activation: str = "relu",
    scalar_output: bool = False,
    init: str = "keras",
    name: str = "mlp",
) -> keras.Model:
    """Normalise, flatten, `hidden` dense layers with `activation`, then a logit layer.

    Args:
      input_shape: shape of one input, e.g. (2,) for 2-D points or (H, W, C) for images.
      mean, std: normalisation statistics for the last input axis: one value per feature
        (channel), or a single value used for all of them.
      hidden: widths of the hidden layers; () gives a linear classifier.
      activation: a Keras activation name; "relu" uses `first_order_relu` (same values and
        gradients, cheaper double backprop).
      scalar_output: for 2 classes, one output unit s turned into the logits (−s/2, s/2)
        (BinaryLogits), as Lanfredi et al.'s single-output binary classifiers.
      init: "keras" (Glorot-uniform weights, zero biases) or "pytorch" (weights and biases
        U(±1/√fan_in), torch.nn.Linear's default, for papers trained with PyTorch).
    Returns:
      A functional model mapping [N, *input_shape] inputs to [N, num_classes] logits.
    """
    features = int(input_shape[-1])
    if len(mean) == 1 and len(std) == 1 and features > 1:
        mean, std = np.full(features, mean[0]).tolist(), np.full(features, std[0]).tolist()
    inputs = keras.Input(shape=tuple(input_shape), name="inputs")
    h = standardize_layer(mean, std)(inputs)
    h = keras.layers.Flatten(name="flatten")(h)
    check_choice("mlp init", init, INITS)
    activation = first_order_relu if activation == "relu" else activation
    for index, width in enumerate(hidden):
        h = _dense(int(width), h, init, activation=activation, name=f"dense{index + 1}")
    if scalar_output:
        if num_classes != 2:
            raise ValueError(f"scalar_output needs 2 classes, received {num_classes}.")
        logits = BinaryLogits(name="binary_logits")(_dense(1, h, init, name="logits"))
    else:
        logits = _dense(num_classes, h, init, name="logits")
    return keras.Model(inputs, logits, name=name)


def _dense(units: int, h, init: str, **options):
    """Dense(units) applied to h [N, fan_in], initialised as `init` (see mlp)."""
    if init == "pytorch":
        bound = 1.0 / float(np.sqrt(h.shape[-1]))
        options.update(kernel_initializer=keras.initializers.RandomUniform(-bound, bound),
                       bias_initializer=keras.initializers.RandomUniform(-bound, bound))
    return keras.layers.Dense(units, **options)(h)
