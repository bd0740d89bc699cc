"""ResNet-18 (He et al. 2016) in the two variants the papers use.

* ``stem="3x3"``: a 3×3 stride-1 convolution and no max-pool, for 32–64 px inputs (CIFAR,
  TinyImageNet, STL-10 at low resolution).
* ``stem="7x7"``: a 7×7 stride-2 convolution followed by a 3×3 stride-2 max-pool, for 224 px
  inputs (ImageNet-100).

Layers are padded and initialised as the PyTorch models the papers trained (conv_layers.py).
"""

from collections.abc import Sequence

import keras

from igdtf.models.conv_layers import batch_norm, padded_conv
from igdtf.models.first_order import FirstOrderMaxPooling2D, FirstOrderReLU
from igdtf.models.normalization import standardize_layer
from igdtf.validation import check_choice

STEMS = ("auto", "3x3", "7x7")
_STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))  # (channels, stride of the first block)


def conv_bn(h, channels, kernel, stride, name, synchronized, relu=True):
    """Padded convolution (`name`_conv), BatchNorm (`name`_bn) and, if `relu`, a first-order ReLU."""
    h = padded_conv(h, channels, kernel, stride, f"{name}_conv", f"{name}_pad")
    h = batch_norm(f"{name}_bn", synchronized)(h)
    return FirstOrderReLU(name=f"{name}_relu")(h) if relu else h


def _basic_block(h, channels: int, stride: int, name: str, synchronized: bool):
    shortcut = h
    if stride != 1 or h.shape[-1] != channels:
        shortcut = conv_bn(h, channels, 1, stride, f"{name}_shortcut", synchronized, relu=False)
    h = conv_bn(h, channels, 3, stride, f"{name}_a", synchronized)
    h = conv_bn(h, channels, 3, 1, f"{name}_b", synchronized, relu=False)
    h = keras.layers.Add(name=f"{name}_add")([h, shortcut])
    return FirstOrderReLU(name=f"{name}_out")(h)


def resolve_stem(stem: str, input_shape: Sequence[int]) -> str:
    """'auto' picks '3x3' for inputs up to 64 px and '7x7' above."""
    check_choice("ResNet stem", stem, STEMS)
    if stem != "auto":
        return stem
    return "3x3" if max(input_shape[0], input_shape[1]) <= 64 else "7x7"


def resnet_stem(h, stem: str, synchronized: bool):
    """The stem of a resolved `stem` kind ("3x3" or "7x7", see module docstring): 64 channels."""
    if stem == "3x3":
        return conv_bn(h, 64, 3, 1, "stem", synchronized)
    h = conv_bn(h, 64, 7, 2, "stem", synchronized)
    h = keras.layers.ZeroPadding2D(1, name="stem_pool_pad")(h)  # inputs are >= 0 after ReLU
    return FirstOrderMaxPooling2D(3, strides=2, name="stem_pool")(h)


def resnet18(
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float],
    std: Sequence[float],
    stem: str = "auto",
    synchronized_bn: bool = False,
    name: str = "resnet18",
) -> keras.Model:
    """ResNet-18 mapping [N, H, W, C] images in [0, 1] to [N, num_classes] logits.

    Args:
      stem: "3x3", "7x7" or "auto" (see module docstring).
      synchronized_bn: compute BatchNorm statistics over all replicas of a tf.distribute strategy.
    """
    stem = resolve_stem(stem, input_shape)
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    h = standardize_layer(mean, std)(inputs)
    h = resnet_stem(h, stem, synchronized_bn)
    for stage, (channels, stride) in enumerate(_STAGES):
        for block in range(2):
            h = _basic_block(
                h, channels, stride if block == 0 else 1, f"stage{stage + 1}_block{block + 1}",
                synchronized_bn,
            )
    h = keras.layers.GlobalAveragePooling2D(name="avg_pool")(h)
    logits = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(inputs, logits, name=name)
