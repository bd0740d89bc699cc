"""RobustBench-style model info: OUTPUT_DIR/robustbench/<model>.json for every model of a report
that ran AutoAttack, and the RobustBench evaluation protocol (the first 10 000 test images, 5 000
on ImageNet datasets).

A file holds RobustBench's model-info fields (clean_acc and autoattack_acc as percentage strings
with two decimals, as RobustBench prints them; eps as "8/255" for L∞) plus what igdtf knows of the
run: threat_model, dataset, n_examples, autoattack_version, unreliable (a robustness sanity check
failed; failed_checks names them), igdtf_version and command.
"""

import os
import shlex
import sys
from fractions import Fraction

from igdtf.runs.atomic import write_json

ROBUSTBENCH_DIR = "robustbench"
AUTOATTACK_EVALUATOR = "AutoAttackAccuracy"  # its key in report["protocol"]["evaluators"]
THREAT_MODELS = {"linf": "Linf", "l2": "L2"}
ROBUSTBENCH_EXAMPLES = 10_000
IMAGENET_EXAMPLES = 5_000


def robustbench_examples(dataset: str) -> int:
    """How many test images RobustBench evaluates on `dataset`: 5 000 on ImageNet, else 10 000."""
    return IMAGENET_EXAMPLES if dataset.startswith("imagenet") else ROBUSTBENCH_EXAMPLES


def protocol_max_samples(dataset: str, split: str | None, evaluation_split: str, max_samples: int | None) -> int:
    """The sample limit of --robustbench_protocol on `dataset`; ValueError if `split` or
    `max_samples` asks for something else."""
    if max_samples is not None:
        raise ValueError(f"--robustbench_protocol evaluates the first {robustbench_examples(dataset)} images; "
                         f"drop --max_samples={max_samples}.")
    if split is not None and split != evaluation_split:
        raise ValueError(f"--robustbench_protocol evaluates {dataset}'s {evaluation_split} split, not {split!r}; "
                         "drop --split.")
    return robustbench_examples(dataset)


def format_epsilon(norm: str, epsilon: float) -> str:
    """RobustBench's eps: "8/255" for an L∞ radius that is a multiple of 1/255, else the number."""
    if norm == "linf":
        steps = Fraction(epsilon * 255).limit_denominator(1000)
        if abs(float(steps) - epsilon * 255) < 1e-6 and steps.denominator == 1:
            return f"{steps.numerator}/255"
    return f"{epsilon:g}"


def model_info(report: dict, name: str, command=None) -> dict | None:
    """The RobustBench-style entry of model `name` in `report`, or None if it ran no AutoAttack."""
    protocol = report["protocol"]
    described = protocol.get("evaluators", {}).get(AUTOATTACK_EVALUATOR)
    summary = report["models"][name]
    robust = None if described is None else summary.get(f"{described['name']}_acc")
    if robust is None:
        return None
    attack = described["attack"]
    failed = [c["name"] for c in report.get("robustness_checks", {}).get(name, []) if c.get("passed") is False]
    command = command if command is not None else protocol.get("command", sys.argv)
    return {
        "name": name,
        "dataset": protocol.get("dataset"),
        "threat_model": THREAT_MODELS[attack["norm"]],
        "eps": format_epsilon(attack["norm"], attack["epsilon"]),
        "clean_acc": f"{100 * summary['clean_acc']:.2f}",
        "autoattack_acc": f"{100 * robust:.2f}",
        "n_examples": protocol["num_samples"],
        "autoattack_version": attack["version"],
        "additional_data": False,
        "number_forward_passes": 1,
        "unreliable": bool(failed),
        "failed_checks": failed,
        "igdtf_version": protocol["versions"]["igdtf"],
        "command": command if isinstance(command, str) else shlex.join(command),
    }


def write_robustbench(report: dict, output_dir: str) -> list[str]:
    """Writes OUTPUT_DIR/robustbench/<model>.json for every model with an AutoAttack result;
    returns the paths written (none without AutoAttack)."""
    paths = []
    for name in report["models"]:
        info = model_info(report, name)
        if info is None:
            continue
        os.makedirs(os.path.join(output_dir, ROBUSTBENCH_DIR), exist_ok=True)
        path = os.path.join(output_dir, ROBUSTBENCH_DIR, f"{name}.json")
        write_json(path, info)
        paths.append(path)
    return paths
