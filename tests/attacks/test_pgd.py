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
