"""Reports: report.json (numbers + protocol), report.md (paper-style tables), outcomes.npz."""

import json
import os
import platform

import keras
import numpy as np
import tensorflow as tf

import igdtf
from igdtf.evaluation.protocol import Comparison
from igdtf.evaluation.sanity import robustness_markdown


def build_report(comparison: Comparison, evaluators, **context) -> dict:
    """{"models": {name: summary}, "protocol": {...}} plus any `context` entries (dataset, seed...)."""
    n = int(comparison.correct_by_all.size)
    return {
        "models": comparison.summaries,
        "protocol": {
            "num_samples": n,
            "num_correct_by_all": int(comparison.correct_by_all.sum()),
            "robustness_errors_on": "samples every model classifies correctly",
            "evaluators": {type(e).__name__: e.describe() for e in evaluators},
            "versions": {
                "igdtf": igdtf.__version__, "tensorflow": tf.__version__, "keras": keras.__version__,
                "numpy": np.__version__, "python": platform.python_version(),
            },
            **context,
        },
    }


def _fmt(value, percent=False) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.2f}" if percent else f"{value:.3f}"


def markdown_report(report: dict) -> str:
    """Table 1 (accuracy, Gini) and the INA error curves, one row per model."""
    models = report["models"]
    protocol = report["protocol"]
    lines = [
        "# igdtf evaluation report", "",
        f"{protocol['num_samples']} test samples; robustness errors on the "
        f"{protocol['num_correct_by_all']} that every model classifies correctly.", "",
        "## Table 1: accuracy (%) and Gini of attribution maps", "",
        "| model | clean acc | PGD acc | Gini (global) | Gini (regional) |",
        "|---|---|---|---|---|",
    ]
    for name, m in models.items():
        lines.append(
            f"| {name} | {_fmt(m.get('clean_acc'), True)} | {_fmt(m.get('pgd_acc'), True)} "
            f"| {_fmt(m.get('gini_global'))} | {_fmt(m.get('gini_regional'))} |"
        )
    for curve in ("ina1", "ina2"):
        fractions = sorted({f for m in models.values() for f in m.get(curve, {})}, key=float)
        if not fractions:
            continue
        lines += [
            "", f"## {curve.upper()} error rate (%) by fraction of input elements perturbed", "",
            "| model | " + " | ".join(f"{100 * float(f):g}%" for f in fractions) + " |",
            "|---|" + "---|" * len(fractions),
        ]
        for name, m in models.items():
            cells = " | ".join(_fmt(m.get(curve, {}).get(f), True) for f in fractions)
            lines.append(f"| {name} | {cells} |")
    lines += robustness_markdown(report)
    return "\n".join(lines) + "\n"


def write_report(report: dict, comparison: Comparison, output_dir: str) -> None:
    """Writes report.json, report.md and outcomes.npz (per-sample values) into output_dir."""
    os.makedirs(output_dir, exist_ok=True)
    with open(os.path.join(output_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(output_dir, "report.md"), "w") as f:
        f.write(markdown_report(report))
    arrays = {"correct_by_all": comparison.correct_by_all}
    for model_name, outcomes in comparison.outcomes.items():
        for name, outcome in outcomes.items():
            arrays[f"{model_name}/{name}"] = np.asarray(outcome.values)
    np.savez_compressed(os.path.join(output_dir, "outcomes.npz"), **arrays)
