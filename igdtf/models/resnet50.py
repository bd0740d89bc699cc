"""ResNet-50 (He et al. 2016): bottleneck blocks [3, 4, 6, 3], as torchvision's resnet50 (the
stride of a down-sampling block on its 3×3 convolution, "v1.5"), which MadryLab's robustness
library and RobustBench's ImageNet models use.

25.56 M trainable parameters with 1 000 classes, 23.53 M with 10 (BatchNorm moving statistics
are not trainable). ``stem="7x7"`` (default) is the ImageNet stem of resnet.py, ``"3x3"`` the
CIFAR one (a 3×3 stride-1 convolution, no max-pool), ``"auto"`` picks by input size.
"""

from collections.abc import Sequence

import keras

from igdtf.models.first_order import FirstOrderReLU
from igdtf.models.normalization import standardize_layer
from igdtf.models.resnet import conv_bn, resnet_stem, resolve_stem

_STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))  # (width, stride of the first block)
BLOCKS = (3, 4, 6, 3)  # bottleneck blocks per stage
EXPANSION = 4  # output channels of a bottleneck block = EXPANSION × its width


def _bottleneck_block(h, width: int, stride: int, name: str, synchronized: bool):
    """1×1 (width) → 3×3 stride `stride` (width) → 1×1 (4·width) with BatchNorm, added to the
    input (projected by a 1×1 convolution and BatchNorm when the shape changes), then ReLU."""
    channels = EXPANSION * width
    shortcut = h
    if stride != 1 or h.shape[-1] != channels:
        shortcut = conv_bn(h, channels, 1, stride, f"{name}_shortcut", synchronized, relu=False)
    h = conv_bn(h, width, 1, 1, f"{name}_a", synchronized)
    h = conv_bn(h, width, 3, stride, f"{name}_b", synchronized)
    h = conv_bn(h, channels, 1, 1, f"{name}_c", synchronized, relu=False)
    h = keras.layers.Add(name=f"{name}_add")([h, shortcut])
    return FirstOrderReLU(name=f"{name}_out")(h)


def resnet50(
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float],
    std: Sequence[float],
    stem: str = "7x7",
    blocks: Sequence[int] = BLOCKS,
    synchronized_bn: bool = False,
    name: str = "resnet50",
) -> keras.Model:
    """ResNet-50 mapping [N, H, W, C] images in [0, 1] to [N, num_classes] logits.

    Args:
      stem: "7x7" (ImageNet, default), "3x3" (CIFAR) or "auto" (3x3 up to 64 px).
      blocks: bottleneck blocks in each of the four stages: (3, 4, 6, 3) is ResNet-50, (3, 4, 23, 3)
        ResNet-101, (3, 8, 36, 3) ResNet-152; fewer make quick tests.
      synchronized_bn: compute BatchNorm statistics over all replicas of a tf.distribute strategy.
    """
    stem = resolve_stem(stem, input_shape)
    if len(blocks) != len(_STAGES) or not all(isinstance(n, int) and n >= 1 for n in blocks):
        raise ValueError(f"resnet50 blocks must be {len(_STAGES)} integers >= 1, e.g. {BLOCKS}, received {blocks!r}.")
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    h = standardize_layer(mean, std)(inputs)
    h = resnet_stem(h, stem, synchronized_bn)
    for stage, ((width, stride), count) in enumerate(zip(_STAGES, blocks)):
        for block in range(count):
            h = _bottleneck_block(h, width, stride if block == 0 else 1, f"stage{stage + 1}_block{block + 1}",
                                  synchronized_bn)
    h = keras.layers.GlobalAveragePooling2D(name="avg_pool")(h)
    logits = keras.layers.Dense(num_classes, name="logits")(h)
    return keras.Model(inputs, logits, name=name)
