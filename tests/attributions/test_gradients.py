import keras
import numpy as np
import tensorflow as tf

from igdtf.attributions import (
    class_logit_gradient, class_logit_gradients, closest_wrong_class, cross_entropy_input_gradient,
    direction_alignment, margin_gradient,
)
from tests.conftest import tiny_cnn

RNG = np.random.default_rng(0)
W = RNG.normal(size=(4, 3)).astype("float32")  # a linear 4-d → 3-class model, f(x) = x·W + b
B = np.array([0.1, -0.2, 0.3], "float32")


def linear_model():
    inputs = keras.Input((4,))
    dense = keras.layers.Dense(3)
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([W, B])
    return model


def test_class_logit_gradients_match_one_class_at_a_time(batch):
    x, _ = batch
    model = tiny_cnn()
    classes = np.stack([np.arange(8) % 3, (np.arange(8) + 1) % 3], axis=1).astype("int32")
    together = class_logit_gradients(model, x, classes).numpy()
    assert together.shape == (8, 2, 8, 8, 3)
    for k in range(2):
        np.testing.assert_allclose(together[:, k], class_logit_gradient(model, x, classes[:, k]).numpy(), atol=1e-6)


def test_input_gradients_of_a_linear_model_are_its_weights():
    x = RNG.normal(size=(5, 4)).astype("float32")
    y = np.array([0, 1, 2, 0, 1], "int32")
    model = linear_model()
    gradients = class_logit_gradients(model, x, np.tile(np.arange(3), (5, 1))).numpy()
    np.testing.assert_allclose(gradients, np.broadcast_to(W.T, (5, 3, 4)), atol=1e-6)
    probabilities = tf.nn.softmax(x @ W + B).numpy()
    expected = (probabilities - np.eye(3)[y]) @ W.T  # ∂CE/∂x = W (p − onehot(y))
    np.testing.assert_allclose(cross_entropy_input_gradient(model, x, y).numpy(), expected, atol=1e-5)
    np.testing.assert_allclose(margin_gradient(model, x, y, (y + 1) % 3).numpy(), (W[:, (y + 1) % 3] - W[:, y]).T,
                               atol=1e-6)


def test_closest_wrong_class_is_the_linear_estimate_of_the_nearest_boundary():
    x = RNG.normal(size=(64, 4)).astype("float32")
    y = np.argmax(x @ W + B, axis=1).astype("int32")
    logits = x @ W + B
    expected = []
    for i in range(64):
        distances = [np.inf if c == y[i] else (logits[i, y[i]] - logits[i, c]) / np.linalg.norm(W[:, y[i]] - W[:, c])
                     for c in range(3)]
        expected.append(int(np.argmin(distances)))
    found = closest_wrong_class(linear_model(), x, y).numpy()
    np.testing.assert_array_equal(found, expected)
    assert (found != y).all()
    assert len(set(expected)) > 1  # the test distinguishes classes


def test_closest_wrong_class_of_a_binary_model_is_the_other_class():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    np.testing.assert_array_equal(closest_wrong_class(model, np.zeros((3, 4), "float32"), [0, 1, 1]).numpy(), [1, 0, 0])


def test_direction_alignment_is_one_along_the_margin_gradient_and_minus_one_against_it():
    x = RNG.normal(size=(16, 4)).astype("float32")
    y = np.argmax(x @ W + B, axis=1).astype("int32")
    model = linear_model()

    def along(inputs, labels, target):  # Δx = w_target − w_label, the margin gradient itself
        return tf.gather(W.T, target) - tf.gather(W.T, labels)

    np.testing.assert_allclose(direction_alignment(model, x, y, along).numpy(), 1.0, atol=1e-5)
    np.testing.assert_allclose(direction_alignment(model, x, y, lambda *a: -along(*a)).numpy(), -1.0, atol=1e-5)
