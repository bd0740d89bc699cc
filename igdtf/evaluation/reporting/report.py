"""Reports: report.json (numbers + protocol), report.md (paper-style tables), outcomes.npz
(per-sample values, from which `load_comparison` rebuilds everything without recomputing)."""

import json
import os
import platform
import zipfile

import keras
import numpy as np
import tensorflow as tf

import igdtf
from igdtf.data.corruptions.names import CORRUPTIONS
from igdtf.errors import UnreadableFileError
from igdtf.evaluation.metrics.mce import corruption_errors
from igdtf.evaluation.metrics.outcomes import PerSample
from igdtf.evaluation.evaluators.protocol import Comparison, evaluator_label, from_outcomes
from igdtf.evaluation.reporting.robustbench import write_robustbench
from igdtf.evaluation.reporting.tables import markdown_report
from igdtf.runs.atomic import save_npz, write_json, write_text
from igdtf.runs.collapse_record import attach_collapse

__all__ = ["build_report", "load_comparison", "markdown_report", "outcome_kinds", "write_report"]

OUTCOMES_FILE = "outcomes.npz"
_KINDS_KEY = "__summaries__"  # outcomes.npz entry: JSON {outcome name: summary kind}


def outcome_kinds(comparison: Comparison) -> dict[str, str]:
    """{metric or curve name: summary kind}, e.g. {"ina1": "error_on_common", "gini_global": "mean"}."""
    kinds = {}
    for per_model in comparison.outcomes.values():
        for name, outcome in per_model.items():
            kinds[name.partition("@")[0]] = outcome.summary
    return kinds


def build_report(comparison: Comparison, evaluators, mce_baseline: str | None = None, **context) -> dict:
    """{"models": {name: summary}, "protocol": {...}} plus any `context` entries (dataset, seed...);
    with corruption outcomes also "corruption_errors", the mCE relative to `mce_baseline`
    (default: the first model; mce.py)."""
    n = int(comparison.correct_by_all.size)
    report = {
        "models": comparison.summaries,
        "protocol": {
            "num_samples": n,
            "num_correct_by_all": int(comparison.correct_by_all.sum()),
            "robustness_errors_on": "samples every model classifies correctly",
            "evaluators": {evaluator_label(e): e.describe() for e in evaluators},
            "outcome_kinds": outcome_kinds(comparison),
            "versions": {
                "igdtf": igdtf.__version__, "tensorflow": tf.__version__, "keras": keras.__version__,
                "numpy": np.__version__, "python": platform.python_version(),
            },
            **context,
        },
    }
    summaries = comparison.summaries
    if any(isinstance(summary.get(name), dict) for summary in summaries.values() for name in CORRUPTIONS):
        report["corruption_errors"] = corruption_errors(summaries, mce_baseline or next(iter(summaries)))
    return report


def write_report(report: dict, comparison: Comparison, output_dir: str) -> None:
    """Writes outcomes.npz (per-sample values), report.md, robustbench/<model>.json for the models
    AutoAttack was run on (robustbench.py) and, last, report.json into output_dir, each
    atomically (igdtf.runs.atomic). Both reports carry the collapse check of the training runs below
    output_dir (runs/collapse_record.py)."""
    attach_collapse(report, output_dir)  # markdown_report shows it
    arrays = {"correct_by_all": comparison.correct_by_all}
    kinds = {}
    for model_name, outcomes in comparison.outcomes.items():
        for name, outcome in outcomes.items():
            arrays[f"{model_name}/{name}"] = np.asarray(outcome.values)
            kinds[name] = outcome.summary
    arrays[_KINDS_KEY] = np.array(json.dumps(kinds))
    save_npz(os.path.join(output_dir, OUTCOMES_FILE), compressed=True, **arrays)
    write_text(os.path.join(output_dir, "report.md"), markdown_report(report))
    write_robustbench(report, output_dir)
    write_json(os.path.join(output_dir, "report.json"), report)


def load_comparison(output_dir: str) -> Comparison:
    """The Comparison saved in output_dir/outcomes.npz: summaries and the correct-by-all set are
    recomputed from the per-sample values. UnreadableFileError if the file cannot be read."""
    path = os.path.join(output_dir, OUTCOMES_FILE)
    try:
        with np.load(path) as saved:
            kinds = json.loads(str(saved[_KINDS_KEY]))
            outcomes: dict[str, dict[str, PerSample]] = {}
            for key in saved.files:
                if key in (_KINDS_KEY, "correct_by_all"):
                    continue
                model_name, _, name = key.partition("/")
                outcomes.setdefault(model_name, {})[name] = PerSample(saved[key], kinds[name])
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        raise UnreadableFileError(f"{path} cannot be read ({type(error).__name__}: {str(error)[:200]}); "
                                  "evaluate again to rewrite it.") from None
    return from_outcomes(outcomes)
