"""The field's architectures: parameter counts of the reference implementations at full size,
and every built-in architecture through the method harness at a size that trains in seconds."""

import functools

import keras
import numpy as np
import pytest

from igdtf.models import ARCHITECTURES, build_model
from igdtf.models.first_order import FirstOrderReLU

from tests.conftest import IMAGE_SHAPE, NUM_CLASSES
from tests.methods.harness import check_method_trains


def _trainable_parameters(model: keras.Model) -> int:
    """PyTorch's count: BatchNorm's moving statistics are buffers, not parameters."""
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize("arch,shape,classes,options,count", [
    ("wrn34_10", (32, 32, 3), 10, {}, 46_160_474),  # RobustBench, TRADES: 46.16 M
    ("wrn28_10", (32, 32, 3), 10, {}, 36_479_194),  # 36.48 M
    ("wide_resnet", (32, 32, 3), 10, {"depth": 28, "width": 10, "dropout": 0.3}, 36_479_194),
    ("preact_resnet18", (32, 32, 3), 10, {}, 11_172_170),  # fast-AT, Rice et al.: 11.17 M
    ("resnet50", (224, 224, 3), 10, {}, 23_528_522),  # 23.5 M
    ("resnet50", (224, 224, 3), 1000, {}, 25_557_032),  # torchvision resnet50: 25.56 M
    ("resnet50", (32, 32, 3), 10, {"stem": "3x3"}, 23_520_842),  # CIFAR stem: 3×3 instead of 7×7
])
def test_full_size_parameter_counts_match_the_reference_implementations(arch, shape, classes, options, count):
    model = build_model(arch, shape, classes, [0.5] * 3, [0.25] * 3, **options)
    assert model.output_shape == (None, classes)
    assert _trainable_parameters(model) == count


def test_wide_resnet_layers_keep_their_names_and_use_first_order_relus():
    model = build_model("wide_resnet", (32, 32, 3), 10, [0.5] * 3, [0.25] * 3, depth=16, width=2)
    names = {layer.name for layer in model.layers}
    assert {"standardize", "stem_conv", "group1_block1_bn1", "group1_block1_shortcut", "group2_block2_conv2",
            "group3_block2_add", "final_bn", "avg_pool", "logits"} <= names
    assert "group1_block2_shortcut" not in names  # identity shortcut when the shape is kept
    assert model.name == "wrn16_2"
    assert model.get_layer("group3_block1_conv1").kernel.shape == (3, 3, 64, 128)  # 32k → 64k channels, k = 2
    assert all(isinstance(layer, FirstOrderReLU) for layer in model.layers if "relu" in layer.name)
    assert not any(type(layer) in (keras.layers.ReLU, keras.layers.MaxPooling2D) for layer in model.layers)


@pytest.mark.parametrize("arch,options,message", [
    ("wide_resnet", {"depth": 30}, "wide_resnet depth must be 6n \\+ 4"),
    ("wide_resnet", {"width": 0}, "wide_resnet width must be an integer >= 1"),
    ("wide_resnet", {"dropout": 1.0}, "wide_resnet dropout must be a number in \\[0, 1\\)"),
    ("resnet50", {"blocks": (3, 4, 6)}, "resnet50 blocks must be 4 integers >= 1"),
    ("resnet50", {"stem": "5x5"}, "Unknown ResNet stem '5x5'"),
])
def test_bad_architecture_options_are_refused(arch, options, message):
    with pytest.raises(ValueError, match=message):
        build_model(arch, (32, 32, 3), 10, [0.5] * 3, [0.25] * 3, **options)


# Built-in architectures at the harness' 8×8 size: through IGD (an attack, double backprop through
# student and teacher, a frozen teacher) the pre-activation block of wide_resnet and
# preact_resnet18, thin and shallow (the presets differ only in depth and width, whose full sizes
# the parameter counts above check); the others through standard training (tracing IGD's step
# of a deep network takes minutes on 2 cores; resnet18's IGD step is timed by the benchmark tests),
# ResNet-50 with one bottleneck block per stage.
HARNESS_ARCHITECTURES = {
    "wide_resnet": ("igd", {"depth": 10, "width": 1, "dropout": 0.3}),
    "preact_resnet18": ("standard", {}),
    "resnet18": ("standard", {}),
    "resnet50": ("standard", {"stem": "3x3", "blocks": (1, 1, 1, 1)}),
    "mlp": ("standard", {"hidden": (8,)}),
}


def _harness_model(arch: str, options: dict, seed: int) -> keras.Model:
    keras.utils.set_random_seed(seed)
    return build_model(arch, IMAGE_SHAPE, NUM_CLASSES, [0.5] * 3, [0.25] * 3, **options)


def test_every_built_in_architecture_is_covered_by_the_harness():
    presets = {"wrn34_10", "wrn28_10"}  # wide_resnet with other depth and width
    assert set(ARCHITECTURES) - presets == set(HARNESS_ARCHITECTURES) | {"small_cnn"}  # small_cnn: test_methods.py


@pytest.mark.parametrize("arch", sorted(HARNESS_ARCHITECTURES))
def test_every_architecture_trains_through_the_method_harness(arch, batch, tmp_path):
    method, options = HARNESS_ARCHITECTURES[arch]
    check_method_trains(method, batch, tmp_path, functools.partial(_harness_model, arch, options))
