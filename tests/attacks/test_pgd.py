import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD, cross_entropy, threat_model
from tests.conftest import tiny_cnn

SEED = tf.constant([1, 2], tf.int64)


def _norms(delta):
    flat = delta.reshape(len(delta), -1)
    return np.abs(flat).max(axis=1), np.linalg.norm(flat, axis=1)


@pytest.mark.parametrize("norm,epsilon,step", [("linf", 8 / 255, 2 / 255), ("l2", 0.5, 0.2)])
def test_pgd_stays_in_the_ball_and_the_box_and_raises_the_loss(batch, norm, epsilon, step):
    x, y = batch
    model = tiny_cnn()
    x_adv = PGD(norm=norm, epsilon=epsilon, step_size=step, steps=10)(model, x, y, SEED).numpy()
    linf, l2 = _norms(x_adv - x)
    assert (linf if norm == "linf" else l2).max() <= epsilon + 1e-5
    assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    clean_loss = cross_entropy(y, model(x)).numpy()
    adv_loss = cross_entropy(y, model(x_adv)).numpy()
    assert adv_loss.mean() > clean_loss.mean()
    assert (adv_loss >= clean_loss - 1e-6).mean() >= 0.75


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_zero_epsilon_leaves_inputs_unchanged(batch, norm):
    x, y = batch
    x_adv = PGD(norm=norm, epsilon=0.0, step_size=0.1, steps=3)(tiny_cnn(), x, y, SEED)
    np.testing.assert_array_equal(x_adv.numpy(), x)


def test_random_start_is_seeded_and_needs_a_seed(batch):
    x, y = batch
    attack = PGD(steps=1, step_size=0.0)
    first = attack(tiny_cnn(), x, y, SEED).numpy()
    np.testing.assert_array_equal(first, attack(tiny_cnn(), x, y, SEED).numpy())
    assert not np.array_equal(first, attack(tiny_cnn(), x, y, tf.constant([3, 4], tf.int64)).numpy())
    with pytest.raises(ValueError, match="needs a stateless seed"):
        attack(tiny_cnn(), x, y)


def test_pgd_runs_inside_tf_function_with_the_same_result(batch):
    x, y = batch
    model, attack = tiny_cnn(), PGD(steps=3)
    eager = attack(model, x, y, SEED)
    graph = tf.function(lambda a, b: attack(model, a, b, SEED))(x, y)
    np.testing.assert_allclose(eager.numpy(), graph.numpy(), atol=1e-6)


def test_l2_random_init_is_inside_the_ball(batch):
    x, _ = batch
    ball = threat_model("l2", 0.3)
    start = ball.random_init(tf.constant(x), SEED).numpy()
    assert _norms(start - x)[1].max() <= 0.3 + 1e-5


@pytest.mark.parametrize("kwargs,message", [
    ({"epsilon": -0.1}, "epsilon must be a number >= 0"),
    ({"steps": 0}, "steps must be an integer >= 1"),
    ({"norm": "l1"}, "Unknown norm 'l1'. Allowed: l2, linf"),
    ({"step_size": -1.0}, "step_size must be a number >= 0"),
])
def test_bad_attack_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        PGD(**kwargs)


def test_unbounded_l2_pgd_on_2d_points_is_not_clipped_and_stays_in_the_ball():
    from igdtf.models import build_model
    rng = np.random.default_rng(0)
    points = rng.normal(0, 50, (16, 2)).astype("float32")  # far outside [0, 1]
    labels = rng.integers(0, 2, 16).astype("int32")
    model = build_model("mlp", (2,), 2, [0.0], [50.0], hidden=(8,))
    x_adv = PGD("l2", 5.0, 1.0, 10, bounds=None)(model, points, labels, SEED).numpy()
    distance = np.linalg.norm(x_adv - points, axis=1)
    assert distance.max() <= 5.0 + 1e-4
    assert distance.min() > 1.0  # the attack moved every point (nothing was clipped back)
    assert cross_entropy(labels, model(x_adv)).numpy().mean() > cross_entropy(labels, model(points)).numpy().mean()


def test_default_bounds_clip_vectors_to_the_unit_box():
    points = np.full((4, 3), 0.99, "float32")
    start = threat_model("linf", 0.5).random_init(tf.constant(points), SEED).numpy()
    assert start.max() <= 1.0 and start.min() >= 0.49


def test_per_example_epsilon_scale_gives_each_example_its_own_ball(batch):
    x, y = batch
    scale = tf.constant(np.linspace(0.0, 1.0, 8, dtype="float32"))[:, None, None, None]
    x_adv = PGD("linf", 8 / 255, 2 / 255, 5)(tiny_cnn(), x, y, SEED, scale=scale).numpy()
    linf = np.abs(x_adv - x).reshape(8, -1).max(axis=1)
    assert (linf <= np.linspace(0.0, 1.0, 8) * 8 / 255 + 1e-6).all()
    assert linf[0] == 0.0 and linf[-1] > 4 / 255


@pytest.mark.parametrize("bounds", [(1.0, 0.0), (0.0,), "unit", (0.0, "1")])
def test_bad_bounds_are_refused(bounds):
    with pytest.raises(ValueError, match="bounds must be None or a pair"):
        PGD(bounds=bounds)
