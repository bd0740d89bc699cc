"""One harness for every method: two steps, metric names, frozen teacher, save/load."""

import tempfile

import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.methods import METHODS, build_trainer
from igdtf.methods.igd import IGD
from igdtf.models import build_model

from tests.conftest import NUM_CLASSES, smooth_mlp, tiny_cnn
from tests.methods.harness import check_method_trains, harness_trainer


def _trainer(method, student, teacher=None, x=None, y=None, **arguments):
    if x is None:
        rng = np.random.default_rng(0)
        x, y = rng.uniform(0, 1, (8, 8, 8, 3)).astype("float32"), rng.integers(0, NUM_CLASSES, 8).astype("int32")
    return harness_trainer(method, student, teacher, x, y, tempfile.mkdtemp(), **arguments)


@pytest.mark.parametrize("method", sorted(METHODS))
def test_every_method_trains_two_steps_and_reports_its_metrics(method, batch, tmp_path):
    check_method_trains(method, batch, tmp_path)


def test_eval_attack_adds_pgd_accuracy_to_evaluation(batch):
    x, y = batch
    trainer = _trainer("pgdat", tiny_cnn(), eval_attack=PGD(steps=2))
    result = trainer.evaluate(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), verbose=0, return_dict=True)
    assert set(result) == {"loss", "ce", "acc", "pgd_acc"}
    assert result["pgd_acc"] <= result["acc"]


def test_igd_alignment_term_gradient_is_nonzero_and_matches_finite_differences(batch):
    x, y = batch
    student, teacher = smooth_mlp(0), smooth_mlp(1)
    trainer = IGD(student, teacher, igd_lambda=2.0)

    def alignment_loss():
        penalty, _ = trainer.penalty(tf.constant(x), tf.constant(y), None, None)
        return tf.reduce_mean(penalty)

    with tf.GradientTape() as tape:
        loss = alignment_loss()
    kernel = student.trainable_variables[0]
    gradient = tape.gradient(loss, kernel).numpy()
    assert np.abs(gradient).max() > 1e-4
    h = 1e-2
    for index in [tuple(i) for i in np.argwhere(np.abs(gradient) > 0.1 * np.abs(gradient).max())[:3]]:
        original = kernel.numpy()
        shifted = original.copy()
        shifted[index] += h
        kernel.assign(shifted)
        up = float(alignment_loss())
        shifted[index] -= 2 * h
        kernel.assign(shifted)
        down = float(alignment_loss())
        kernel.assign(original)
        np.testing.assert_allclose((up - down) / (2 * h), gradient[index], rtol=0.05, atol=1e-4)


def test_igd_cosine_is_one_when_student_is_its_own_teacher(batch):
    x, y = batch
    student = smooth_mlp(0)
    _, values = IGD(student, smooth_mlp(0)).penalty(tf.constant(x), tf.constant(y), None, None)
    np.testing.assert_allclose(values["cos"].numpy(), 1.0, atol=1e-5)


def test_cutout_method_cuts_a_square_before_the_attack(batch):
    x, y = batch
    trainer = _trainer("pgdat_cutout", tiny_cnn(), cutout_size=4, cutout_fill_value=0.5,
                       attack=PGD(epsilon=0.0, steps=1, random_start=False))
    out = trainer.training_inputs(tf.constant(x), tf.constant(y), tf.constant([1, 2], tf.int64)).numpy()
    changed = (out == 0.5) & (x != 0.5)
    assert (changed.reshape(8, -1).sum(axis=1) > 0).all()
    assert (changed.reshape(8, -1).sum(axis=1) <= 4 * 4 * 3).all()


def _five_class_model():
    return build_model("small_cnn", (8, 8, 3), 5, [0.5] * 3, [0.25] * 3, width=4)


@pytest.mark.parametrize("call,message", [
    (lambda: build_trainer("fgsm", tiny_cnn()), "Unknown method 'fgsm'. Allowed: alignment_penalty, igam, igd"),
    (lambda: build_trainer("igd", tiny_cnn()), "needs a teacher"),
    (lambda: build_trainer("pgdat", tiny_cnn(), teacher=tiny_cnn()), "takes no teacher"),
    (lambda: IGD(tiny_cnn(), tiny_cnn(), igd_lambda=-1.0), r"igd_lambda \(λ\) must be a number >= 0"),
    (lambda: IGD(tiny_cnn(), _five_class_model()), "Teacher has 5 classes but the student has 3"),
    (lambda: build_trainer("standard", tiny_cnn(), weight_decay=-1), "weight_decay must be"),
])
def test_bad_method_settings_are_refused_before_training(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_epsilon_warmup_scales_the_training_attack_until_it_reaches_epsilon(batch):
    x, y = batch
    epsilon = 8 / 255
    trainer = _trainer("pgdat", tiny_cnn(), attack=PGD(epsilon=epsilon, step_size=epsilon, steps=3),
                       epsilon_warmup_steps=4)
    seed = tf.constant([1, 2], tf.int64)
    first = trainer.training_inputs(tf.constant(x), tf.constant(y), seed).numpy()
    assert np.abs(first - x).max() <= epsilon / 4 + 1e-6
    assert np.abs(first - x).max() > epsilon / 8
    trainer.optimizer.iterations.assign(3)
    assert float(trainer.epsilon_scale()) == 1.0
    full = trainer.training_inputs(tf.constant(x), tf.constant(y), seed).numpy()
    assert np.abs(full - x).max() > epsilon / 2
    assert _trainer("pgdat", tiny_cnn()).epsilon_scale() is None
    with pytest.raises(ValueError, match="epsilon_warmup_steps must be an integer >= 0"):
        _trainer("pgdat", tiny_cnn(), epsilon_warmup_steps=-1)
