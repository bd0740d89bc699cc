"""Claims a recipe makes about its results, checked against each run's own numbers.

A recipe states its claims as data (e.g. "IGD's Gini is lower than PGDAT's by at least 0.02")
and its report carries the verdicts computed from the numbers of that run, so that the claims
printed are the ones that hold on the machine and seed at hand, not prose measured elsewhere:

  report["claims"] = {name: {"statement": text, "holds": bool, "metric": metric,
                             "<model>": value, "<other>": value, "difference": value, "at_least": bound}}

seed_summary.py counts the seeds in which each claim holds. Metric names are those of the
report's model summaries; "NAME@POINT" is one point of a curve (e.g. "ina1@0.02") and
"NAME@mean" the mean over all of the curve's points.
"""

import dataclasses
import math

import numpy as np

MEAN_OF_CURVE = "mean"


@dataclasses.dataclass(frozen=True)
class Difference:
    """The claim `statement`: metric(model) − metric(other) ≥ at_least (a negative bound reads
    "at most |at_least| below"). `percent` shows the values in % (accuracies, error rates)."""

    statement: str
    metric: str
    model: str
    other: str
    at_least: float
    percent: bool = False

    def check(self, models: dict) -> dict:
        """The verdict on the report's {model: summary}: a claim whose value is missing or n/a
        (e.g. no sample correct by all) does not hold."""
        first, second = metric_value(models, self.model, self.metric), metric_value(models, self.other, self.metric)
        difference = None if first is None or second is None else first - second
        return {"statement": self.statement, "holds": difference is not None and difference >= self.at_least,
                "metric": self.metric, self.model: first, self.other: second, "difference": difference,
                "at_least": self.at_least, "percent": self.percent}


def metric_value(models: dict, model: str, metric: str) -> float | None:
    """One number of a report's {model: summary}: a scalar, a curve point ("ina1@0.02") or a
    curve's mean ("ina1@mean"); None when the model, metric or point is missing or n/a."""
    name, _, point = metric.partition("@")
    value = models.get(model, {}).get(name)
    if point:
        if not isinstance(value, dict):
            return None
        points = list(value.values()) if point == MEAN_OF_CURVE else [value.get(point)]
        if any(p is None for p in points) or not points:
            return None
        value = float(np.mean(points))
    if value is None or isinstance(value, dict) or not math.isfinite(float(value)):
        return None
    return float(value)


def check_claims(claims: dict, models: dict) -> dict:
    """{name: verdict} (module docstring) of {name: claim} on a report's {model: summary}."""
    return {name: claim.check(models) for name, claim in claims.items()}


def _number(value, percent: bool) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:.2f} %" if percent else f"{value:.3f}"


def verdict_line(verdict: dict) -> str:
    """One line: HOLDS / DOES NOT HOLD, the statement and the numbers it was judged on."""
    percent = verdict.get("percent", False)
    models = [k for k in verdict if k not in ("statement", "holds", "metric", "difference", "at_least", "percent")]
    values = ", ".join(f"{model} {_number(verdict[model], percent)}" for model in models)
    bound = _number(verdict["at_least"], percent)
    return (f"{'HOLDS' if verdict['holds'] else 'DOES NOT HOLD'}: {verdict['statement']} ({verdict['metric']}: "
            f"{values}; difference {_number(verdict['difference'], percent)}, needed ≥ {bound})")


def claims_markdown(verdicts: dict) -> list[str]:
    """report.md lines: every claim with its verdict and numbers."""
    if not verdicts:
        return []
    held = sum(v["holds"] for v in verdicts.values())
    return ["", f"## Claims: {held} of {len(verdicts)} hold in this run", "",
            *[f"- {verdict_line(v)}" for v in verdicts.values()]]
