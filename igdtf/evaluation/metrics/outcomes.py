"""Per-sample outcomes: what every evaluator returns, and how each is summarised.

Keeping per-sample values (not only averages) lets the protocol restrict robustness tests to
the samples every compared model classifies correctly, and lets reports be rebuilt from the
saved arrays without recomputing.

Names: "<metric>" or "<metric>@<x>" for a point of a curve (e.g. "ina1@0.002"); measurements
made on the maps of an attribution other than saliency carry it as "<metric>[<attribution>]",
e.g. "gini_global[ig]" or "ina1[ig]@0.002".
"""

import dataclasses
import re

import numpy as np

from igdtf.attributions import DEFAULT_ATTRIBUTION

MEAN = "mean"  # summarised as the mean over every evaluated sample (accuracy, Gini, norms)
ERROR_ON_COMMON = "error_on_common"  # values say "still correct"; summarised as the error rate
#                                      on the samples that every compared model gets right
MEAN_ON_COMMON = "mean_on_common"  # mean over the samples every compared model gets right
MEAN_ON_CORRECT = "mean_on_correct"  # mean over the samples this model gets right (confidence)
SUMMARIES = (MEAN, ERROR_ON_COMMON, MEAN_ON_COMMON, MEAN_ON_CORRECT)

_NAME = re.compile(r"^(?P<metric>[^@\[\]]+)(\[(?P<attribution>[^@\[\]]+)\])?(@(?P<point>[^@]+))?$")


@dataclasses.dataclass
class PerSample:
    """One measurement per test sample ([N] array) and how to summarise it."""

    values: np.ndarray
    summary: str

    def __post_init__(self):
        if self.summary not in SUMMARIES:
            raise ValueError(f"Unknown summary {self.summary!r}; use one of {', '.join(SUMMARIES)}.")


def qualified(name: str, attribution: str) -> str:
    """`name` ("metric" or "metric@x") tagged with the attribution its maps came from; names of
    the default attribution (saliency) stay as they are."""
    if attribution == DEFAULT_ATTRIBUTION:
        return name
    metric, at, point = name.partition("@")
    return f"{metric}[{attribution}]{at}{point}"


def parse_name(name: str) -> tuple[str, str, str | None]:
    """(metric, attribution, point) of an outcome name; point is None outside curves."""
    match = _NAME.match(name)
    if not match:
        raise ValueError(f"Malformed outcome name {name!r}; expected metric[attribution]@point.")
    return match["metric"], match["attribution"] or DEFAULT_ATTRIBUTION, match["point"]


def _mean(values: np.ndarray):
    return float(values.mean()) if values.size else None


def summarize(outcomes: dict[str, PerSample], common: np.ndarray) -> dict:
    """{name: value} with curves nested: "ina1@0.002" becomes {"ina1": {"0.002": value}}.

    Values restricted to a set of samples are None when that set is empty (the count is in the
    report's protocol section), rather than a division by zero.
    """
    summary: dict = {}
    for name, outcome in outcomes.items():
        values = np.asarray(outcome.values, dtype=np.float64)
        if outcome.summary == MEAN:
            value = _mean(values)
        elif outcome.summary == MEAN_ON_COMMON:
            value = _mean(values[common])
        elif outcome.summary == MEAN_ON_CORRECT:
            if "clean_acc" not in outcomes:
                raise ValueError(f"{name!r} is averaged over correctly classified samples, which needs clean_acc.")
            value = _mean(values[np.asarray(outcomes["clean_acc"].values).astype(bool)])
        else:
            kept = values[common]
            value = float(1.0 - kept.mean()) if kept.size else None
        curve, _, point = name.partition("@")
        if point:
            summary.setdefault(curve, {})[point] = value
        else:
            summary[name] = value
    return summary
