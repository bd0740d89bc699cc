"""Fast training for every adversarial method: single-step attacks, reduced precision, GradAlign."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD, threat_model
from igdtf.methods import build_trainer, methods_where
from igdtf.methods.gradalign import gradalign_cosine

from tests.conftest import smooth_mlp, tiny_cnn
from tests.methods.harness import harness_trainer

SEED = tf.constant([3, 4], tf.int64)


@pytest.mark.parametrize("method", methods_where(adversarial=True))
def test_every_adversarial_method_trains_with_n_fgsm_bfloat16_and_gradalign(method, batch, tmp_path):
    x, y = batch
    student = tiny_cnn(0)
    before = [w.copy() for w in student.get_weights()]
    trainer = harness_trainer(method, student, tiny_cnn(1), x, y, str(tmp_path), train_attack="n_fgsm",
                              attack_precision="bfloat16", gradalign_lambda=0.2)
    history = trainer.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), epochs=1, verbose=0).history
    assert set(history) == {"loss", "ce", *trainer.penalty_metrics, "gradalign_cos", "acc"}
    assert all(np.isfinite(v[-1]) for v in history.values()) and -1.0 <= history["gradalign_cos"][-1] <= 1.0
    assert any(not np.allclose(a, b) for a, b in zip(before, student.get_weights()))


@pytest.mark.parametrize("method", ["pgdat", "trades"])
def test_the_training_attack_replaces_pgd_in_training_inputs_and_in_trades(method, batch):
    """pgdat's CE inputs and TRADES' KL point are the single-step attack's (‖δ‖∞ up to 3ε for
    N-FGSM, more than PGD can reach), and PGD stays the default."""
    x = tf.constant(batch[0])
    y = tf.constant(batch[1])
    reach = {}
    for kind in ("pgd", "n_fgsm"):
        trainer = build_trainer(method, tiny_cnn(0), attack=PGD(steps=2), train_attack=kind)
        trainer.compile(optimizer=keras.optimizers.SGD(0.1))
        x_adv = trainer.adversarial_inputs(x) if method == "trades" else trainer.training_inputs(x, y, SEED)
        reach[kind] = np.abs(x_adv.numpy() - batch[0]).max()
    assert reach["pgd"] <= 8 / 255 + 1e-6 < reach["n_fgsm"] <= 24 / 255 + 1e-6


def test_gradalign_cosine_is_one_without_noise_and_its_gradient_reaches_the_weights(batch):
    x, y = (tf.constant(t) for t in batch)
    model = smooth_mlp(0)
    np.testing.assert_allclose(gradalign_cosine(model, x, y, threat_model("linf", 0.0), SEED).numpy(), 1.0,
                               atol=1e-5)
    with tf.GradientTape() as tape:
        cosine = gradalign_cosine(model, x, y, threat_model("linf", 0.5), SEED)
        loss = tf.reduce_mean(1.0 - cosine)
    assert float(loss) > 1e-4 and np.all(cosine.numpy() <= 1.0 + 1e-6)
    gradient = tape.gradient(loss, model.trainable_variables[0])
    assert np.abs(gradient.numpy()).max() > 1e-5


def test_gradalign_off_adds_no_metric_and_negative_lambda_is_refused():
    trainer = build_trainer("pgdat", tiny_cnn(0))
    assert trainer.regularizer_metrics() == ()
    with pytest.raises(ValueError, match=r"gradalign_lambda \(λ\) must be a number >= 0"):
        build_trainer("pgdat", tiny_cnn(0), gradalign_lambda=-0.1)
