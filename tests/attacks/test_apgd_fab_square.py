import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import apgd_attack, cross_entropy, fab_attack, square_attack, threat_model
from igdtf.attacks.apgd import checkpoint_intervals
from igdtf.attacks.fab import boundary_step
from igdtf.attacks.norms import norm_of
from igdtf.attacks.square import double_patch, square_fraction
from tests.attacks.linear import data, exact_robust, linear_model

SEED = tf.constant([3, 4], tf.int64)


def _in_ball(x_adv, x, norm, epsilon):
    size = norm_of(tf.constant(x_adv - x), norm).numpy()
    return size.max() <= epsilon * (1 + 1e-5) + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1


def test_apgd_checkpoints_follow_the_paper_schedule():
    # p_j: 0, 0.22, 0.41, 0.57, 0.70, 0.80, 0.87, 0.93, 0.99 of 100 iterations
    assert checkpoint_intervals(100) == [22, 19, 16, 13, 10, 7, 6, 6]
    assert sum(checkpoint_intervals(10)) <= 10


@pytest.mark.parametrize("norm,epsilon", [("linf", 0.015), ("l2", 0.1)])
def test_apgd_finds_exactly_the_non_robust_points_of_a_linear_model(norm, epsilon):
    model = linear_model()
    x, y = data(model, low=0.25, high=0.75)
    x_adv, fooled = tf.function(apgd_attack, autograph=False)(
        model, x, y, threat_model(norm, epsilon), 50, lambda z: cross_entropy(y, z), SEED)
    x_adv, fooled = x_adv.numpy(), fooled.numpy()
    assert _in_ball(x_adv, x, norm, epsilon)
    wrong = model.predict(x_adv, verbose=0).argmax(-1) != y
    np.testing.assert_array_equal(fooled, wrong)
    robust = exact_robust(model, x, y, norm, epsilon)
    assert 0.2 < robust.mean() < 0.9  # the test is informative
    assert not np.any(wrong & robust)  # never claims the impossible
    # CE ascent may miss a point only if its closest wrong class is not the CE direction
    assert np.mean(wrong == ~robust) >= 0.9


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_boundary_step_is_the_closest_point_of_the_hyperplane(norm):
    rng = np.random.default_rng(0)
    x = rng.uniform(0.4, 0.6, (6, 4, 4, 3)).astype("float32")
    w = rng.normal(size=x.shape).astype("float32")
    g = rng.uniform(-0.2, 0.2, 6).astype("float32")
    delta = boundary_step(tf.constant(x), tf.constant(w), tf.constant(g), norm).numpy()
    flat_w = w.reshape(6, -1)
    np.testing.assert_allclose(np.sum(flat_w * delta.reshape(6, -1), 1), -g, atol=1e-5)
    size = norm_of(tf.constant(delta), norm).numpy()
    dual = np.abs(flat_w).sum(1) if norm == "linf" else np.linalg.norm(flat_w, axis=1)
    np.testing.assert_allclose(size, np.abs(g) / dual, rtol=1e-4)  # Hölder: the minimum


def test_boundary_step_respects_the_box():
    x = np.array([[0.99, 0.5, 0.01]], np.float32).reshape(1, 1, 1, 3)
    w = np.array([[1.0, 1.0, -1.0]], np.float32).reshape(1, 1, 1, 3)
    for norm in ("linf", "l2"):
        delta = boundary_step(tf.constant(x), tf.constant(w), tf.constant([-0.5]), norm).numpy()
        assert np.all(x + delta >= -1e-7) and np.all(x + delta <= 1 + 1e-7)
        np.testing.assert_allclose(np.sum(w * delta), 0.5, atol=1e-6)
    linf = boundary_step(tf.constant(x), tf.constant(w), tf.constant([-0.5]), "linf").numpy()
    # Elements 0 and 2 can move only 0.01: the middle one carries the rest.
    np.testing.assert_allclose(linf.ravel(), [0.01, 0.48, -0.01], atol=1e-6)


@pytest.mark.parametrize("norm,epsilon", [("linf", 0.05), ("l2", 0.3)])
def test_targeted_fab_finds_the_minimal_perturbation_of_a_linear_model(norm, epsilon):
    model = linear_model()
    x, y = data(model, n=16, low=0.25, high=0.75)
    w = model.layers[-1].get_weights()[0]
    targets = (y + 1) % 5
    x_best, best = tf.function(fab_attack, autograph=False)(
        model, x, y, norm, epsilon, 20, SEED, targets=tf.constant(targets, tf.int32))
    d = w[:, targets].T - w[:, y].T  # the boundary y | target
    gap = -np.sum(d * x.reshape(16, -1), 1)
    minimal = gap / (np.abs(d).sum(1) if norm == "linf" else np.linalg.norm(d, axis=1))
    best = best.numpy()
    found = np.isfinite(best)
    assert found.mean() > 0.5
    # A point of another class can be closer than the target's boundary, never farther than 1.05×.
    assert np.all(best[found] <= 1.05 * minimal[found] + 1e-4)
    assert np.all(model.predict(x_best.numpy()[found], verbose=0).argmax(-1) != y[found])


def test_untargeted_fab_is_within_five_percent_of_the_closest_boundary():
    model = linear_model()
    x, y = data(model, n=16, low=0.25, high=0.75)
    w = model.layers[-1].get_weights()[0]
    flat = x.reshape(16, -1)
    distances = []
    for k in range(5):
        d = w[:, k] - w[:, y].T
        gap = -np.sum(d * flat, 1)
        distances.append(np.where(y == k, np.inf, gap / np.maximum(np.abs(d).sum(1), 1e-12)))
    closest = np.min(distances, axis=0)
    _, best = tf.function(fab_attack, autograph=False)(model, x, y, "linf", 0.05, 30, SEED)
    np.testing.assert_allclose(best.numpy(), closest, rtol=0.05)


@pytest.mark.parametrize("norm,epsilon", [("linf", 0.02), ("l2", 0.15)])
def test_square_stays_in_the_ball_and_breaks_a_linear_model(norm, epsilon):
    model = linear_model()
    x, y = data(model, n=32, low=0.25, high=0.75)
    x_adv, fooled = tf.function(square_attack, autograph=False)(model, x, y, norm, epsilon, 300, SEED)
    x_adv, fooled = x_adv.numpy(), fooled.numpy()
    assert _in_ball(x_adv, x, norm, epsilon)
    np.testing.assert_array_equal(fooled, model.predict(x_adv, verbose=0).argmax(-1) != y)
    robust = exact_robust(model, x, y, norm, epsilon)
    assert not np.any(fooled & robust)
    # A random search with 300 queries finds most of them (L2 windows are coarse on 4×4 images).
    assert fooled.sum() >= (0.8 if norm == "linf" else 0.5) * (~robust).sum() > 0


def test_square_schedule_and_patch():
    assert float(square_fraction(0, 10_000, 0.8)) == pytest.approx(0.8)
    assert float(square_fraction(11, 10_000, 0.8)) == pytest.approx(0.4)
    assert float(square_fraction(6, 5_000, 0.8)) == pytest.approx(0.4)  # rescaled: 6 of 5000 = 12 of 10 000
    assert float(square_fraction(9_999, 10_000, 0.8)) == pytest.approx(0.8 / 512)
    patch = double_patch(tf.constant(5)).numpy()
    assert np.linalg.norm(patch) == pytest.approx(1.0, abs=1e-6)
    assert patch[:2].min() > 0 and patch[2:].max() < 0
    assert patch[0, 2] > patch[0, 0]  # peaks in the middle of its half
