"""AutoAttackAccuracy, PGD restarts and the robustness sanity checks, end to end on tiny models."""

import logging

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD, AutoAttack
from igdtf.evaluation import (
    AutoAttackAccuracy, PGDAccuracy, RobustnessChecks, Thresholds, add_robustness_checks, build_report,
    compare_models, judge, markdown_report,
)
from tests.attacks.linear import SHAPE, data, exact_robust, linear_model
from tests.attacks.masked import DriftingStatistics, Quantize, SaturatedSoftmax, wrap

EPSILON = 0.03
QUICK_AA = AutoAttack(epsilon=EPSILON, steps=10, square_queries=300)
PGD20 = PGD(epsilon=EPSILON, step_size=EPSILON / 4, steps=20)


def _dataset(x, y, batch=16):
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch)


def _verdicts(checks):
    return {c.name.split(" (")[0]: c.passed for c in checks}


def test_autoattack_evaluator_outputs_per_attack_and_ensemble_accuracy():
    model = linear_model()
    x, y = data(model, n=32)
    outcomes = AutoAttackAccuracy(QUICK_AA, name="aa").run(model, _dataset(x, y))
    assert set(outcomes) == {"aa_acc", "aa_acc_after@apgd-ce", "aa_acc_after@apgd-t", "aa_acc_after@fab-t",
                             "aa_acc_after@square"}
    np.testing.assert_array_equal(outcomes["aa_acc"].values, exact_robust(model, x, y, "linf", EPSILON))
    assert AutoAttackAccuracy(QUICK_AA).describe()["attack"]["epsilon"] == EPSILON
    with pytest.raises(ValueError, match="without '@'"):
        AutoAttackAccuracy(name="aa@1")
    with pytest.raises(TypeError, match="must be an igdtf.attacks.AutoAttack"):
        AutoAttackAccuracy(PGD())


def test_pgd_restarts_take_the_per_example_worst_case():
    model = linear_model()
    x, y = data(model, n=32)
    attack = PGD(epsilon=EPSILON, step_size=EPSILON / 10, steps=2)  # weak: restarts matter
    one = PGDAccuracy(attack).run(model, _dataset(x, y))["pgd_acc"].values
    five = PGDAccuracy(attack, restarts=5).run(model, _dataset(x, y))["pgd_acc"].values
    assert not np.any(five & ~one)  # restart 0 is the single run; more restarts only remove points
    assert five.sum() < one.sum()
    assert PGDAccuracy(attack, restarts=5).describe()["restarts"] == 5
    with pytest.raises(ValueError, match="needs an attack with random_start=True"):
        PGDAccuracy(PGD(random_start=False), restarts=2)


def test_sound_model_passes_every_check():
    model = linear_model()
    x, y = data(model, n=32)
    outcomes = RobustnessChecks(PGD20, grid=(0, 0.5, 1, 2)).run(model, _dataset(x, y))
    assert set(outcomes) >= {"pgd_acc_at_eps@0", "pgd_acc_at_eps@0.03", "sanity@zero_gradient"}
    summary = {"clean_acc": 1.0, "pgd_acc_at_eps": {}, "sanity": {}}
    for name, outcome in outcomes.items():
        curve, point = name.split("@")
        summary[curve][point] = float(outcome.values.mean())
    assert summary["pgd_acc_at_eps"]["0"] == 1.0
    checks = _verdicts(judge(summary))
    assert all(checks.values()), checks


def test_pgd_at_zero_epsilon_leaves_the_inputs_as_they_are():
    model = linear_model()
    x, y = data(model, n=8)
    x_adv = PGD20(model, tf.constant(x), tf.constant(y), tf.constant([1, 2], tf.int64), scale=0.0)
    np.testing.assert_array_equal(x_adv.numpy(), x)


def test_eps0_check_fails_when_the_attack_moves_points_it_may_not():
    """Images outside the attack's [0, 1] range (e.g. data scaled wrongly): clipping alone changes
    them, so the attack at ε = 0 changes predictions and the check must fail; on in-range images
    of the same model it passes."""
    model = linear_model()
    checks = RobustnessChecks(PGD20, grid=(0, 1))
    verdicts = {}
    for name, (low, high) in {"in_range": (0.0, 1.0), "out_of_range": (-1.0, 2.0)}.items():
        x, y = data(model, n=48, low=low, high=high)  # clean accuracy 100 %: labelled by the model
        outcomes = checks.run(model, _dataset(x, y))
        summary = {"clean_acc": 1.0, "pgd_acc_at_eps": {"0": float(outcomes["pgd_acc_at_eps@0"].values.mean())}}
        verdicts[name] = _verdicts(judge(summary))["eps0_gives_clean_accuracy"]
    assert verdicts == {"in_range": True, "out_of_range": False}


def test_gradient_masked_model_is_flagged_and_broken_by_square(caplog):
    """Rounding the input to 8 bits hides every gradient: PGD-20, APGD and FAB fail, Square does
    not; the checks flag zero gradients, Square beating the white-box attacks, and an
    undefended model that PGD cannot break."""
    base = linear_model()
    masked = wrap(base, before=Quantize())
    x, y = data(base, n=32)
    evaluators = [PGDAccuracy(PGD20), AutoAttackAccuracy(QUICK_AA), RobustnessChecks(PGD20, grid=(0, 1))]
    result = compare_models({"masked": masked}, _dataset(x, y), evaluators)
    summary = result.summaries["masked"]
    exact = exact_robust(base, x, y, "linf", EPSILON).mean()
    assert summary["pgd_acc"] > exact + 0.3  # PGD is fooled
    after = summary["autoattack_acc_after"]
    assert after["fab-t"] > exact + 0.3  # so are the white-box attacks
    assert summary["autoattack_acc"] <= exact + 0.1  # Square breaks it
    report = build_report(result, evaluators)
    with caplog.at_level(logging.WARNING, logger="igdtf.evaluation"):
        add_robustness_checks(report, undefended=("masked",))
    verdicts = {c["name"].split(" (")[0]: c["passed"] for c in report["robustness_checks"]["masked"]}
    assert verdicts["input_gradients_not_zero"] is False
    assert verdicts["square_not_stronger_than_white_box"] is False
    assert verdicts["undefended_model_broken_by_pgd"] is False
    assert verdicts["eps0_gives_clean_accuracy"] is True
    assert "ROBUSTNESS CHECK FAILED for masked: input_gradients_not_zero" in caplog.text
    text = markdown_report(report)
    assert "## Robustness sanity checks" in text and "**FAIL**" in text
    assert "| masked |" in text and "square" in text


def test_saturated_softmax_is_flagged_by_its_zero_gradients():
    base = linear_model()
    saturated = wrap(base, after=SaturatedSoftmax())
    x, y = data(base, n=16)
    outcomes = RobustnessChecks(PGD20, grid=(0, 1)).run(saturated, _dataset(x, y))
    assert outcomes["sanity@zero_gradient"].values.mean() > 0.5
    assert outcomes["sanity@logits"].values.all()  # scaled: not mistaken for probabilities


def test_probabilities_randomness_and_drifting_statistics_are_flagged():
    x, y = data(linear_model(), n=8)
    probabilities = RobustnessChecks(PGD20, grid=(0,)).run(linear_model(with_softmax=True), _dataset(x, y))
    assert probabilities["sanity@logits"].values.mean() == 0.0
    drifting = wrap(linear_model(), before=DriftingStatistics())
    outcomes = RobustnessChecks(PGD20, grid=(0,)).run(drifting, _dataset(x, y))
    assert outcomes["sanity@weights_unchanged"].values.mean() == 0.0
    with pytest.raises(RuntimeError, match="changed the model's variables"):
        AutoAttackAccuracy(AutoAttack(epsilon=EPSILON, steps=1, square_queries=2)).run(drifting, _dataset(x, y))


def test_batchnorm_model_keeps_its_statistics_through_evaluation():
    inputs = keras.Input(SHAPE)
    h = keras.layers.BatchNormalization()(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, keras.layers.Dense(5)(h))
    x, y = data(linear_model(), n=8)
    outcomes = RobustnessChecks(PGD20, grid=(0, 1)).run(model, _dataset(x, y))
    assert outcomes["sanity@weights_unchanged"].values.all()


def test_judge_flags_each_broken_measurement():
    good = {"clean_acc": 0.9, "pgd_acc": 0.4, "pgd_acc_at_eps": {"0": 0.9, "0.01": 0.6, "0.03": 0.4},
            "autoattack_acc": 0.38, "autoattack_acc_after": {"apgd-ce": 0.4, "fab-t": 0.38, "square": 0.38},
            "sanity": {"logits": 1.0, "deterministic": 1.0, "zero_gradient": 0.0,
                       "zero_gradient_fraction": 0.01, "weights_unchanged": 1.0}}
    assert all(_verdicts(judge(good, undefended=False)).values())
    bad = {**good, "pgd_acc_at_eps": {"0": 0.85, "0.01": 0.6, "0.03": 0.7}, "autoattack_acc": 0.45,
           "sanity": {**good["sanity"], "logits": 0.0, "deterministic": 0.5}}
    verdicts = _verdicts(judge(bad, undefended=True, thresholds=Thresholds(undefended=0.05)))
    assert verdicts == {
        "eps0_gives_clean_accuracy": False, "accuracy_non_increasing_in_eps": False,
        "square_not_stronger_than_white_box": True, "undefended_model_broken_by_pgd": False,
        "autoattack_acc_not_above_pgd_acc": False, "outputs_are_logits": False, "deterministic": False,
        "input_gradients_not_zero": True, "batchnorm_statistics_unchanged": True,
    }
    assert _verdicts(judge({"clean_acc": 1.0}))["deterministic"] is None  # not measured


def test_grid_and_undefended_names_are_validated():
    with pytest.raises(ValueError, match="must be increasing multiples of ε >= 0 that include 0"):
        RobustnessChecks(grid=(0.5, 1.0))
    with pytest.raises(ValueError, match=r"undefended names models not in the report: \['teacher'\]"):
        add_robustness_checks({"models": {"standard": {}}}, undefended=("teacher",))
