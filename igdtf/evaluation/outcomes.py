"""Per-sample outcomes: what every evaluator returns, and how each is summarised.

Keeping per-sample values (not only averages) lets the protocol restrict robustness tests to
the samples every compared model classifies correctly, and lets reports be rebuilt from the
saved arrays without recomputing.
"""

import dataclasses

import numpy as np

MEAN = "mean"  # summarised as the mean over every evaluated sample (accuracy, Gini, norms)
ERROR_ON_COMMON = "error_on_common"  # values say "still correct"; summarised as the error rate
#                                      on the samples that every compared model gets right


@dataclasses.dataclass
class PerSample:
    """One measurement per test sample ([N] array) and how to summarise it."""

    values: np.ndarray
    summary: str

    def __post_init__(self):
        if self.summary not in (MEAN, ERROR_ON_COMMON):
            raise ValueError(f"Unknown summary {self.summary!r}; use {MEAN!r} or {ERROR_ON_COMMON!r}.")


def summarize(outcomes: dict[str, PerSample], common: np.ndarray) -> dict:
    """{name: value} with curves nested: "ina1@0.002" becomes {"ina1": {"0.002": value}}.

    ERROR_ON_COMMON values are None when no sample is correct for every model (the count is in
    the report's protocol section), rather than a division by zero.
    """
    summary: dict = {}
    for name, outcome in outcomes.items():
        values = np.asarray(outcome.values, dtype=np.float64)
        if outcome.summary == MEAN:
            value = float(values.mean()) if values.size else None
        else:
            kept = values[common]
            value = float(1.0 - kept.mean()) if kept.size else None
        curve, _, point = name.partition("@")
        if point:
            summary.setdefault(curve, {})[point] = value
        else:
            summary[name] = value
    return summary
