"""report.md: the IGD paper's tables built from a report's numbers, for any set of models.

Table 1 accuracy and Gini, Table 2 L1 norms, Table 3 IOA, then the curves (INA, Σw, RN, IOA by
radius), Tables 5–7 (noise severities), the other ImageNet-C corruptions by severity and the
mean corruption error. Measurements no table knows (e.g. a new evaluator's) are listed at the
end, so that nothing computed is left out of the report.
"""

from igdtf.attributions import DEFAULT_ATTRIBUTION
from igdtf.data.corruptions.names import BENCHMARK_CORRUPTIONS, CORRUPTIONS, NOISE_CORRUPTIONS
from igdtf.evaluation.evaluators.alignment_suite import alignment_markdown
from igdtf.evaluation.reporting.claims import claims_markdown
from igdtf.evaluation.metrics.outcomes import ERROR_ON_COMMON, parse_name
from igdtf.evaluation.evaluators.sanity import robustness_keys, robustness_markdown
from igdtf.runs.collapse_record import collapse_markdown


def _percent_point(point: str) -> str:
    return f"{100 * float(point):g}%"


# (metric, title, how curve points are written)
CURVES = (
    ("ina1", "INA1 error rate (%) by fraction of input elements perturbed (noise added to the top-k)", _percent_point),
    ("ina2", "INA2 error rate (%) by fraction of input elements perturbed (top-k replaced by noise)", _percent_point),
    ("w2_sum", "Σw² over the INA-attacked elements (w = ∂f_y/∂x; correct-by-all samples)", _percent_point),
    ("w_sum_sq", "(Σw)² over the INA-attacked elements (w = ∂f_y/∂x; correct-by-all samples)", _percent_point),
    ("rn1", "RN1 error rate (%) by fraction of random input elements (noise added)", _percent_point),
    ("rn2", "RN2 error rate (%) by fraction of random input elements (replaced by noise)", _percent_point),
    ("ioa_black", "IOA-B error rate (%) by largest occlusion radius r", lambda p: f"r≤{p}"),
    ("ioa_gray", "IOA-G error rate (%) by largest occlusion radius r", lambda p: f"r≤{p}"),
    ("ioa_white", "IOA-W error rate (%) by largest occlusion radius r", lambda p: f"r≤{p}"),
    ("gaussian_noise", "Table 5: Gaussian noise error rate (%) by severity", str),
    ("shot_noise", "Table 6: shot noise error rate (%) by severity", str),
    ("impulse_noise", "Table 7: impulse noise error rate (%) by severity", str),
) + tuple((name, f"{name.replace('_', ' ').capitalize()} error rate (%) by severity", str)
          for name in CORRUPTIONS if name not in NOISE_CORRUPTIONS)
IOA_COLUMNS = (("ioa_black", "IOA-B"), ("ioa_gray", "IOA-G"), ("ioa_white", "IOA-W"))


def _is_percent(metric: str, kind: str | None) -> bool:
    return kind == ERROR_ON_COMMON or metric.endswith("_acc") or metric == "confidence"


def _fmt(value, percent: bool) -> str:
    if value is None:
        return "n/a"
    if percent:
        return f"{100 * value:.2f}"
    return f"{value:.3f}" if abs(value) >= 0.01 or value == 0 else f"{value:.3g}"


def _key(metric: str, attribution: str) -> str:
    return metric if attribution == DEFAULT_ATTRIBUTION else f"{metric}[{attribution}]"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
           ["| " + " | ".join(row) + " |" for row in rows]


class _Builder:
    def __init__(self, report: dict):
        self.models = report["models"]
        self.kinds = report["protocol"].get("outcome_kinds", {})
        self.used: set[str] = set()
        keys = {k for m in self.models.values() for k in m}
        self.attributions = sorted({parse_name(k)[1] for k in keys},
                                   key=lambda a: (a != DEFAULT_ATTRIBUTION, a))
        self.keys = keys

    def has(self, key: str) -> bool:
        return key in self.keys

    def cell(self, model: str, key: str) -> str:
        self.used.add(key)
        metric = parse_name(key)[0]
        return _fmt(self.models[model].get(key), _is_percent(metric, self.kinds.get(key)))

    def scalar_table(self, title: str, columns: list[tuple[str, str]]) -> list[str]:
        columns = [(key, label) for key, label in columns if self.has(key)]
        if not columns:
            return []
        rows = [[name] + [self.cell(name, key) for key, _ in columns] for name in self.models]
        return ["", f"## {title}", ""] + _table(["model"] + [label for _, label in columns], rows)

    def curve_table(self, key: str, title: str, point_label) -> list[str]:
        self.used.add(key)
        points = sorted({p for m in self.models.values() for p in (m.get(key) or {})}, key=_numeric)
        if not points:
            return []
        percent = _is_percent(parse_name(key)[0], self.kinds.get(key))
        rows = [[name] + [_fmt((m.get(key) or {}).get(p), percent) for p in points]
                for name, m in self.models.items()]
        return ["", f"## {title}", ""] + _table(["model"] + [point_label(p) for p in points], rows)

    def suffix(self, metric: str, attribution: str) -> str:
        """" (attribution)" when `metric` was measured on more than the default attribution's maps."""
        measured = [a for a in self.attributions if self.has(_key(metric, a))]
        return "" if measured == [DEFAULT_ATTRIBUTION] else f" ({attribution})"


def _numeric(point: str):
    try:
        return (0, float(point))
    except ValueError:
        return (1, point)


def markdown_report(report: dict) -> str:
    """report.md for `report` (build_report's dict, optionally with a "figures" list)."""
    b = _Builder(report)
    protocol = report["protocol"]
    lines = ["# igdtf evaluation report", ""]
    if protocol.get("dataset"):
        lines.append(f"Dataset: {protocol['dataset']}" + (f", split {protocol['split']}" if protocol.get("split") else "") + ".")
    lines.append(f"{protocol['num_samples']} test samples; robustness errors on the "
                 f"{protocol['num_correct_by_all']} that every model classifies correctly.")
    if protocol.get("validation"):
        lines.append(f"Validation (best checkpoint, learning-rate schedule, overfitting guard): "
                     f"{protocol['validation']['description']}.")
    if protocol.get("fitted_settings"):
        fitted = protocol["fitted_settings"]
        lines.append(f"Settings fitted to {fitted['training_examples']} training images and an architecture "
                     f"{'with' if fitted['architecture_has_batchnorm'] else 'without'} BatchNorm: "
                     + (", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                                  for k, v in fitted["fitted"].items()) or "none")
                     + f" (given: {', '.join(fitted['given']) or 'none'}).")
    if protocol["num_correct_by_all"] == 0:
        lines.append("**No sample is classified correctly by every model**, so robustness error rates "
                     "are not defined and show as n/a.")

    table1 = [("clean_acc", "clean acc"), ("pgd_acc", "PGD acc"), ("confidence", "confidence")]
    for a in b.attributions:
        table1 += [(_key("gini_global", a), f"Gini global{b.suffix('gini_global', a)}"),
                   (_key("gini_regional", a), f"Gini regional{b.suffix('gini_regional', a)}")]
    lines += claims_markdown(report.get("claims", {}))
    lines += b.scalar_table("Table 1: accuracy (%) and Gini of attribution maps", table1)
    table2 = [("grad_l1", "‖∂f_y/∂x‖₁")] + [(_key("attribution_l1", a), f"‖A‖₁ ({a})") for a in b.attributions]
    lines += b.scalar_table("Table 2: L1 norms of the true-class input gradient and attribution maps", table2)
    for a in b.attributions:
        lines += _ioa_summary(b, a)
    for metric, title, point_label in CURVES:
        for a in b.attributions:
            key = _key(metric, a)  # a scalar of the same name (a custom evaluator's) goes to the leftovers
            if any(isinstance(m.get(key), dict) for m in b.models.values()):
                lines += b.curve_table(key, title + b.suffix(metric, a), point_label)
    lines += _mce_section(report)
    lines += _alignment_section(report)
    lines += robustness_markdown(report)
    if "collapse" in report:
        lines += collapse_markdown(report["collapse"]["runs"])
    b.used |= robustness_keys(b.keys)
    lines += _leftovers(b)
    if report.get("figures"):
        lines += ["", "## Figures", ""] + [f"![{name}]({name})" for name in report["figures"]]
    return "\n".join(lines) + "\n"


def _ioa_summary(b: _Builder, attribution: str) -> list[str]:
    """Table 3: IOA error at the largest radius evaluated, one column per colour."""
    columns = []
    for metric, label in IOA_COLUMNS:
        key = _key(metric, attribution)
        radii = sorted({p for m in b.models.values() for p in (m.get(key) or {})}, key=_numeric)
        if radii:
            columns.append((key, radii[-1], f"{label} (r≤{radii[-1]})"))
    if not columns:
        return []
    rows = [[name] + [_fmt((m.get(key) or {}).get(r), True) for key, r, _ in columns]
            for name, m in b.models.items()]
    return ["", f"## Table 3: IOA error rate (%){b.suffix('ioa_black', attribution)}", ""] + \
        _table(["model"] + [label for _, _, label in columns], rows)


def _mce_section(report: dict) -> list[str]:
    """mCE and the CE of every corruption measured, in % of the baseline's error (mce.py)."""
    errors = report.get("corruption_errors")
    if not errors or not errors["corruptions"]:
        return []
    shown, n = errors["corruptions"], len(errors["mce_corruptions"])
    scope = "the 15 benchmark corruptions" if n == len(BENCHMARK_CORRUPTIONS) else \
        f"{n} of the 15 benchmark corruptions (the others were not run)"

    def cell(value):
        return "n/a" if value is None else f"{100 * value:.1f}"

    header = ["model", "mCE"] + [c if c in BENCHMARK_CORRUPTIONS else f"{c} (extra)" for c in shown]
    rows = [[model, cell(errors["mce"][model])] + [cell(errors["ce"][model][c]) for c in shown]
            for model in errors["ce"]]
    lines = ["", f"## Mean corruption error (mCE, %) relative to {errors['baseline']}", "",
             f"CE = Σ error over severities / the same sum for {errors['baseline']}, on the correct-by-all "
             f"samples (Hendrycks & Dietterich 2019); mCE = mean CE over {scope}.", ""] + _table(header, rows)
    if any(v is None for values in errors["ce"].values() for v in values.values()):
        lines += ["", f"n/a: {errors['baseline']} makes no error on that corruption (or no sample is correct by "
                      "every model), so the CE is undefined."]
    return lines


def _alignment_section(report: dict) -> list[str]:
    """Table 2 of Lanfredi et al. (ε50%, ᾱ_Δx, ᾱ_x) and the correlations, when the alignment suite ran."""
    if not report.get("alignment"):
        return []
    return ["", "## Gradient direction: robustness ε50% and alignment (Lanfredi et al., Table 2)", "",
            alignment_markdown(report["alignment"]["table"], report["alignment"]["correlations"]).rstrip()]


def _leftovers(b: _Builder) -> list[str]:
    """Every measurement not shown by a table above."""
    lines = []
    scalars = sorted(k for k in b.keys - b.used
                     if not any(isinstance(m.get(k), dict) for m in b.models.values()))
    lines += b.scalar_table("Other measurements", [(k, k) for k in scalars])
    for key in sorted(b.keys - b.used):
        lines += b.curve_table(key, key, str)
    return lines
