"""Architecture names → model builders."""

from collections.abc import Sequence

import keras

from igdtf.models.mlp import mlp
from igdtf.models.resnet import resnet18
from igdtf.models.small_cnn import small_cnn
from igdtf.validation import check_choice

ARCHITECTURES = {"small_cnn": small_cnn, "resnet18": resnet18, "mlp": mlp}


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

    `options` go to the builder (e.g. `stem` and `synchronized_bn` for resnet18, `width` for
    small_cnn, `hidden` for mlp).
    """
    check_choice("architecture", arch, ARCHITECTURES)
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, received {num_classes}.")
    return ARCHITECTURES[arch](input_shape, num_classes, mean, std, **options)
