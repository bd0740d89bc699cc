"""Architecture names → model builders."""

from collections.abc import Sequence

import keras

from igdtf.models.mlp import mlp
from igdtf.models.preact_resnet import preact_resnet18
from igdtf.models.resnet import resnet18
from igdtf.models.resnet50 import resnet50
from igdtf.models.small_cnn import small_cnn
from igdtf.models.wide_resnet import wide_resnet, wrn28_10, wrn34_10
from igdtf.validation import check_choice

ARCHITECTURES = {
    "small_cnn": small_cnn, "resnet18": resnet18, "mlp": mlp, "preact_resnet18": preact_resnet18,
    "resnet50": resnet50, "wide_resnet": wide_resnet, "wrn34_10": wrn34_10, "wrn28_10": wrn28_10,
}


def build_model(
    arch: str,
    input_shape: Sequence[int],
    num_classes: int,
    mean: Sequence[float],
    std: Sequence[float],
    **options,
) -> keras.Model:
    """Builds architecture `arch` for inputs of `input_shape` (images in [0, 1], or vectors for
    "mlp") → `num_classes` logits.

    `options` go to the builder (e.g. `stem` for resnet18 and resnet50, `depth`, `width` and
    `dropout` for wide_resnet, `synchronized_bn` for every BatchNorm architecture, `width` for
    small_cnn, `hidden` for mlp).
    """
    check_choice("architecture", arch, ARCHITECTURES)
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, received {num_classes}.")
    return ARCHITECTURES[arch](input_shape, num_classes, mean, std, **options)
