"""--arch beyond the built-ins: keras.applications models wrapped for [0, 1] images, a user's
factory module, their options, and the models refused because they would give wrong numbers."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from igdtf.errors import ConfigError
from igdtf.models import ModelSpec, build_model
from igdtf.models.applications import ApplicationInputs, application_model
from igdtf.models.arch import parse_arch_options, takes_synchronized_bn

from tests.models.own_models import write_factory_module

APP = "keras.applications.MobileNetV3Small"
APP_OPTIONS = {"minimalistic": True, "alpha": 0.75}  # the fastest application at 32×32


@pytest.fixture
def factory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # importable from the working directory, as from the command line
    return write_factory_module(tmp_path)


def test_a_factory_model_is_built_with_its_options_and_custom_layers(factory):
    model = build_model(f"{factory}:small_net", (8, 8, 3), 3, width=6, synchronized_bn=True)
    assert model.output_shape == (None, 3)
    assert model.get_layer("conv").filters == 6 and type(model.get_layer("doubling")).__name__ == "Doubling"
    assert model.get_layer("bn").synchronized  # --synchronized_bn reaches a factory's BatchNorm layers


@pytest.mark.parametrize("arch,options,message", [
    ("{f}:small_net", {"softmax": True}, "{f}:small_net: the model outputs probabilities .* Remove the final softmax"),
    ("{f}:small_net", {"extra_outputs": 1}, "returns outputs of shape \\(4,\\) per image, but the data has 3 classes"),
    ("{f}:fixed_size_net", {}, "takes inputs of shape \\(16, 16, 3\\), but the data's images are \\(8, 8, 3\\)"),
    ("{f}:small_net", {"width": -1}, "the call small_net\\(\\(8, 8, 3\\), 3, width=-1\\) raised ValueError"),
    ("{f}:nothing", {}, "module '{f}' has no function 'nothing'"),
    ("no_such_module:net", {}, "cannot import module 'no_such_module' \\(ModuleNotFoundError"),
    ("keras.applications.ResNet51", {}, "Unknown keras.applications model 'ResNet51'. Allowed: ConvNeXtBase"),
    ("vgg", {}, "Unknown architecture 'vgg'. Allowed: mlp, .* keras.applications.NAME or module:function"),
    ("small_cnn", {"synchronized_bn": True}, "unexpected keyword argument 'synchronized_bn'"),
])
def test_models_that_would_give_wrong_numbers_are_refused(factory, arch, options, message):
    with pytest.raises((ValueError, TypeError), match=message.format(f=factory)):
        build_model(arch.format(f=factory), (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, **options)


def test_arch_options_are_checked_against_what_the_architecture_takes(factory):
    assert parse_arch_options("wide_resnet", ["depth=16", "dropout=0.3"]) == {"depth": 16, "dropout": 0.3}
    assert parse_arch_options("resnet50", ["blocks=(1, 1, 1, 1)", "stem=3x3"]) == {"blocks": (1, 1, 1, 1),
                                                                                  "stem": "3x3"}
    assert parse_arch_options(APP, ["alpha=0.75", "weights=imagenet"]) == {"alpha": 0.75, "weights": "imagenet"}
    assert parse_arch_options(f"{factory}:small_net", ["width=2"]) == {"width": 2}
    for arch, spec, message in [
        ("wide_resnet", "depht=16", "Unknown --arch_option 'depht'. Allowed: depth, width, dropout, synchronized_bn"),
        ("wide_resnet", "depth=deep", "--arch_option depth takes int"),
        (APP, "classes=3", "Unknown --arch_option 'classes'. Allowed: alpha, minimalistic, weights, pooling"),
        (f"{factory}:small_net", "num_classes=3", "Unknown --arch_option 'num_classes'"),
        ("small_cnn", "width", "--arch_option must be KEY=VALUE"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_arch_options(arch, [spec])
    assert takes_synchronized_bn("wrn34_10") and not takes_synchronized_bn("small_cnn")


@pytest.mark.parametrize("family,expected", [
    ("resnet_v2", lambda x: 255 * x / 127.5 - 1),  # "tf": [-1, 1]
    ("resnet", lambda x: 255 * x[..., ::-1] - np.array([103.939, 116.779, 123.68])),  # "caffe": BGR, mean
    ("densenet", lambda x: (x - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])),  # "torch"
    ("efficientnet_v2", lambda x: 255 * x),  # normalises inside the model: ×255 once, nothing else
])
def test_application_inputs_take_images_in_0_1_and_normalise_once_as_the_family_does(family, expected):
    x = np.random.default_rng(0).uniform(size=(2, 4, 4, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ApplicationInputs(family)(x)), expected(x), atol=1e-3)
    gray = x[..., :1]
    assert ApplicationInputs(family)(gray).shape == (2, 4, 4, 3)  # grayscale repeated to 3 channels


def test_an_application_gets_a_new_head_its_weights_file_and_survives_a_save(tmp_path):
    base = keras.applications.MobileNetV3Small(include_top=False, weights=None, input_shape=(32, 32, 3),
                                               pooling="avg", **APP_OPTIONS)
    path = str(tmp_path / "no_top.weights.h5")
    base.save_weights(path)  # a "pretrained" file as a user would bring it
    model = build_model(APP, (32, 32, 3), 5, weights=path, **APP_OPTIONS)
    assert model.output_shape == (None, 5) and model.layers[-1].name == "logits"
    assert model.get_layer("application_inputs").family == "mobilenet_v3"
    for loaded, saved in zip(model.layers[2].get_weights(), base.get_weights()):
        np.testing.assert_array_equal(loaded, saved)
    x = np.random.default_rng(1).uniform(size=(2, 32, 32, 3)).astype("float32")
    model.save(tmp_path / "app.keras")
    reloaded = keras.models.load_model(tmp_path / "app.keras")
    np.testing.assert_allclose(reloaded(x), model(x), atol=1e-5)
    with pytest.raises(ValueError, match="MobileNetV3Small: weights=.*missing.h5 is not a file"):
        application_model("MobileNetV3Small", (32, 32, 3), 5, weights=str(tmp_path / "missing.h5"))
    with pytest.raises(ValueError, match="MobileNetV3Small: Input size must be at least 32x32"):
        application_model("MobileNetV3Small", (8, 8, 3), 5)


def test_model_spec_files_of_every_kind_rebuild_the_model(tmp_path, factory):
    old = {"arch": "small_cnn", "input_shape": [8, 8, 3], "num_classes": 3, "mean": [0.5] * 3,
           "std": [0.25] * 3, "options": {"width": 4}, "dataset": "shapes"}  # written before init existed
    (tmp_path / "old.json").write_text(json.dumps(old))
    spec = ModelSpec.load(str(tmp_path / "old.json"))
    assert spec.init is None and spec.build().output_shape == (None, 3)
    built = ModelSpec(f"{factory}:small_net", (8, 8, 3), 3, (0.5,) * 3, (0.25,) * 3, {"width": 3})
    built.save(str(tmp_path / "factory.json"))
    again = ModelSpec.load(str(tmp_path / "factory.json"))
    assert again.modules() == [factory] and again.build().get_layer("conv").filters == 3


def test_synchronized_batch_norm_makes_two_replicas_step_as_one(tmp_path):
    """Built-ins, factories and init_from models alike: BatchNorm statistics over the global batch
    on 2 replicas."""
    folder = write_factory_module(tmp_path)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script = os.path.join(root, "tests", "models", "synchronized_bn_check.py")
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, script, str(tmp_path)], capture_output=True, text=True, env=env,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    differences = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(differences) == {"wide_resnet", "factory", "init_from"} and folder == "my_models"
    assert max(differences.values()) < 1e-5, differences
