"""RobustBench-style model info from a report, its file layout and the protocol's sample count."""

import json

import pytest

from igdtf.evaluation.reporting.robustbench import (
    format_epsilon, model_info, protocol_max_samples, robustbench_examples, write_robustbench,
)


def _report(with_autoattack=True, failed=False):
    summary = {"clean_acc": 0.91234, "pgd_acc": 0.5}
    evaluators = {"PGDAccuracy": {}}
    if with_autoattack:
        summary["autoattack_acc"] = 0.4567
        evaluators["AutoAttackAccuracy"] = {"attack": {"norm": "linf", "epsilon": 8 / 255, "version": "standard"},
                                            "seed": 0, "name": "autoattack"}
    checks = [{"name": "eps0_gives_clean_accuracy", "passed": True},
              {"name": "accuracy_falls_with_epsilon", "passed": not failed}, {"name": "square", "passed": None}]
    return {"models": {"igd": summary}, "robustness_checks": {"igd": checks},
            "protocol": {"num_samples": 1000, "dataset": "cifar10", "evaluators": evaluators,
                         "versions": {"igdtf": "0.1.0"}, "command": ["igdtf/evaluate.py", "--suite=autoattack"]}}


def test_model_info_has_robustbench_fields_with_percentages_as_robustbench_prints_them():
    info = model_info(_report(), "igd")
    assert info == {"name": "igd", "dataset": "cifar10", "threat_model": "Linf", "eps": "8/255",
                    "clean_acc": "91.23", "autoattack_acc": "45.67", "n_examples": 1000,
                    "autoattack_version": "standard", "additional_data": False, "number_forward_passes": 1,
                    "unreliable": False, "failed_checks": [], "igdtf_version": "0.1.0",
                    "command": "igdtf/evaluate.py --suite=autoattack"}
    failed = model_info(_report(failed=True), "igd")
    assert failed["unreliable"] is True and failed["failed_checks"] == ["accuracy_falls_with_epsilon"]


def test_files_are_written_only_for_models_autoattack_ran_on(tmp_path):
    assert write_robustbench(_report(with_autoattack=False), str(tmp_path)) == []
    assert not (tmp_path / "robustbench").exists()
    (path,) = write_robustbench(_report(), str(tmp_path))
    assert path == str(tmp_path / "robustbench" / "igd.json")
    assert json.loads((tmp_path / "robustbench" / "igd.json").read_text())["autoattack_acc"] == "45.67"


@pytest.mark.parametrize("norm,epsilon,expected", [
    ("linf", 8 / 255, "8/255"), ("linf", 4 / 255, "4/255"), ("linf", 0.03, "0.03"), ("l2", 0.5, "0.5"),
])
def test_epsilon_is_written_as_robustbench_does(norm, epsilon, expected):
    assert format_epsilon(norm, epsilon) == expected


def test_the_protocol_takes_10000_test_images_and_5000_on_imagenet():
    assert robustbench_examples("cifar10") == protocol_max_samples("cifar10", None, "test", None) == 10_000
    assert robustbench_examples("imagenet100") == protocol_max_samples("imagenet100", "validation", "validation",
                                                                       None) == 5_000
    with pytest.raises(ValueError, match="drop --max_samples=5"):
        protocol_max_samples("cifar10", None, "test", 5)
    with pytest.raises(ValueError, match="evaluates cifar10's test split, not 'train'"):
        protocol_max_samples("cifar10", "train", "test", None)
