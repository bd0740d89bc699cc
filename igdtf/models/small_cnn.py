"""A small, fast CNN for tests, the quickstart and CPU experiments (no BatchNorm)."""

from collections.abc import Sequence

import keras

from igdtf.models.first_order import FirstOrderMaxPooling2D, first_order_relu
from igdtf.models.normalization import standardize_layer


def small_cnn(
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float],
    std: Sequence[float],
    width: int = 32,
    name: str = "small_cnn",
) -> keras.Model:
    """Two conv-conv-pool stages (width, 2·width channels) and a 4·width dense layer.

    Args:
      input_shape: (H, W, C) of images in [0, 1]; H and W divisible by 4.
      num_classes: number of logits.
      mean, std: per-channel normalisation statistics (pixel units).
      width: channels of the first stage.
    Returns:
      A functional model mapping [N, H, W, C] images to [N, num_classes] logits.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    h = standardize_layer(mean, std)(inputs)
    for stage, channels in enumerate((width, 2 * width)):
        for conv in range(2):
            h = keras.layers.Conv2D(
                channels, 3, padding="same", activation=first_order_relu, name=f"conv{stage + 1}_{conv + 1}"
            )(h)
        h = FirstOrderMaxPooling2D(2, name=f"pool{stage + 1}")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    h = keras.layers.Dense(4 * width, activation=first_order_relu, name="fc")(h)
    logits = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(inputs, logits, name=name)
