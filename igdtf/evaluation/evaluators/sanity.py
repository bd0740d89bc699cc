"""Robustness sanity checks: is a robustness number trustworthy?

Two parts:
  RobustnessChecks   an evaluator measuring, per sample, what the checks need: PGD accuracy on
                     an ε grid (ε = 0 included), whether two forward passes agree, whether the
                     output looks like logits, the fraction of exactly-zero input gradients,
                     and whether the model's variables (BatchNorm statistics) stayed unchanged;
  judge / add_robustness_checks   turn one model's summary (from compare_models) into
                     pass/fail verdicts, written into the report and logged loudly on failure.

The checks (after Carlini et al. 2019, "On evaluating adversarial robustness", and AutoAttack's
own flags): the attack run at ε = 0 (random start, one step, projection and clipping to the
input range) gives the clean accuracy, which fails when the attack moves points it may not move
(e.g. data outside the attack's input bounds, which clipping changes) or the model is not a
function of its input; accuracy never rises along the ε grid; black-box
Square breaks (almost) nothing the white-box attacks could not; an undefended model is near 0%
under PGD-20 at 8/255; the model outputs logits; input gradients are not all zero; the model is
deterministic; evaluation leaves BatchNorm statistics unchanged; AutoAttack ≤ PGD accuracy.
A failed check means gradient masking, a broken attack or a broken model: do not report the
robustness number without explaining it.
"""

import dataclasses
import logging

import numpy as np
import tensorflow as tf

from igdtf.attacks import PGD, cross_entropy
from igdtf.evaluation.metrics.batches import correct, map_batches
from igdtf.seeding import batch_seed
from igdtf.evaluation.metrics.outcomes import MEAN, PerSample
from igdtf.evaluation.metrics.weights import weight_snapshot, weights_unchanged
from igdtf.ops import flatten_per_example

log = logging.getLogger("igdtf.evaluation")

SANITY_GRID = (0.0, 0.5, 1.0)  # multiples of the attack's ε: the one grid of every caller
GRID_NAME = "pgd_acc_at_eps"
_PREFIX = "sanity"


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Tolerances of the verdicts (fractions of samples)."""

    monotone: float = 0.005  # accuracy may rise by at most this along the ε grid (noise)
    square_gain: float = 0.005  # Square may break at most this fraction after the white-box attacks
    undefended: float = 0.05  # an undefended model's PGD accuracy must be at most this
    zero_gradient: float = 0.0  # fraction of samples whose input gradient is entirely zero


class RobustnessChecks:
    """Per-sample measurements for the sanity checks.

    Outputs: pgd_acc_at_eps@<ε> (correct under `attack` with ε and step scaled by each grid
    factor; at ε = 0 one step of it, which must change nothing), sanity@deterministic, sanity@logits, sanity@zero_gradient (input gradient of the
    CE loss entirely zero), sanity@zero_gradient_fraction (fraction of its elements that are
    zero), sanity@weights_unchanged (the same for every sample: a model-level fact).
    """

    def __init__(self, attack: PGD = PGD(steps=20), grid=SANITY_GRID, seed: int = 0):
        grid = tuple(float(g) for g in grid)
        if 0.0 not in grid or any(g < 0 for g in grid) or list(grid) != sorted(grid):
            raise ValueError(f"grid must be increasing multiples of ε >= 0 that include 0, received {grid}.")
        self.attack, self.grid, self.seed = attack, grid, seed
        self._zero_attack = dataclasses.replace(attack, steps=1)  # random start, one step, projection, clipping

    def _grid_key(self, factor: float) -> str:
        return f"{GRID_NAME}@{factor * self.attack.epsilon:.6g}"

    def run(self, model, dataset) -> dict[str, PerSample]:
        before = weight_snapshot(model)

        def step(x, y, index):
            first = tf.cast(model(x, training=False), tf.float32)
            second = tf.cast(model(x, training=False), tf.float32)
            with tf.GradientTape() as tape:
                tape.watch(x)
                loss = tf.reduce_sum(cross_entropy(y, model(x, training=False)))
            grad = flatten_per_example(tape.gradient(loss, x, unconnected_gradients=tf.UnconnectedGradients.ZERO))
            zero = tf.cast(tf.equal(grad, 0.0), tf.float32)
            in_unit = tf.reduce_all((first >= 0) & (first <= 1), axis=1)
            sums_to_one = tf.abs(tf.reduce_sum(first, axis=1) - 1.0) <= 1e-3
            results = {
                f"{_PREFIX}@deterministic": tf.reduce_all(
                    tf.abs(first - second) <= 1e-5 * (1.0 + tf.abs(first)), axis=1),
                f"{_PREFIX}@logits": tf.logical_not(in_unit & sums_to_one),
                f"{_PREFIX}@zero_gradient": tf.reduce_all(zero > 0, axis=1),
                f"{_PREFIX}@zero_gradient_fraction": tf.reduce_mean(zero, axis=1),
            }
            for factor in self.grid:  # at ε = 0 one step of the attack's own path: it must leave x alone
                attack = self._zero_attack if factor == 0 else self.attack
                x_adv = attack(model, x, y, batch_seed(self.seed, index), scale=factor)
                results[self._grid_key(factor)] = correct(model, x_adv, y)
            return results

        values = map_batches(step, dataset)
        unchanged = weights_unchanged(model, before)
        n = len(next(iter(values.values())))
        values[f"{_PREFIX}@weights_unchanged"] = np.full(n, unchanged)
        return {name: PerSample(v, MEAN) for name, v in values.items()}

    def describe(self) -> dict:
        return {"attack": self.attack.describe(), "grid_factors": list(self.grid), "seed": self.seed}


@dataclasses.dataclass
class Check:
    """One verdict: passed is None when the measurements it needs are missing."""

    name: str
    passed: bool | None
    value: object
    expected: str

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _square_gains(summary: dict) -> dict[str, float]:
    """{autoattack name: fraction broken by Square after the attacks before it}."""
    gains = {}
    for key, after in summary.items():
        if key.endswith("_acc_after") and isinstance(after, dict) and "square" in after:
            order = list(after)
            position = order.index("square")
            if position > 0 and after["square"] is not None:
                gains[key[: -len("_acc_after")]] = after[order[position - 1]] - after["square"]
    return gains


def judge(summary: dict, undefended: bool = False, thresholds: Thresholds = Thresholds()) -> list[Check]:
    """Verdicts for one model's summary (a `Comparison.summaries[name]` dict)."""
    sanity = summary.get(_PREFIX, {})
    grid = summary.get(GRID_NAME, {})
    checks = []
    clean = summary.get("clean_acc")
    at_zero = grid.get("0")
    checks.append(Check("eps0_gives_clean_accuracy", None if at_zero is None or clean is None else
                        abs(at_zero - clean) < 1e-9, at_zero, f"= clean accuracy {clean}"))
    values = [grid[k] for k in sorted(grid, key=float)]
    rises = [b - a for a, b in zip(values, values[1:])]
    checks.append(Check("accuracy_non_increasing_in_eps", None if len(values) < 2 else
                        max(rises) <= thresholds.monotone, dict(sorted(grid.items(), key=lambda kv: float(kv[0]))),
                        f"no rise above {thresholds.monotone}"))
    for name, gain in _square_gains(summary).items():
        checks.append(Check(f"square_not_stronger_than_white_box ({name})", gain <= thresholds.square_gain,
                            gain, f"Square breaks at most {thresholds.square_gain} more"))
    if undefended:
        pgd = summary.get("pgd_acc")
        checks.append(Check("undefended_model_broken_by_pgd", None if pgd is None else
                            pgd <= thresholds.undefended, pgd, f"<= {thresholds.undefended}"))
    for key in summary:  # every AutoAttackAccuracy output (it comes with "<key>_after")
        if key.endswith("_acc") and f"{key}_after" in summary and "pgd_acc" in summary:
            checks.append(Check(f"{key}_not_above_pgd_acc", summary[key] <= summary["pgd_acc"] + 1e-9,
                                summary[key], f"<= pgd_acc {summary['pgd_acc']}"))
    checks.append(Check("outputs_are_logits", _all(sanity.get("logits")), sanity.get("logits"), "1.0"))
    checks.append(Check("deterministic", _all(sanity.get("deterministic")), sanity.get("deterministic"), "1.0"))
    zero = sanity.get("zero_gradient")
    checks.append(Check("input_gradients_not_zero", None if zero is None else zero <= thresholds.zero_gradient,
                        {"samples_all_zero": zero, "elements_zero": sanity.get("zero_gradient_fraction")},
                        f"samples with an all-zero gradient <= {thresholds.zero_gradient}"))
    checks.append(Check("batchnorm_statistics_unchanged", _all(sanity.get("weights_unchanged")),
                        sanity.get("weights_unchanged"), "1.0"))
    return checks


def _all(value) -> bool | None:
    return None if value is None else value >= 1.0


def add_robustness_checks(report: dict, undefended=(), thresholds: Thresholds = Thresholds()) -> dict:
    """Adds report["robustness_checks"] = {model: [verdict dicts]}; logs every failure loudly.

    undefended: names of models trained without any defence (they must be broken by PGD).
    Returns the same report.
    """
    unknown = set(undefended) - set(report["models"])
    if unknown:
        raise ValueError(f"undefended names models not in the report: {sorted(unknown)}; "
                         f"models: {sorted(report['models'])}.")
    verdicts = {}
    for name, summary in report["models"].items():
        checks = judge(summary, name in undefended, thresholds)
        for check in checks:
            if check.passed is False:
                log.warning("ROBUSTNESS CHECK FAILED for %s: %s (value %s, expected %s). Do not trust its "
                            "robustness numbers before explaining this.", name, check.name, check.value,
                            check.expected)
        verdicts[name] = [c.to_dict() for c in checks]
    report["robustness_checks"] = verdicts
    return report


def _mark(passed) -> str:
    return {True: "pass", False: "**FAIL**", None: "n/a"}[passed]


def robustness_keys(keys) -> set:
    """The summary keys robustness_markdown shows (AutoAttack outputs, the ε grid, sanity@*)."""
    keys = set(keys)
    after = {k for k in keys if k.endswith("_acc_after")}
    return after | {k[: -len("_after")] for k in after} | (keys & {GRID_NAME, _PREFIX})


def robustness_markdown(report: dict) -> list[str]:
    """Report sections: adversarial accuracy per attack, PGD accuracy along the ε grid, and the
    sanity verdicts (each if present)."""
    lines = []
    models = report["models"]
    points = sorted({p for m in models.values() for p in (m.get(GRID_NAME) or {})}, key=float)
    if points:
        lines += ["", "## PGD accuracy (%) along the ε grid (sanity checks)", "",
                  "| model | " + " | ".join(f"ε={p}" for p in points) + " |", "|---|" + "---|" * len(points)]
        for name, m in models.items():
            grid = m.get(GRID_NAME) or {}
            lines.append(f"| {name} | " + " | ".join(
                "n/a" if grid.get(p) is None else f"{100 * grid[p]:.2f}" for p in points) + " |")
    attack_rows = {}
    for name, m in models.items():
        for key, value in m.items():
            if key.endswith("_acc_after") and isinstance(value, dict):
                attack_rows.setdefault(key[: -len("_acc_after")], {})[name] = (m.get(key[: -len("_after")]), value)
    for ensemble, rows in attack_rows.items():
        attacks = list(next(iter(rows.values()))[1])
        lines += ["", f"## Adversarial accuracy (%): {ensemble}, after each attack (cumulative)", "",
                  "| model | PGD | " + " | ".join(attacks) + " | ensemble |", "|---|" + "---|" * (len(attacks) + 2)]
        for name, (total, after) in rows.items():
            pgd = models[name].get("pgd_acc")
            cells = " | ".join("n/a" if after[a] is None else f"{100 * after[a]:.2f}" for a in attacks)
            lines.append(f"| {name} | {'n/a' if pgd is None else f'{100 * pgd:.2f}'} | {cells} | "
                         f"{'n/a' if total is None else f'{100 * total:.2f}'} |")
    if "robustness_checks" in report:
        lines += ["", "## Robustness sanity checks", "", "| model | check | result | value | expected |",
                  "|---|---|---|---|---|"]
        for name, checks in report["robustness_checks"].items():
            for c in checks:
                lines.append(f"| {name} | {c['name']} | {_mark(c['passed'])} | {c['value']} | {c['expected']} |")
    return lines
