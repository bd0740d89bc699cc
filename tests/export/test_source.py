import dataclasses
import os

import numpy as np
import pytest
import tensorflow as tf

from igdtf.data.registry import dataset_info
from igdtf.models import ModelSpec
from igdtf.models.loading import load_classifier
from igdtf.runs.files import MODEL_SPEC_FILE

from tests.conftest import IMAGE_SHAPE, NUM_CLASSES
from tests.export.runs import tiny_run

TINY = dataclasses.replace(dataset_info("shapes"), name="tiny", num_classes=NUM_CLASSES, image_shape=IMAGE_SHAPE,
                           class_names=None)


def _same_weights(a, b):
    assert len(a.weights) == len(b.weights)
    for x, y in zip(a.weights, b.weights):
        np.testing.assert_array_equal(x.value.numpy(), y.value.numpy())


def test_a_finished_run_loads_model_keras_and_its_recorded_dataset(tmp_path):
    student = tiny_run(str(tmp_path), TINY)
    for path in (str(tmp_path), str(tmp_path / "model.keras")):
        loaded = load_classifier(path)
        assert loaded.source == str(tmp_path / "model.keras") and loaded.dataset == "tiny"
        _same_weights(loaded.model, student)


def test_an_unfinished_run_restores_the_latest_checkpoint_into_the_recorded_architecture(tmp_path):
    student = tiny_run(str(tmp_path), TINY, finished=False)
    spec = ModelSpec.load(str(tmp_path / MODEL_SPEC_FILE))
    assert (spec.arch, spec.options, spec.input_shape, spec.num_classes) == ("small_cnn", {"width": 4}, IMAGE_SHAPE, 3)
    loaded = load_classifier(str(tmp_path))
    assert loaded.source == tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    assert loaded.dataset == "tiny"
    _same_weights(loaded.model, student)


def test_an_unfinished_run_without_its_spec_says_what_is_missing(tmp_path):
    tiny_run(str(tmp_path), TINY, finished=False)
    os.remove(tmp_path / MODEL_SPEC_FILE)
    with pytest.raises(FileNotFoundError, match="has checkpoints but no model_spec.json"):
        load_classifier(str(tmp_path))


@pytest.mark.parametrize("make,message", [
    (lambda d: str(d / "missing"), "does not exist; expected a .keras file or a run directory"),
    (lambda d: str(d), "holds neither model.keras nor a checkpoint in checkpoints/"),
    (lambda d: (d / "notes.txt").write_text("x") and str(d / "notes.txt"), "is a file but not a .keras model"),
])
def test_other_paths_are_refused(tmp_path, make, message):
    with pytest.raises(FileNotFoundError, match=message):
        load_classifier(make(tmp_path))


def test_a_malformed_spec_is_refused(tmp_path):
    (tmp_path / MODEL_SPEC_FILE).write_text('{"arch": "small_cnn"}')
    with pytest.raises(ValueError, match="is not a model spec: expected the keys"):
        ModelSpec.load(str(tmp_path / MODEL_SPEC_FILE))
