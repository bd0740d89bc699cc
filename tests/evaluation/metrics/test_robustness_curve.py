import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.evaluation import DirectionAlignment, RobustnessCurve, compare_models, epsilon_50


@pytest.mark.parametrize("curve,clean,expected", [
    ({0.1: 0.8, 0.2: 0.4}, 1.0, 0.1 + 0.3 / 0.4 * 0.1),
    ({"0.1": 0.6, "0.3": 0.2, "0.2": 0.5}, 0.9, 0.2),  # string keys, unsorted; hits 0.5 exactly at 0.2
    ({0.1: 0.2}, 1.0, 0.1 * 0.5 / 0.8),  # interpolated from the clean accuracy at ε = 0
    ({0.1: 0.9}, 1.0, None),  # never below half: above the largest ε tested
    ({0.1: 0.1}, 0.4, 0.0),  # already below half on clean inputs
])
def test_epsilon_50_interpolates_where_accuracy_falls_to_one_half(curve, clean, expected):
    result = epsilon_50(curve, clean)
    assert result == expected if expected is None else result == pytest.approx(expected)


def test_robustness_curve_of_a_linear_model_matches_the_margins():
    # f(x) = (x₀, −x₀): the L2 distance of x to the boundary is |x₀|, so accuracy at ε = share with |x₀| > ε.
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.array([[1.0, -1.0], [0.0, 0.0]], "float32")])
    x0 = ((np.arange(20) + 0.5) * 0.05).astype("float32")  # no point exactly on an ε
    points = np.stack([x0, np.zeros_like(x0)], 1)
    labels = np.zeros(20, "int32")
    data = tf.data.Dataset.from_tensor_slices((points, labels)).batch(10)
    curve = RobustnessCurve([0.25, 0.5, 0.75], norm="l2", steps=10, bounds=None, random_start=False)
    summary = compare_models({"linear": model}, data, [curve]).summaries["linear"]
    for epsilon in (0.25, 0.5, 0.75):
        assert summary["robust_acc_l2"][f"{epsilon:g}"] == pytest.approx(np.mean(x0 > epsilon))
    assert epsilon_50(summary["robust_acc_l2"], summary["clean_acc"]) == pytest.approx(0.5, abs=0.06)


def test_direction_alignment_evaluator_reports_alpha_per_sample():
    inputs = keras.Input((2,))
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([np.array([[1.0, -1.0], [0.0, 0.0]], "float32")])
    data = tf.data.Dataset.from_tensor_slices((np.ones((6, 2), "float32"), np.zeros(6, "int32"))).batch(3)
    outcomes = DirectionAlignment(lambda x, y, t: tf.concat([-tf.ones_like(x[:, :1]), x[:, 1:]], 1)).run(model, data)
    np.testing.assert_allclose(outcomes["alpha_dx"].values, 0.7071, atol=1e-3)  # ∇(f₁ − f₀) = (−2, 0) vs (−1, 1)


def test_robustness_curve_refuses_an_empty_or_non_positive_grid():
    with pytest.raises(ValueError, match="epsilons must be a non-empty list of values > 0"):
        RobustnessCurve([0.0, 0.1])
