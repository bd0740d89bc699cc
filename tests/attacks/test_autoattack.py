import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import VERSIONS, AutoAttack
from tests.attacks.linear import data, exact_robust, linear_model
from tests.attacks.masked import Noisy, wrap
from tests.conftest import tiny_cnn

SEED = tf.constant([5, 6], tf.int64)
QUICK = dict(steps=10, square_queries=100)


@pytest.mark.parametrize("norm,epsilon,low,high", [("linf", 0.03, 0.0, 1.0), ("l2", 0.15, 0.25, 0.75)])
def test_standard_ensemble_finds_the_exact_robust_accuracy_of_a_linear_model(norm, epsilon, low, high):
    model = linear_model()
    x, y = data(model, low=low, high=high)
    result = AutoAttack(norm=norm, epsilon=epsilon, **QUICK).bind(model)(x, y, SEED)
    exact = exact_robust(model, x, y, norm, epsilon)
    assert 0.2 < exact.mean() < 0.8
    np.testing.assert_array_equal(result.robust, exact)
    assert list(result.robust_after) == list(VERSIONS["standard"])
    previous = result.clean_correct
    for still in result.robust_after.values():
        assert not np.any(still & ~previous)  # later attacks only on points still robust
        previous = still
    np.testing.assert_array_equal(previous, result.robust)
    delta = (result.x_adv - x).reshape(len(x), -1)
    size = np.abs(delta).max(1) if norm == "linf" else np.linalg.norm(delta, axis=1)
    assert size.max() <= epsilon * (1 + 1e-5) + 1e-6
    np.testing.assert_array_equal(result.x_adv[result.robust], x[result.robust])
    assert result.mismatches == 0


def test_plus_version_runs_its_six_attacks_and_is_exact_too():
    model = linear_model()
    x, y = data(model, n=16)
    attack = AutoAttack(version="plus", epsilon=0.03, **QUICK)
    assert attack.restarts("apgd-ce") == 5 and attack.restarts("fab-t") == 1
    result = attack.bind(model)(x, y, SEED)
    assert list(result.robust_after) == ["apgd-ce", "apgd-dlr", "fab", "square", "apgd-t", "fab-t"]
    np.testing.assert_array_equal(result.robust, exact_robust(model, x, y, "linf", 0.03))


def test_rand_version_accepts_a_randomised_model_that_standard_refuses():
    model = wrap(linear_model(), before=Noisy())
    x, y = data(linear_model(), n=8)
    with pytest.raises(ValueError, match="different outputs for the same input"):
        AutoAttack(**QUICK).bind(model)(x, y, SEED)
    result = AutoAttack(version="rand", steps=3).bind(model)(x, y, SEED)
    assert set(result.robust_after) == {"apgd-ce", "apgd-dlr"}


def test_probability_outputs_are_refused():
    model = linear_model(with_softmax=True)
    x, y = data(linear_model(), n=4)
    with pytest.raises(ValueError, match="outputs probabilities"):
        AutoAttack(**QUICK).bind(model)(x, y, SEED)


def test_invalid_adversarial_images_are_caught():
    model = linear_model()
    x, _ = data(model, n=4)
    bound = AutoAttack(epsilon=0.03).bind(model)
    bound._check_perturbations(x, np.clip(x + 0.03, 0, 1))
    with pytest.raises(RuntimeError, match="perturbations larger than"):
        bound._check_perturbations(x, np.clip(x + 0.05, 0, 1))
    with pytest.raises(RuntimeError, match="non-finite"):
        bound._check_perturbations(x, np.full_like(x, np.nan))


@pytest.mark.parametrize("kwargs,message", [
    ({"version": "fast"}, "Unknown AutoAttack version 'fast'. Allowed: plus, rand, standard"),
    ({"norm": "l1"}, "Unknown norm 'l1'. Allowed: l2, linf"),
    ({"epsilon": 0.0}, "epsilon must be a number > 0"),
    ({"epsilon": -0.1}, "epsilon must be a number > 0"),
    ({"attacks": ("apgd-ce", "deepfool")}, "Unknown AutoAttack attack 'deepfool'"),
    ({"square_queries": 0}, "square_queries must be an integer >= 1"),
])
def test_bad_settings_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        AutoAttack(**kwargs)


def test_targeted_dlr_needs_four_classes():
    with pytest.raises(ValueError, match="apgd-t needs at least 4 classes; the model has 3"):
        AutoAttack().bind(tiny_cnn())
    AutoAttack(attacks=("apgd-ce", "square")).bind(tiny_cnn())  # fine without it


def test_describe_records_whether_budgets_are_the_published_ones():
    assert AutoAttack().describe()["is_standard"] is True
    assert AutoAttack().describe()["attacks"] == ["apgd-ce", "apgd-t", "fab-t", "square"]
    assert AutoAttack(**QUICK).describe()["is_standard"] is False
