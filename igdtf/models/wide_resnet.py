"""Wide residual networks WRN-d-k (Zagoruyko & Komodakis 2016) as in the code of TRADES, of
Madry et al.'s PyTorch ports and of RobustBench's CIFAR models.

n = (d − 4) / 6 pre-activation basic blocks (preact_resnet.preact_block) in each of three
groups of 16k, 32k and 64k channels (strides 1, 2, 2) after a 3×3 stem convolution of 16
channels; dropout, when > 0, between the two convolutions of every block; BN → ReLU → global
average pooling → logits at the end. Trainable parameters for 10 classes: WRN-34-10 46.16 M,
WRN-28-10 36.48 M (the counts RobustBench lists).
"""

from collections.abc import Sequence

import keras

from igdtf.models.conv_layers import padded_conv
from igdtf.models.normalization import standardize_layer
from igdtf.models.preact_resnet import preact_block, preact_head
from igdtf.validation import check_fraction_below_one, check_positive_int


def wide_resnet(
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float],
    std: Sequence[float],
    depth: int = 34,
    width: int = 10,
    dropout: float = 0.0,
    synchronized_bn: bool = False,
    name: str | None = None,
) -> keras.Model:
    """WRN-`depth`-`width` mapping [N, H, W, C] images in [0, 1] to [N, num_classes] logits.

    Args:
      depth: 6n + 4 for n >= 1 blocks per group (28, 34, 40, ...).
      width: the widening factor k (channels 16k, 32k, 64k).
      dropout: dropout rate in [0, 1) inside every block (TRADES and Madry et al.: 0).
      synchronized_bn: compute BatchNorm statistics over all replicas of a tf.distribute strategy.
      name: the model's name (default "wrn<depth>_<width>").
    """
    check_positive_int("wide_resnet width", width)
    check_fraction_below_one("wide_resnet dropout", dropout)
    if isinstance(depth, bool) or not isinstance(depth, int) or depth < 10 or (depth - 4) % 6:
        raise ValueError(f"wide_resnet depth must be 6n + 4 for an integer n >= 1 (10, 16, 22, 28, 34, ...), "
                         f"received {depth!r}.")
    inputs = keras.Input(shape=tuple(input_shape), name="images")
    h = standardize_layer(mean, std)(inputs)
    h = padded_conv(h, 16, 3, 1, "stem_conv", "stem_pad")
    for group, (channels, stride) in enumerate(((16 * width, 1), (32 * width, 2), (64 * width, 2))):
        for block in range((depth - 4) // 6):
            h = preact_block(h, channels, stride if block == 0 else 1, f"group{group + 1}_block{block + 1}",
                             synchronized_bn, dropout)
    return keras.Model(inputs, preact_head(h, num_classes, synchronized_bn), name=name or f"wrn{depth}_{width}")


def wrn34_10(input_shape, num_classes, mean, std, dropout: float = 0.0, synchronized_bn: bool = False):
    """WRN-34-10 (TRADES, Madry et al., most of RobustBench's CIFAR-10 entries); see wide_resnet."""
    return wide_resnet(input_shape, num_classes, mean, std, 34, 10, dropout, synchronized_bn, "wrn34_10")


def wrn28_10(input_shape, num_classes, mean, std, dropout: float = 0.0, synchronized_bn: bool = False):
    """WRN-28-10 (Rice et al., Gowal et al. and others on RobustBench); see wide_resnet."""
    return wide_resnet(input_shape, num_classes, mean, std, 28, 10, dropout, synchronized_bn, "wrn28_10")
