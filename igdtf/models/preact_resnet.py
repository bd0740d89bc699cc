"""Pre-activation ResNets (He et al. 2016b, "Identity mappings in deep residual networks"):
PreActResNet-18 as in the code of fast adversarial training (Wong et al. 2020) and of Rice et al.
2020, and the pre-activation block that wide_resnet.py shares.

A block computes a = ReLU(BN(x)), then conv3×3(stride) → BN → ReLU → [dropout] → conv3×3 and adds
the shortcut: x itself when the shape is kept, else a 1×1 convolution (stride, no BatchNorm) of
a. After the last block: BN → ReLU → global average pooling → logits. PreActResNet-18 has
11.17 M trainable parameters for 10 classes.
"""

from collections.abc import Sequence

import keras

from igdtf.models.conv_layers import batch_norm, he_conv, padded_conv
from igdtf.models.first_order import FirstOrderReLU
from igdtf.models.normalization import standardize_layer

_STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))  # (channels, stride of the first block)


def preact_block(h, channels: int, stride: int, name: str, synchronized: bool, dropout: float = 0.0):
    """One pre-activation basic block (module docstring) on h [N, H, W, C] →
    [N, ⌈H/stride⌉, ⌈W/stride⌉, channels]; layers named `name`_bn1, _conv1, …"""
    activated = FirstOrderReLU(name=f"{name}_relu1")(batch_norm(f"{name}_bn1", synchronized)(h))
    shortcut = h
    if stride != 1 or h.shape[-1] != channels:
        shortcut = he_conv(channels, 1, stride, f"{name}_shortcut")(activated)
    out = padded_conv(activated, channels, 3, stride, f"{name}_conv1", f"{name}_conv1_pad")
    out = FirstOrderReLU(name=f"{name}_relu2")(batch_norm(f"{name}_bn2", synchronized)(out))
    if dropout > 0:
        out = keras.layers.Dropout(dropout, name=f"{name}_dropout")(out)
    out = padded_conv(out, channels, 3, 1, f"{name}_conv2", f"{name}_conv2_pad")
    return keras.layers.Add(name=f"{name}_add")([out, shortcut])


def preact_head(h, num_classes: int, synchronized: bool):
    """BN → ReLU → global average pooling → [N, num_classes] logits, after the last block."""
    h = FirstOrderReLU(name="final_relu")(batch_norm("final_bn", synchronized)(h))
    h = keras.layers.GlobalAveragePooling2D(name="avg_pool")(h)
    return keras.layers.Dense(num_classes, name="logits")(h)


def preact_resnet18(
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float],
    std: Sequence[float],
    synchronized_bn: bool = False,
    name: str = "preact_resnet18",
) -> keras.Model:
    """PreActResNet-18 mapping [N, H, W, C] images in [0, 1] to [N, num_classes] logits: a 3×3
    stride-1 stem convolution (64 channels, no BatchNorm: the first block normalises), then
    [2, 2, 2, 2] pre-activation blocks of 64, 128, 256, 512 channels.

    Args:
      synchronized_bn: compute BatchNorm statistics over all replicas of a tf.distribute strategy.
    """
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    h = standardize_layer(mean, std)(inputs)
    h = padded_conv(h, 64, 3, 1, "stem_conv", "stem_pad")
    for stage, (channels, stride) in enumerate(_STAGES):
        for block in range(2):
            h = preact_block(h, channels, stride if block == 0 else 1, f"stage{stage + 1}_block{block + 1}",
                             synchronized_bn)
    return keras.Model(inputs, preact_head(h, num_classes, synchronized_bn), name=name)
