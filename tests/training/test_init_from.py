"""Starting from another model (--init_from, --replace_head: a run, or igdtf's SavedModel
export), training only the head first (--freeze_backbone_epochs), and exact resumes of a
factory's run, of an init_from run stopped mid-freeze and of random layers (dropout);
tests/recipes/test_own_model.py resumes a keras.applications model exactly through the command
line."""

import dataclasses
import json
import os
import shutil

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.data.pipeline import EpochBatches
from igdtf.data.registry import DatasetInfo
from igdtf.errors import ConfigError
from igdtf.export import export_saved_model
from igdtf.models.saved_model_copy import KERAS_COPY_FILE
from igdtf.models.spec import ModelSpec
from igdtf.training import TrainConfig, train_model
from igdtf.training.init_from import weights_sha256

from tests.conftest import tiny_cnn
from tests.methods.harness import harness_trainer
from tests.models.own_models import write_factory_module

THREE = DatasetInfo("three", 3, (8, 8, 3), (0.5,) * 3, (0.25,) * 3, 2, ("train",), None)
TWO = dataclasses.replace(THREE, name="two", num_classes=2)


def _batches(classes: int) -> EpochBatches:
    rng = np.random.default_rng(classes)
    images, labels = rng.uniform(0, 1, (24, 8, 8, 3)).astype("float32"), rng.integers(0, classes, 24).astype("int32")
    return EpochBatches(tf.data.Dataset.from_tensor_slices((images, labels)), lambda image, seed: image,
                        batch_size=8, shuffle_buffer=24)


def _config(**overrides) -> TrainConfig:
    base = dict(method="standard", arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                learning_rate=0.05, seed=3)
    return TrainConfig.create(**{**base, **overrides})


def _backbone_and_head(model):
    return [w.numpy().copy() for w in model.trainable_weights[:-2]], [w.numpy().copy() for w in model.layers[-1].weights]


def test_train_only_moves_the_head_for_the_frozen_steps_then_everything(batch, tmp_path):
    x, y = batch
    student = tiny_cnn(0)
    trainer = harness_trainer("pgdat", student, None, x, y, str(tmp_path), weight_decay=5e-4)
    trainer.train_only(student.layers[-1].trainable_variables, steps=2)
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)  # 2 steps per epoch
    backbone, head = _backbone_and_head(student)
    trainer.fit(data, epochs=1, verbose=0)
    frozen, trained = _backbone_and_head(student)
    for before, after in zip(backbone, frozen):  # weight decay and momentum included: not one bit moved
        np.testing.assert_array_equal(before, after)
    assert all(not np.array_equal(a, b) for a, b in zip(head, trained))
    trainer.fit(data, epochs=1, verbose=0)  # steps 3-4: the same traced step, now training everything
    assert all(not np.array_equal(a, b) for a, b in zip(frozen, _backbone_and_head(student)[0]))


def test_init_from_a_run_with_a_new_head_resumes_without_its_source(tmp_path):
    source = str(tmp_path / "source")
    train_model(_config(), THREE, _batches(3), source)
    with pytest.raises(ConfigError, match="--init_from=.*source has 3 classes, the data 2: add --replace_head"):
        train_model(_config(arch="init_from", init_from=source), TWO, _batches(2), str(tmp_path / "refused"))

    run = str(tmp_path / "fine_tuned")
    config = _config(arch="init_from", init_from=source, replace_head=True, freeze_backbone_epochs=1, epochs=2)
    started = keras.models.load_model(os.path.join(source, "model.keras"))  # no validation data: no best.keras
    model = train_model(config, TWO, _batches(2), run)
    spec = ModelSpec.load(os.path.join(run, "model_spec.json"))
    assert spec.arch == "init_from" and spec.num_classes == 2 and model.output_shape == (None, 2)
    assert spec.init["source"] == os.path.abspath(source) and spec.init["replace_head"]
    assert spec.init["weights_sha256"] == weights_sha256(started)
    initial = keras.models.load_model(os.path.join(run, "initial.keras"))
    assert initial.layers[-1].name == "logits" and initial.output_shape == (None, 2)
    np.testing.assert_array_equal(initial.get_layer("conv1_1").get_weights()[0],
                                  started.get_layer("conv1_1").get_weights()[0])
    recorded = json.loads(open(os.path.join(run, "run.json")).read())["settings"]
    assert (recorded["init_from"], recorded["replace_head"], recorded["freeze_backbone_epochs"]) == (source, True, 1)

    shutil.rmtree(source)  # the run needs its source no more: it resumes and extends from its own files
    extended = train_model(dataclasses.replace(config, epochs=3), TWO, _batches(2), run, extend_epochs=True)
    assert extended.output_shape == (None, 2)
    with pytest.raises(ConfigError, match="init_from: .* there, .*other.* now"):
        train_model(dataclasses.replace(config, epochs=3, init_from=str(tmp_path / "other")), TWO, _batches(2), run)


def test_an_igdtf_export_starts_a_run_with_the_weights_it_serves(tmp_path):
    """An export's version folder, or its base folder (the highest version: what TF Serving serves)."""
    source = str(tmp_path / "source")
    trained = train_model(_config(), THREE, _batches(3), source)
    export_saved_model(trained, str(tmp_path / "export"), version=1)
    retrained = train_model(dataclasses.replace(_config(), epochs=2), THREE, _batches(3), source, extend_epochs=True)
    export_saved_model(retrained, str(tmp_path / "export"), version=2)
    for init_from, data, model, version in [("export/1", THREE, trained, "1"), ("export", TWO, retrained, "2")]:
        run = str(tmp_path / f"from_{version}")
        train_model(_config(arch="init_from", init_from=str(tmp_path / init_from), replace_head=data is TWO), data,
                    _batches(data.num_classes), run)
        init = ModelSpec.load(os.path.join(run, "model_spec.json")).init
        assert init["source"] == str(tmp_path / init_from) and init["weights_sha256"] == weights_sha256(model)
        assert init["loaded"] == str(tmp_path / "export" / version / "assets" / KERAS_COPY_FILE)
        initial = keras.models.load_model(os.path.join(run, "initial.keras"))  # resumes need the export no more
        assert initial.output_shape == (None, data.num_classes)
    assert weights_sha256(trained) != weights_sha256(retrained)


def test_a_saved_model_igdtf_did_not_export_is_refused_as_a_starting_point(tmp_path):
    exported = export_saved_model(tiny_cnn(0), str(tmp_path / "export"))
    os.remove(os.path.join(exported, "assets", KERAS_COPY_FILE))  # as from another tool or an older igdtf
    with pytest.raises(ConfigError, match=r"export \(its highest version .*export/1\) is a SavedModel without "
                                          r"igdtf's Keras copy .* start from the \.keras file or run directory"):
        train_model(_config(arch="init_from", init_from=str(tmp_path / "export")), THREE, _batches(3),
                    str(tmp_path / "run"))
    assert not os.path.exists(tmp_path / "run" / "initial.keras")


def test_dropout_masks_resume_exactly(tmp_path):
    """Keras keeps Dropout's random state outside the weights; the checkpoint holds it."""
    config = _config(arch="wide_resnet", arch_options={"depth": 10, "width": 1, "dropout": 0.5}, epochs=2)
    straight = train_model(config, THREE, _batches(3), str(tmp_path / "straight"))
    train_model(dataclasses.replace(config, epochs=1), THREE, _batches(3), str(tmp_path / "resumed"))
    resumed = train_model(config, THREE, _batches(3), str(tmp_path / "resumed"), extend_epochs=True)
    difference = max(float(np.abs(a - b).max()) for a, b in zip(straight.get_weights(), resumed.get_weights()))
    assert difference < 1e-5


def _run_of_kind(kind: str, folder) -> TrainConfig:
    """The config of a 3-epoch run of a model of `kind` made in `folder` (the working directory):
    the factory module, or the 2-class source run an init_from run starts from."""
    if kind == "factory":
        return _config(arch=f"{write_factory_module(folder)}:small_net", arch_options={"width": 3}, epochs=3)
    train_model(_config(), TWO, _batches(2), str(folder / "source"))
    return _config(arch="init_from", init_from=str(folder / "source"), replace_head=True, freeze_backbone_epochs=2,
                   epochs=3)


@pytest.mark.parametrize("kind", ["factory", "init_from"])
def test_runs_of_a_factory_and_from_another_model_resume_to_the_uninterrupted_weights(kind, tmp_path, monkeypatch):
    """1 epoch, then extended to 3 in a new call (the init_from run mid-freeze), against 3 in one go."""
    monkeypatch.chdir(tmp_path)  # the factory module is importable from the working directory
    config = _run_of_kind(kind, tmp_path)
    straight = train_model(config, THREE, _batches(3), str(tmp_path / "straight"))
    train_model(dataclasses.replace(config, epochs=1), THREE, _batches(3), str(tmp_path / "resumed"))
    resumed = train_model(config, THREE, _batches(3), str(tmp_path / "resumed"), extend_epochs=True)
    assert len(straight.weights) == len(resumed.weights) > 4
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_array_equal(a, b)
