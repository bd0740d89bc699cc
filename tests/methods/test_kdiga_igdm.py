"""KDIGA's and IGDM's terms against direct computations, their defaults and schedule."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.methods.igdm import IGDM
from igdtf.methods.kdiga import KDIGA

from tests.conftest import smooth_mlp, tiny_cnn


def _softmax(z):
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _kl(p_logits, q_logits):
    p, q = _softmax(p_logits), _softmax(q_logits)
    return (p * (np.log(p) - np.log(q))).sum(axis=1)


def _ce_gradient(model, x, y):
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(keras.losses.sparse_categorical_crossentropy(y, model(x), from_logits=True))
    return tape.gradient(loss, x).numpy().reshape(len(y), -1)


def test_kdiga_loss_is_the_papers_sum_of_ce_kd_and_gradient_distance(batch):
    x, y = batch
    student, teacher = smooth_mlp(0), smooth_mlp(1)
    trainer = KDIGA(student, teacher, kdiga_alpha=0.3, kdiga_temperature=2.0, kdiga_gamma=5.0)
    logits = student(x)
    term, values = trainer.penalty(tf.constant(x), tf.constant(y), None, logits)
    s, t = logits.numpy(), teacher(x).numpy()
    ce = -np.log(_softmax(s)[np.arange(len(y)), y])
    kl = _kl(t / 2.0, s / 2.0)
    distance = np.linalg.norm(_ce_gradient(student, x, y) - _ce_gradient(teacher, x, y), axis=1)
    np.testing.assert_allclose(values["kd_kl"].numpy(), kl, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(values["grad_diff"].numpy(), distance, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ce + term.numpy(), 0.7 * ce + 0.3 * 4.0 * kl + 5.0 * distance, rtol=1e-4, atol=1e-5)
    assert distance.min() > 1e-3


def test_kdiga_term_vanishes_for_its_own_teacher_and_its_gradient_reaches_the_weights(batch):
    x, y = batch
    student = smooth_mlp(0)
    own = KDIGA(student, smooth_mlp(0), kdiga_alpha=0.5)
    _, values = own.penalty(tf.constant(x), tf.constant(y), None, student(x))
    np.testing.assert_allclose(values["kd_kl"].numpy(), 0.0, atol=1e-6)
    np.testing.assert_allclose(values["grad_diff"].numpy(), 0.0, atol=1e-5)
    trainer = KDIGA(student, smooth_mlp(1), kdiga_alpha=0.0)  # the gradient term alone moves the weights
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(trainer.penalty(tf.constant(x), tf.constant(y), None, student(x))[0])
    gradients = tape.gradient(loss, student.trainable_variables)
    assert all(g is not None and np.isfinite(g.numpy()).all() for g in gradients)
    assert max(float(tf.reduce_max(tf.abs(g))) for g in gradients) > 1e-4


def test_igdm_matches_output_differences_at_x_plus_and_minus_beta_delta(batch):
    x, y = batch
    student, teacher = smooth_mlp(0), smooth_mlp(1)
    rng = np.random.default_rng(1)
    x_adv = np.clip(x + rng.uniform(-0.2, 0.2, x.shape), 0, 1).astype("float32")
    trainer = IGDM(student, teacher, igdm_alpha=3.0, igdm_beta=0.5)
    trainer.compile(optimizer=keras.optimizers.SGD(0.1))
    term, values = trainer.penalty(tf.constant(x), tf.constant(y), None, student(x_adv), x_train=tf.constant(x_adv))
    delta = 0.5 * (x_adv - x)
    expected = _kl(teacher(x + delta).numpy() - teacher(x - delta).numpy(),
                   student(x + delta).numpy() - student(x - delta).numpy())
    np.testing.assert_allclose(values["igdm_kl"].numpy(), expected, rtol=1e-3, atol=1e-7)
    np.testing.assert_allclose(term.numpy(), 3.0 * expected, rtol=1e-3, atol=1e-6)
    assert expected.min() > 0
    _, own = IGDM(student, smooth_mlp(0)).penalty(tf.constant(x), tf.constant(y), None, student(x_adv),
                                                  x_train=tf.constant(x_adv))
    np.testing.assert_allclose(own["igdm_kl"].numpy(), 0.0, atol=1e-6)


def test_igdm_weight_grows_linearly_with_the_epoch_and_needs_a_known_epoch_length():
    trainer = IGDM(tiny_cnn(0), tiny_cnn(1), igdm_alpha=20.0, ramp_epochs=4, steps_per_epoch=10,
                   attack=PGD(steps=1))
    trainer.compile(optimizer=keras.optimizers.SGD(0.1))
    weights = []
    for step in (0, 9, 10, 35, 100):
        trainer.optimizer.iterations.assign(step)
        weights.append(float(trainer.weight()))
    assert weights == pytest.approx([5.0, 5.0, 10.0, 20.0, 20.0])
    with pytest.raises(ValueError, match="needs a training dataset of known length"):
        IGDM(tiny_cnn(0), tiny_cnn(1), ramp_epochs=4)


@pytest.mark.parametrize("call,message", [
    (lambda: KDIGA(tiny_cnn(), tiny_cnn(), kdiga_alpha=1.5),
     r"kdiga_alpha \(α\) must be a number in \[0, 1\]"),
    (lambda: KDIGA(tiny_cnn(), tiny_cnn(), kdiga_temperature=0), r"kdiga_temperature \(τ\) must be a number > 0"),
    (lambda: IGDM(tiny_cnn(), tiny_cnn(), igdm_beta=-1), r"igdm_beta \(β\) must be a number >= 0"),
])
def test_bad_kdiga_and_igdm_settings_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
