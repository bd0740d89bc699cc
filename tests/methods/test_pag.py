import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.methods import pag_targets
from igdtf.methods.pag import PAG
from igdtf.models import build_model
from tests.conftest import tiny_cnn

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 4)).astype("float32")
Y = (np.arange(40) % 3).astype("int32")


def _data(x=X, y=Y, batch=8):
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)


def linear(seed=0):
    keras.utils.set_random_seed(seed)
    return build_model("mlp", (4,), 3, [0.0], [1.0], hidden=())


def test_class_mean_and_one_image_targets_come_from_the_right_class():
    means = pag_targets("class_mean", _data(), 3)
    np.testing.assert_allclose(means.points, np.stack([X[Y == c].mean(0) for c in range(3)]), atol=1e-5)
    unbatched = pag_targets("class_mean", tf.data.Dataset.from_tensor_slices((X, Y)), 3)
    np.testing.assert_allclose(unbatched.points, means.points, atol=1e-5)
    one = pag_targets("one_image", _data(), 3, seed=3)
    for c in range(3):
        assert np.any(np.all(np.isclose(X[Y == c], one.points[c]), axis=1))


def test_nearest_neighbor_pool_and_search_exclude_the_example_itself():
    targets = pag_targets("nearest_neighbor", _data(), 3, pool_size=100)  # every example of each class
    assert targets.points.shape == (3, 100, 4)
    trainer = PAG(linear(), pag_source="nearest_neighbor", targets=targets)
    classes = trainer.target_classes(tf.constant(X), None)
    g = trainer.target_gradients(tf.constant(X), classes).numpy()  # [N, 3, 4]
    for i in range(len(X)):
        for c in range(3):
            pool = X[Y == c]
            distances = np.linalg.norm(pool - X[i], axis=1)
            distances[distances == 0] = np.inf
            np.testing.assert_allclose(g[i, c], pool[np.argmin(distances)] - X[i], atol=1e-5)


def test_penalty_matches_the_formula_on_a_linear_model():
    model = linear()
    targets = pag_targets("class_mean", _data(), 3)
    trainer = PAG(model, pag_source="class_mean", targets=targets, pag_lambda=2.0)
    term, values = trainer.penalty(tf.constant(X[:5]), tf.constant(Y[:5]), None, None)
    w = model.get_layer("logits").get_weights()[0]  # ∂f_t/∂x = w_t / std (std = 1)
    expected_cos = np.array([[np.dot(w[:, t], targets.points[t] - x) /
                              (np.linalg.norm(w[:, t]) * np.linalg.norm(targets.points[t] - x)) for t in range(3)]
                             for x in X[:5]])
    np.testing.assert_allclose(values["pag_cos"].numpy(), expected_cos.mean(1), atol=1e-5)
    np.testing.assert_allclose(term.numpy(), 2.0 * (1 - expected_cos).sum(1), atol=1e-4)


def test_rigd_aligns_with_the_teacher_and_is_perfect_when_the_teacher_is_the_student():
    student = linear(0)
    trainer = PAG(student, pag_source="rigd", teacher=linear(0), pag_lambda=1.0)
    term, values = trainer.penalty(tf.constant(X[:6]), tf.constant(Y[:6]), None, None)
    np.testing.assert_allclose(values["pag_cos"].numpy(), 1.0, atol=1e-5)
    np.testing.assert_allclose(term.numpy(), 0.0, atol=1e-4)
    _, other = PAG(linear(0), pag_source="rigd", teacher=linear(1)).penalty(tf.constant(X[:6]), tf.constant(Y[:6]),
                                                                           None, None)
    assert other["pag_cos"].numpy().max() < 0.999


def test_class_sampling_uses_distinct_classes_and_rescales_the_sum():
    trainer = PAG(linear(), pag_source="class_mean", targets=pag_targets("class_mean", _data(), 3),
                  pag_classes_per_example=2)
    classes = trainer.target_classes(tf.constant(X), tf.constant([1, 2], tf.int64)).numpy()
    assert classes.shape == (40, 2) and (classes[:, 0] != classes[:, 1]).all()
    assert len({tuple(row) for row in classes}) > 1
    term, values = trainer.penalty(tf.constant(X), tf.constant(Y), tf.constant([1, 2], tf.int64), None)
    np.testing.assert_allclose(term.numpy(), 1.5 * 3 / 2 * 2 * (1 - values["pag_cos"].numpy()), atol=1e-4)


@pytest.mark.parametrize("call,message", [
    (lambda: pag_targets("class_mean", _data(y=Y % 2), 3), r"classes \[2\] have none"),
    (lambda: pag_targets("one_image", _data(y=Y + 1), 3), "label 3, outside"),
    (lambda: pag_targets("rigd", _data(), 3), "Unknown PAG target source \\(data\\) 'rigd'"),
    (lambda: PAG(linear(), pag_source="nearest_neighbor", targets=pag_targets("class_mean", _data(), 3)),
     "built for source 'class_mean'"),
    (lambda: PAG(build_model("mlp", (4,), 5, [0.0], [1.0], hidden=()), pag_source="class_mean",
                 targets=pag_targets("class_mean", _data(), 3)), "targets have 3 classes but the model has 5"),
    (lambda: PAG(linear(), pag_source="class_mean"), "needs targets built from the training data"),
    (lambda: PAG(linear(), pag_source="rigd"), "needs a frozen robust teacher"),
    (lambda: PAG(linear(), pag_source="class_mean", targets=pag_targets("class_mean", _data(), 3), teacher=linear()),
     "takes no teacher"),
    (lambda: PAG(tiny_cnn(), pag_source="rigd", teacher=linear()), "Teacher input shape"),
    (lambda: PAG(linear(), pag_source="class_mean", targets=pag_targets("class_mean", _data(), 3), pag_lambda=-1),
     r"pag_lambda \(λ\) must"),
    (lambda: PAG(linear(), pag_source="rigd", teacher=linear(), pag_classes_per_example=4), "at most the 3 classes"),
])
def test_bad_pag_settings_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()
