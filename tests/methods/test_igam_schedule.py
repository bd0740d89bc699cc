"""IGAM's settings from the authors' code: the CE-only warm-up and the uniform input noise."""

import numpy as np
import pytest
import tensorflow as tf

from igdtf.methods.igam import IGAMOptions, input_noise, warmup_steps
from tests.conftest import tiny_cnn
from tests.methods.harness import harness_trainer


def _all_weights(model):
    """Trainable and non-trainable (BatchNorm statistics) weights, copied."""
    return [w.copy() for w in model.get_weights()]


def _same(first, second) -> bool:
    return all(np.array_equal(a, b) for a, b in zip(first, second))


def test_warmup_step_is_a_standard_step_and_the_discriminator_moves_only_after_it(batch, tmp_path):
    x, y = batch
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    # harness: 1 epoch of 2 steps, so a fraction of 0.5 is the first step
    igam = harness_trainer("igam", tiny_cnn(0), tiny_cnn(1), x, y, str(tmp_path / "igam"), igam_warmup_fraction=0.5,
                           igam_lambda_diff=1.0, igam_discriminator_every=1, igam_adversarial_lr_scale=0.5)
    standard = harness_trainer("standard", tiny_cnn(0), None, x, y, str(tmp_path / "standard"))
    assert igam.warmup_steps == 1
    d_before = _all_weights(igam.adversary)
    igam.fit(data.take(1), epochs=1, verbose=0)
    standard.fit(data.take(1), epochs=1, verbose=0)
    np.testing.assert_allclose(np.concatenate([w.ravel() for w in igam.student.get_weights()]),
                               np.concatenate([w.ravel() for w in standard.student.get_weights()]), atol=1e-7)
    assert _same(d_before, _all_weights(igam.adversary))
    assert int(igam.adversary_optimizer.iterations.numpy()) == 0
    assert float(igam.optimizer.learning_rate.numpy()) == pytest.approx(0.1)
    igam.fit(data.skip(1), epochs=1, verbose=0)  # a new fit call (as after a resume): step 2 is IGAM's
    standard.fit(data.skip(1), epochs=1, verbose=0)
    assert not _same(d_before, _all_weights(igam.adversary))
    for optimizer in (igam.optimizer, igam.adversary_optimizer):  # both rates scaled once, at the first IGAM step
        assert float(optimizer.learning_rate.numpy()) == pytest.approx(0.05)
    assert igam.get_metrics_result()["grad_diff"] > 0
    assert not _same(igam.student.get_weights(), standard.student.get_weights())


def test_warmup_covers_the_fraction_of_all_steps_and_bad_settings_are_refused():
    assert warmup_steps(0.875, 16, 47) == 658 and warmup_steps(0.0, 16, 47) == 0
    for bad in (1.0, -0.1, 1.5):
        with pytest.raises(ValueError, match=r"igam_warmup_fraction must be a number in \[0, 1\), received"):
            IGAMOptions(igam_warmup_fraction=bad)
    with pytest.raises(ValueError, match="igam_adversarial_lr_scale changes the learning rates at the end of the warm-up"):
        IGAMOptions(igam_adversarial_lr_scale=0.1)


def test_input_noise_stays_in_the_valid_range_within_epsilon_and_is_seeded(batch):
    x = tf.constant(batch[0])
    seed = tf.constant([5, 6], tf.int64)
    noisy = input_noise(x, seed, 8 / 255).numpy()
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    assert np.abs(noisy - batch[0]).max() <= 8 / 255 + 1e-6
    assert np.abs(noisy - batch[0]).mean() > 2 / 255  # U[−ε, ε] has mean |.| ε/2 away from the clipped edges
    np.testing.assert_array_equal(input_noise(x, seed, 8 / 255).numpy(), noisy)
    assert not np.array_equal(input_noise(x, tf.constant([5, 7], tf.int64), 8 / 255).numpy(), noisy)


def test_noisy_batch_is_what_student_and_teacher_see(batch, tmp_path):
    x, y = batch
    trainer = harness_trainer("igam", tiny_cnn(0), tiny_cnn(1), x, y, str(tmp_path), igam_input_noise=True)
    noisy = trainer.training_inputs(tf.constant(x), tf.constant(y), None)
    assert 0 < np.abs(noisy.numpy() - x).max() <= trainer.attack.epsilon + 1e-6
    seed = tf.constant([1, 2], tf.int64)
    grad_diff = lambda **inputs: trainer.penalty(seed=seed, logits=None, y=y, **inputs)[1]["grad_diff"].numpy()  # noqa
    on_noisy = grad_diff(x=noisy)
    np.testing.assert_allclose(grad_diff(x=tf.constant(x), x_train=noisy), on_noisy, rtol=1e-6)
    assert not np.allclose(grad_diff(x=tf.constant(x)), on_noisy)
