import numpy as np
import pytest
import tensorflow as tf

from igdtf.attributions import cross_entropy_input_gradient
from igdtf.methods.gradient_norm import InputGradientNorm
from tests.conftest import smooth_mlp


def test_penalty_is_lambda_times_the_squared_input_gradient_norm(batch):
    x, y = batch
    model = smooth_mlp(0)
    term, values = InputGradientNorm(model, input_gradient_norm_lambda=3.0).penalty(tf.constant(x), tf.constant(y), None, None)
    norms = np.linalg.norm(cross_entropy_input_gradient(model, x, y).numpy().reshape(8, -1), axis=1)
    np.testing.assert_allclose(values["grad_norm"].numpy(), norms, rtol=1e-5)
    np.testing.assert_allclose(term.numpy(), 3.0 * norms ** 2, rtol=1e-5)


def test_penalty_gradient_matches_finite_differences(batch):
    x, y = batch
    model = smooth_mlp(0)
    trainer = InputGradientNorm(model, input_gradient_norm_lambda=1.0)

    def loss():
        return tf.reduce_mean(trainer.penalty(tf.constant(x), tf.constant(y), None, None)[0])

    with tf.GradientTape() as tape:
        value = loss()
    kernel = model.trainable_variables[0]
    gradient = tape.gradient(value, kernel).numpy()
    index = tuple(np.argwhere(np.abs(gradient) == np.abs(gradient).max())[0])
    original = kernel.numpy()
    h = 1e-2
    shifted = original.copy()
    shifted[index] += h
    kernel.assign(shifted)
    up = float(loss())
    shifted[index] -= 2 * h
    kernel.assign(shifted)
    down = float(loss())
    kernel.assign(original)
    np.testing.assert_allclose((up - down) / (2 * h), gradient[index], rtol=0.05)


def test_negative_lambda_is_refused():
    with pytest.raises(ValueError, match=r"input_gradient_norm_lambda \(λ\) must be a number >= 0"):
        InputGradientNorm(smooth_mlp(0), input_gradient_norm_lambda=-1.0)
