import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.methods.trades import TRADES, TRADESIGD
from igdtf.seeding import replica_invariant_normal
from igdtf.attacks import kl_divergence
from tests.conftest import smooth_mlp, tiny_cnn


def test_kl_divergence_is_zero_for_equal_and_positive_for_different_predictions():
    a = tf.constant([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(kl_divergence(a, a).numpy(), 0.0, atol=1e-6)
    b = tf.constant([[3.0, 2.0, 1.0], [5.0, 0.0, 0.0]])
    p, q = tf.nn.softmax(a).numpy(), tf.nn.softmax(b).numpy()
    np.testing.assert_allclose(kl_divergence(a, b).numpy(), (p * np.log(p / q)).sum(1), rtol=1e-5)


def test_trades_attack_stays_in_the_ball_and_raises_the_kl(batch):
    x, y = batch
    trainer = TRADES(tiny_cnn(), attack=PGD(epsilon=8 / 255, step_size=2 / 255, steps=5))
    trainer.compile(optimizer="sgd")
    x_adv = trainer.adversarial_inputs(tf.constant(x)).numpy()
    assert np.abs(x_adv - x).max() <= 8 / 255 + 1e-6 and x_adv.min() >= 0 and x_adv.max() <= 1
    clean = trainer.student(x)
    start_kl = kl_divergence(clean, trainer.student(x + 0.001 * np.random.default_rng(0).normal(size=x.shape)))
    assert kl_divergence(clean, trainer.student(x_adv)).numpy().mean() > 10 * start_kl.numpy().mean()


def test_trades_loss_is_ce_on_clean_inputs_plus_beta_kl(batch):
    x, y = batch
    trainer = TRADES(tiny_cnn(), trades_beta=6.0, attack=PGD(steps=2))
    trainer.compile(optimizer="sgd")
    assert trainer.training_inputs(x, y, None) is x
    term, values = trainer.penalty(tf.constant(x), y, None, trainer.student(x, training=True))
    np.testing.assert_allclose(term.numpy(), 6.0 * values["kl"].numpy(), rtol=1e-6)
    assert (values["kl"].numpy() >= 0).all() and values["kl"].numpy().max() > 0


def test_trades_igd_adds_the_igd_alignment(batch):
    x, y = batch
    student = smooth_mlp(0)
    trainer = TRADESIGD(student, smooth_mlp(0), igd_lambda=2.0, trades_beta=1.0, attack=PGD(steps=2))
    trainer.compile(optimizer="sgd")
    logits = student(x, training=True)
    term, values = trainer.penalty(tf.constant(x), tf.constant(y), None, logits)
    np.testing.assert_allclose(values["cos"].numpy(), 1.0, atol=1e-5)  # the teacher is the student
    np.testing.assert_allclose(term.numpy(), values["kl"].numpy() - 2.0, atol=1e-4)


def test_replica_invariant_noise_on_one_device_is_plain_stateless_noise():
    seed = tf.constant([5, 6], tf.int64)
    x = tf.zeros([4, 3])
    np.testing.assert_array_equal(replica_invariant_normal(x, seed).numpy(),
                                  tf.random.stateless_normal([4, 3], seed).numpy())


@pytest.mark.parametrize("call,message", [
    (lambda: TRADES(tiny_cnn(), trades_beta=-1.0), r"trades_beta \(β\) must be a number >= 0"),
    (lambda: TRADESIGD(tiny_cnn(), tiny_cnn(1), igd_lambda=-2.0), r"igd_lambda \(λ\) must"),
])
def test_bad_trades_settings_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
