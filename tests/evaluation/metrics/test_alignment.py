import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.data.registry import dataset_info
from igdtf.evaluation import (
    DirectionAlignment, InputAlignment, TabulatedDirectionAlignment, alignment_evaluators, alignment_markdown,
    alignment_table, compare_models, correlation_with_robustness, correlations, epsilon_50_columns, input_alignment,
    pearson,
)
from igdtf.evaluation.metrics.robustness_curve import RobustnessCurve


def linear_model(weights) -> keras.Model:
    """f(x) = x·W (no bias): the input gradient of logit k is W[:, k], exactly."""
    weights = np.asarray(weights, "float32")
    inputs = keras.Input((weights.shape[0],))
    dense = keras.layers.Dense(weights.shape[1], use_bias=False)
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([weights])
    return model


def batches(x, y, size=2):
    return tf.data.Dataset.from_tensor_slices((np.asarray(x, "float32"), np.asarray(y, "int32"))).batch(size)


def test_input_alignment_uses_the_gradient_of_the_predicted_logit():
    model = linear_model([[1.0, 0.0], [0.0, 1.0]])  # logits = x, so ∇f_k = e_k
    x = np.array([[3.0, 4.0], [4.0, -3.0], [-1.0, 0.5]], "float32")  # predicted 1, 0, 1
    expected = [4 / 5, 4 / 5, 0.5 / np.sqrt(1.25)]  # |x_m| / ‖x‖, whatever the true label
    np.testing.assert_allclose(input_alignment(model, x).numpy(), expected, rtol=1e-5)
    outcomes = InputAlignment().run(model, batches(x, [0, 0, 0]))
    np.testing.assert_allclose(outcomes["alpha_x"].values, expected, rtol=1e-5)


def test_input_alignment_is_one_for_a_gradient_parallel_to_x_and_zero_for_an_orthogonal_one():
    model = linear_model([[2.0, 0.0], [0.0, 0.0], [0.0, 0.0]])  # predicted class 0, ∇f_0 = (2, 0, 0)
    x = np.array([[5.0, 0.0, 0.0], [1e-3, 7.0, 0.0]], "float32")
    np.testing.assert_allclose(input_alignment(model, x).numpy(), [1.0, 1e-3 / np.hypot(1e-3, 7.0)], atol=1e-6)


def test_tabulated_direction_alignment_matches_the_closed_form_it_tabulates():
    model = linear_model([[1.0, -1.0], [0.5, 0.0], [0.0, 2.0]])  # ∇(f₁ − f₀) = (−2, −0.5, 2)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3)).astype("float32")
    y = np.array([0, 1, 0, 1, 1], "int32")
    centres = np.array([[0.0, 0.0, 0.0], [1.0, 2.0, 3.0]], "float32")

    def delta_x(x, labels, target):
        return tf.gather(tf.constant(centres), target) - x

    table = types.SimpleNamespace(inputs=x, points=np.repeat(centres[None], 5, axis=0))
    expected = DirectionAlignment(delta_x).run(model, batches(x, y))["alpha_dx"].values
    got = TabulatedDirectionAlignment(table).run(model, batches(x, y, size=3))["alpha_dx"].values
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    gradient = np.array([-2.0, -0.5, 2.0]) * np.where(y == 0, 1, -1)[:, None]  # ∇(f_c̃ − f_y)
    direction = centres[1 - y] - x
    cosine = (gradient * direction).sum(1) / np.linalg.norm(gradient, axis=1) / np.linalg.norm(direction, axis=1)
    np.testing.assert_allclose(got, cosine, rtol=1e-4)


def test_tabulated_direction_alignment_refuses_another_dataset_or_order():
    model = linear_model([[1.0, -1.0], [0.0, 0.0]])
    x = np.arange(8, dtype="float32").reshape(4, 2)
    table = types.SimpleNamespace(inputs=x, points=np.zeros((4, 2, 2), "float32"))
    with pytest.raises(ValueError, match="are not the table's inputs"):
        TabulatedDirectionAlignment(table).run(model, batches(x[::-1], [0, 0, 0, 0]))
    with pytest.raises(ValueError, match="the table of Δx points has 4"):
        TabulatedDirectionAlignment(table).run(model, batches(x[:2], [0, 0]))
    with pytest.raises(ValueError, match=r"points \[N, K, ...\] for inputs \[N, ...\]"):
        TabulatedDirectionAlignment(types.SimpleNamespace(inputs=x, points=np.zeros((4, 2, 3))))
    with pytest.raises(ValueError, match="points for 2 classes; the model has 3"):
        TabulatedDirectionAlignment(table).run(linear_model(np.ones((2, 3))), batches(x, [0, 0, 0, 0]))


def test_pearson_matches_numpy_and_refuses_what_it_cannot_compute():
    a, b = [0.1, 0.4, 0.35, 0.8], [1.0, 2.5, 2.0, 4.0]
    assert pearson(a, b) == pytest.approx(np.corrcoef(a, b)[0, 1])
    assert pearson([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="same length >= 2"):
        pearson([1.0], [2.0])
    with pytest.raises(ValueError, match="same length >= 2"):
        pearson([1.0, 2.0], [2.0, 3.0, 4.0])
    with pytest.raises(ValueError, match="undefined for a constant sequence"):
        pearson([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="finite numbers"):
        pearson([1.0, np.nan], [1.0, 2.0])


def test_correlation_with_robustness_refuses_models_without_an_eps50():
    results = {"a": {"alpha_dx": 0.2, "eps50_l2": 0.1}, "b": {"alpha_dx": 0.6, "eps50_l2": None}}
    with pytest.raises(ValueError, match=r"missing or None for \['b'\].*extend the ε grid"):
        correlation_with_robustness(results, "alpha_dx", "eps50_l2")


def test_table_columns_and_correlations_from_summaries():
    summaries = {
        "baseline": {"clean_acc": 1.0, "robust_acc_l2": {"0.1": 0.8, "0.2": 0.4}, "robust_acc_linf": {"0.01": 0.0},
                     "alpha_dx": 0.3, "alpha_x": 0.1},
        "pgdat": {"clean_acc": 1.0, "robust_acc_l2": {"0.1": 1.0, "0.2": 0.5}, "robust_acc_linf": {"0.01": 0.9},
                  "alpha_dx": 0.7, "alpha_x": 0.2},
        "penalty": {"clean_acc": 1.0, "robust_acc_l2": {"0.1": 0.9, "0.2": 0.5}, "robust_acc_linf": {"0.01": 0.2},
                    "alpha_dx": 0.6, "alpha_x": 0.3},
    }
    table = alignment_table(summaries)
    assert table["baseline"] == pytest.approx({"clean_acc": 1.0, "eps50_l2": 0.175, "eps50_linf": 0.005,
                                               "alpha_dx": 0.3, "alpha_x": 0.1})
    assert epsilon_50_columns(summaries["pgdat"]) == {"eps50_l2": pytest.approx(0.2), "eps50_linf": None}
    table["pgdat"]["eps50_linf"] = 0.02  # as if the grid had been extended
    r = correlations(table)
    assert r["alpha_dx~eps50_l2"] == pytest.approx(pearson([0.3, 0.7, 0.6], [0.175, 0.2, 0.2]))
    assert r["alpha_x~eps50_linf"] == pytest.approx(pearson([0.1, 0.2, 0.3], [0.005, 0.02, 0.00625]))
    text = alignment_markdown(table, r)
    assert "| model | accuracy (%) | ε50% (L∞) | ε50% (L2) | ᾱ_Δx | ᾱ_x |" in text
    assert "| baseline | 100.0 | 0.00500 | 0.17500 | 0.300 | 0.100 |" in text
    assert "alpha_dx~eps50_l2" in text


def test_correlations_explain_pairs_they_cannot_compute():
    table = {"a": {"alpha_dx": 0.2, "eps50_l2": 0.1}, "b": {"alpha_dx": 0.3, "eps50_l2": None}}
    assert correlations(table, robustness=("eps50_l2",))["alpha_dx~eps50_l2"].startswith("not computed:")


def test_alignment_evaluators_on_spheres_measure_every_column():
    info = dataset_info("spheres")
    kinds = [type(e).__name__ for e in alignment_evaluators(info)]
    assert kinds == ["RobustnessCurve", "RobustnessCurve", "DirectionAlignment", "InputAlignment"]
    points = types.SimpleNamespace(inputs=np.zeros((2, 500)), points=np.zeros((2, 2, 500)))
    assert type(alignment_evaluators(info, ("alpha_dx",), delta_x=points)[0]).__name__ == \
        "TabulatedDirectionAlignment"


def test_alignment_evaluators_refuse_bad_requests():
    info = dataset_info("line_modes")  # no closed-form Δx, no default ε grid
    with pytest.raises(ValueError, match="Unknown alignment metric 'alpha'"):
        alignment_evaluators(info, ("alpha",))
    with pytest.raises(ValueError, match="alpha_dx needs a Δx source: line_modes has no closed form"):
        alignment_evaluators(info, ("alpha_dx",))
    with pytest.raises(ValueError, match="No default l2 ε grid for line_modes"):
        alignment_evaluators(info, ("eps50_l2",))
    assert len(alignment_evaluators(info, ("eps50_l2", "alpha_x"), l2_epsilons=(0.1, 0.2))) == 2


def test_end_to_end_table_of_a_linear_model_on_known_margins():
    # f(x) = (x₀, −x₀) on points (x₀, 1): L2 and L∞ distance to the boundary is x₀;
    # ∇(f₁ − f₀) = (−2, 0), Δx = (−x₀, 0) (the closest point of class 1): α_Δx = 1; α_x = x₀ / ‖(x₀, 1)‖.
    model = linear_model([[1.0, -1.0], [0.0, 0.0]])
    x0 = ((np.arange(20) + 0.5) * 0.05).astype("float32")
    x = np.stack([x0, np.ones_like(x0)], 1)
    info = dataset_info("line_modes")

    def delta_x(x, labels, target):
        return tf.concat([-x[:, :1], tf.zeros_like(x[:, 1:])], 1)

    evaluators = alignment_evaluators(info, delta_x=delta_x, l2_epsilons=(0.25, 0.5, 0.75),
                                      linf_epsilons=(0.25, 0.5, 0.75), steps=10)
    assert all(e.attacks[0].bounds is None for e in evaluators if isinstance(e, RobustnessCurve))
    comparison = compare_models({"linear": model}, batches(x, np.zeros(20), size=10), evaluators)
    row = alignment_table(comparison.summaries)["linear"]
    assert row["clean_acc"] == 1.0
    assert row["alpha_dx"] == pytest.approx(1.0, abs=1e-5)
    assert row["alpha_x"] == pytest.approx(np.mean(x0 / np.hypot(x0, 1.0)), rel=1e-4)
    assert row["eps50_l2"] == pytest.approx(0.5, abs=0.06)
    assert row["eps50_linf"] == pytest.approx(0.5, abs=0.06)
