import json

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.evaluation import (
    AttributionGini, CleanAccuracy, InductiveNoise, PGDAccuracy, build_report, compare_models,
    write_report,
)
from igdtf.evaluation.metrics.outcomes import ERROR_ON_COMMON, MEAN, PerSample, summarize

from tests.conftest import tiny_cnn


def _linear(weights: np.ndarray) -> keras.Model:
    """f(x) = W·flatten(x) for 2×2×1 images."""
    inputs = keras.Input((2, 2, 1))
    dense = keras.layers.Dense(weights.shape[1], use_bias=False)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([weights])
    return model


def _data(images, labels):
    return tf.data.Dataset.from_tensor_slices((np.asarray(images, np.float32), np.asarray(labels))).batch(2)


def test_summary_restricts_robustness_errors_to_the_common_set():
    outcomes = {
        "clean_acc": PerSample(np.array([1, 1, 0, 1]), MEAN),
        "ina1@0.01": PerSample(np.array([1, 0, 0, 0]), ERROR_ON_COMMON),
    }
    common = np.array([True, True, False, False])
    assert summarize(outcomes, common) == {"clean_acc": 0.75, "ina1": {"0.01": 0.5}}
    assert summarize(outcomes, np.zeros(4, bool))["ina1"] == {"0.01": None}


def test_correct_by_all_is_the_intersection_of_clean_correctness():
    images = np.zeros((4, 2, 2, 1), np.float32)
    images[:, 0, 0, 0] = [1.0, 0.0, 1.0, 0.0]  # pixel 0 votes for class 0
    images[:, 0, 1, 0] = [0.0, 1.0, 0.0, 1.0]  # pixel 1 votes for class 1
    labels = [0, 1, 0, 0]
    right = _linear(np.array([[1, 0], [0, 1], [0, 0], [0, 0]], np.float32))  # wrong on sample 3
    swapped = _linear(np.array([[0, 1], [1, 0], [0, 0], [0, 0]], np.float32))  # right on 3 only
    result = compare_models({"a": right, "b": swapped}, _data(images, labels), [])
    np.testing.assert_array_equal(result.outcomes["a"]["clean_acc"].values, [1, 1, 1, 0])
    np.testing.assert_array_equal(result.correct_by_all, [False, False, False, False])
    result = compare_models({"a": right}, _data(images, labels), [])
    np.testing.assert_array_equal(result.correct_by_all, [True, True, True, False])


def test_models_with_different_shapes_are_refused():
    with pytest.raises(ValueError, match="must share input shape and class count"):
        compare_models({"a": tiny_cnn(), "b": _linear(np.ones((4, 2), np.float32))}, None, [])


def test_full_suite_writes_a_report(tmp_path, batch):
    x, y = batch
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    evaluators = [PGDAccuracy(PGD(steps=2)), AttributionGini(block=4), InductiveNoise(fractions=(0.05, 0.1))]
    models = {"one": tiny_cnn(0), "two": tiny_cnn(1)}
    result = compare_models(models, data, evaluators)
    report = build_report(result, evaluators, dataset="random")
    write_report(report, result, str(tmp_path))
    saved = json.loads((tmp_path / "report.json").read_text())
    for summary in saved["models"].values():
        assert set(summary) == {"clean_acc", "pgd_acc", "gini_global", "gini_regional", "ina1", "ina2"}
        assert set(summary["ina1"]) == {"0.05", "0.1"}
        assert 0 <= summary["gini_global"] <= 1
    assert saved["protocol"]["num_samples"] == 8
    assert saved["protocol"]["evaluators"]["PGDAccuracy"]["attack"]["steps"] == 2
    assert "| one |" in (tmp_path / "report.md").read_text()
    arrays = np.load(tmp_path / "outcomes.npz")
    assert arrays["one/ina2@0.1"].shape == (8,)


def test_noise_is_the_same_for_every_model_and_run(batch):
    x, y = batch
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    evaluator = InductiveNoise(fractions=(0.5,))
    first = evaluator.run(tiny_cnn(), data)["ina2@0.5"].values
    np.testing.assert_array_equal(first, evaluator.run(tiny_cnn(), data)["ina2@0.5"].values)


def test_bad_evaluator_settings_are_refused():
    with pytest.raises(ValueError, match=r"INA fraction must be in \(0, 1\]"):
        InductiveNoise(fractions=(0.0,))
    with pytest.raises(ValueError, match="Unknown attribution 'lime'"):
        AttributionGini(4, attribution="lime")
    assert CleanAccuracy().describe() == {}


def test_an_empty_correct_by_all_set_is_reported_not_divided_by(tmp_path):
    images = np.zeros((2, 2, 2, 1), np.float32)
    images[:, 0, 0, 0] = [1.0, 0.0]
    images[:, 0, 1, 0] = [0.0, 1.0]
    right = _linear(np.array([[1, 0], [0, 1], [0, 0], [0, 0]], np.float32))
    swapped = _linear(np.array([[0, 1], [1, 0], [0, 0], [0, 0]], np.float32))
    evaluators = [InductiveNoise(fractions=(0.5,))]
    result = compare_models({"a": right, "b": swapped}, _data(images, [0, 1]), evaluators)
    report = build_report(result, evaluators)
    write_report(report, result, str(tmp_path))
    assert report["protocol"]["num_correct_by_all"] == 0
    assert report["models"]["a"]["ina1"] == {"0.5": None}
    assert report["models"]["a"]["clean_acc"] == 1.0
    markdown = (tmp_path / "report.md").read_text()
    assert "No sample is classified correctly by every model" in markdown
    assert "| a | n/a |" in markdown
