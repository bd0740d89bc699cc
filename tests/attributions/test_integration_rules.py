"""The IG quadrature rules against closed forms on polynomial models."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attributions import IntegratedGradients, integration_nodes, make_baseline

SEED = tf.constant([3, 4], tf.int64)
COEFFICIENTS = np.array([0.5, -1.5, 2.0, 0.25], np.float32)


class Polynomial(keras.Model):
    """Two classes on 4-d inputs: f_0(x) = Σ a_i·x_i^p, f_1 = −f_0."""

    def __init__(self, power):
        super().__init__()
        self.power = power

    def call(self, x, training=False):
        score = tf.reduce_sum(COEFFICIENTS * x ** self.power, axis=1)
        return tf.stack([score, -score], axis=1)


def _inputs():
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 2, (5, 4)).astype(np.float32), np.zeros(5, np.int32)


@pytest.mark.parametrize("steps", [2, 5, 20])
def test_rules_on_a_quadratic_model_match_their_closed_forms(steps):
    x, y = _inputs()
    model = Polynomial(2)
    x0 = make_baseline("random", tf.constant(x), SEED).numpy()
    delta = x - x0
    exact = COEFFICIENTS * (x ** 2 - x0 ** 2)  # ∫ 2a(x₀ + αΔ)Δ dα
    for rule in ("gausslegendre", "trapezoid"):  # exact for a gradient linear along the path
        ig = IntegratedGradients(steps=steps, baseline="random", rule=rule)(model, x, y, SEED).numpy()
        np.testing.assert_allclose(ig, exact, rtol=1e-4, atol=1e-5)
    right = IntegratedGradients(steps=steps, baseline="random", rule="riemann_right")(model, x, y, SEED).numpy()
    np.testing.assert_allclose(right, exact + COEFFICIENTS * delta ** 2 / steps, rtol=1e-4, atol=1e-5)
    assert np.abs(right - exact).max() > 1e-2  # the right sum's 1/m bias is visible


def test_gauss_legendre_is_exact_on_a_cubic_where_the_trapezoid_rule_is_not():
    x, y = _inputs()
    model, steps = Polynomial(3), 4
    x0 = make_baseline("zero", tf.constant(x)).numpy()
    exact = COEFFICIENTS * x ** 3
    gl = IntegratedGradients(steps=2, baseline="zero", rule="gausslegendre")(model, x, y, SEED).numpy()
    np.testing.assert_allclose(gl, exact, rtol=1e-4, atol=1e-5)
    trapezoid = IntegratedGradients(steps=steps, baseline="zero", rule="trapezoid")(model, x, y, SEED).numpy()
    h = 1.0 / (steps - 1)  # Euler–Maclaurin, exact for a quadratic gradient: T − ∫ = h²/12·(g'(1) − g'(0))
    np.testing.assert_allclose(trapezoid, exact + h ** 2 / 12 * 6 * COEFFICIENTS * (x - x0) ** 3, rtol=1e-4, atol=1e-5)


def test_nodes_lie_in_the_unit_interval_with_weights_summing_to_one_and_bad_rules_are_refused():
    for rule in ("gausslegendre", "riemann_right", "trapezoid"):
        nodes, weights = integration_nodes(rule, 7)
        assert nodes.min() >= 0 and nodes.max() <= 1 and abs(weights.sum() - 1) < 1e-12
    with pytest.raises(ValueError, match="Unknown integration rule 'simpson'. Allowed: gausslegendre"):
        IntegratedGradients(rule="simpson")
    with pytest.raises(ValueError, match="trapezoid rule needs integrated gradients steps >= 2, received 1"):
        IntegratedGradients(steps=1, rule="trapezoid")
