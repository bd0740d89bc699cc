"""Several seeds of one experiment: the per-seed reports, summarised as mean ± std and min–max.

An experiment run with `--seeds=0,1,2` writes one ordinary run (or comparison) directory per seed,
OUTPUT_DIR/seed_<s>/, each with its own report.json, and then OUTPUT_DIR/summary.json and
summary.md:

  {"seeds": [0, 1, 2],
   "std": "sample standard deviation (n - 1)",
   "models": {model: {metric: {"mean", "std", "min", "max", "n", "per_seed": {"0": value, ...}}}},
   "claims": {claim: {"statement", "holds_in", "of", "per_seed": {"0": true, ...},
                      "values": {name: statistics as for metrics}}}}   (when reports have claims)

Metrics are the numeric entries of each report's "models" section; nested ones (curves such as
{"ina1": {"0.002": v}}) are named with "@" like outcome names ("ina1@0.002"). A report may carry
"claims": {name: {"statement": text, "holds": bool, ...}}, the verdicts a recipe computes from its
own numbers (evaluation/reporting/claims.py); the summary counts the seeds in which each holds and
summarises the numbers each verdict was judged on ("values").
"""

import math
import os

import numpy as np

from igdtf.evaluation.reporting.claims import MEAN_OF_CURVE
from igdtf.runs.artefacts import read_json
from igdtf.runs.atomic import write_json, write_text

SEED_DIR_PREFIX = "seed_"
SUMMARY_JSON, SUMMARY_MD = "summary.json", "summary.md"
STD_KIND = "sample standard deviation (n - 1)"


def parse_seeds(text) -> tuple[int, ...]:
    """(0, 1, 2) from "0,1,2" (or a list of such strings, as absl's DEFINE_list gives); ValueError
    naming the bad entry for an empty list, a value that is not an integer ≥ 0, or a repeated seed."""
    items = text.split(",") if isinstance(text, str) else list(text)
    items = [str(i).strip() for i in items]
    if items in ([], [""]):
        raise ValueError("seeds must list at least one seed, e.g. 0,1,2.")
    seeds = []
    for item in items:
        if not item.isdigit():
            raise ValueError(f"seeds must be comma-separated integers >= 0 (e.g. 0,1,2), received {item!r}.")
        if int(item) in seeds:
            raise ValueError(f"seed {item} is given twice in the seeds.")
        seeds.append(int(item))
    return tuple(seeds)


def seed_run_dir(output_dir: str, seed: int) -> str:
    """OUTPUT_DIR/seed_<seed>: the directory of one seed's run."""
    return os.path.join(output_dir, f"{SEED_DIR_PREFIX}{seed}")


def flatten_metrics(summary: dict, prefix: str = "") -> dict[str, float]:
    """{name: float} for every numeric leaf of `summary`; nested keys joined with "@"
    ({"ina1": {"0.002": v}} → {"ina1@0.002": v}), and for a curve (a dict of numbers keyed by
    numbers) its mean as in the claims ("ina1@mean"). Booleans, strings and lists are skipped."""
    flat = {}
    for key, value in summary.items():
        name = f"{prefix}@{key}" if prefix else str(key)
        if isinstance(value, dict):
            points = flatten_metrics(value, name)
            flat.update(points)
            if value and len(points) == len(value) and all(_is_number(k) for k in value):
                flat[f"{name}@{MEAN_OF_CURVE}"] = float(np.mean(list(points.values())))
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            flat[name] = float(value)
    return flat


def _is_number(text) -> bool:
    try:
        float(text)
        return True
    except (TypeError, ValueError):
        return False


def _statistics(per_seed: dict[str, float]) -> dict:
    values = np.array(list(per_seed.values()), dtype=np.float64)
    finite = values[np.isfinite(values)]
    std = float(np.std(finite, ddof=1)) if finite.size > 1 else 0.0
    mean = float(np.mean(finite)) if finite.size else math.nan
    return {"mean": mean, "std": std, "min": float(np.min(finite)) if finite.size else math.nan,
            "max": float(np.max(finite)) if finite.size else math.nan, "n": int(finite.size),
            "per_seed": per_seed}


def summarize_seeds(reports: dict[int, dict]) -> dict:
    """The summary (module docstring) of {seed: report}; a metric missing from some seeds is
    summarised over the seeds that have it (its "n"). ValueError if `reports` is empty."""
    if not reports:
        raise ValueError("No seed reports to summarise.")
    seeds = sorted(reports)
    models: dict[str, dict[str, dict[str, float]]] = {}
    for seed in seeds:
        for model, summary in reports[seed].get("models", {}).items():
            for metric, value in flatten_metrics(summary).items():
                models.setdefault(model, {}).setdefault(metric, {})[str(seed)] = value
    summary = {"seeds": seeds, "std": STD_KIND,
               "models": {model: {metric: _statistics(values) for metric, values in metrics.items()}
                          for model, metrics in models.items()}}
    claims = _claims(reports, seeds)
    if claims:
        summary["claims"] = claims
    return summary


def _claims(reports: dict[int, dict], seeds: list[int]) -> dict:
    claims, values = {}, {}
    for seed in seeds:
        for name, claim in reports[seed].get("claims", {}).items():
            entry = claims.setdefault(name, {"statement": claim.get("statement", name), "per_seed": {}})
            entry["per_seed"][str(seed)] = bool(claim["holds"])
            entry["percent"] = bool(claim.get("percent", False))
            for key, value in flatten_metrics(claim).items():
                values.setdefault(name, {}).setdefault(key, {})[str(seed)] = value
    for name, entry in claims.items():
        entry["holds_in"], entry["of"] = sum(entry["per_seed"].values()), len(entry["per_seed"])
        entry["values"] = {key: _statistics(per_seed) for key, per_seed in values.get(name, {}).items()}
    return claims


def _cell(stats: dict) -> str:
    if stats["n"] == 0:
        return "n/a"
    return f"{stats['mean']:.4g} ± {stats['std']:.2g} ({stats['min']:.4g}–{stats['max']:.4g})"


def _claim_values(claim: dict) -> str:
    """The numbers a claim was judged on that vary over seeds: "name mean (min–max)"."""
    scale, unit = (100.0, " %") if claim.get("percent") else (1.0, "")
    cells = []
    for key, stats in claim.get("values", {}).items():
        if stats["n"] and stats["min"] != stats["max"]:
            mean, low, high = (scale * stats[k] for k in ("mean", "min", "max"))
            cells.append(f"{key} {mean:.3g} ({low:.3g} to {high:.3g}){unit}")
    return "; ".join(cells)


def summary_markdown(summary: dict, metrics: tuple[str, ...] | None = None, title: str = "Summary over seeds") -> str:
    """Markdown: the claims (holds in k of n seeds, and the numbers judged), then one table, a
    row per metric (all, or those named in `metrics` in that order) and a column per model:
    mean ± std (min–max); then the per-seed values, one table per model."""
    seeds, models = summary["seeds"], summary["models"]
    lines = [f"# {title}", "", f"Seeds {', '.join(map(str, seeds))} ({len(seeds)} runs); ± is the {summary['std']}; "
             "(min–max) over the seeds.", ""]
    if summary.get("claims"):
        lines += ["| claim | holds in | measured: mean (min to max) |", "|---|---|---|"]
        lines += [f"| {c['statement']} | {c['holds_in']} of {c['of']} seeds"
                  f"{'' if c['holds_in'] == c['of'] else ' (NOT in every seed)'} | {_claim_values(c)} |"
                  for c in summary["claims"].values()]
        lines.append("")
    names = list(metrics) if metrics is not None else sorted({m for per_model in models.values() for m in per_model})
    lines += ["| metric | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    for metric in names:
        cells = [_cell(models[model][metric]) if metric in models[model] else "—" for model in models]
        lines.append(f"| {metric} | " + " | ".join(cells) + " |")
    lines += ["", "## Per seed"]
    for model, per_model in models.items():
        lines += ["", f"{model}:", "", "| metric | " + " | ".join(f"seed {s}" for s in seeds) + " |",
                  "|---|" + "---|" * len(seeds)]
        for metric in (m for m in names if m in per_model):
            values = per_model[metric]["per_seed"]
            lines.append(f"| {metric} | " + " | ".join(f"{values[str(s)]:.4g}" if str(s) in values else "—"
                                                      for s in seeds) + " |")
    return "\n".join(lines) + "\n"


def read_seed_reports(output_dir: str, seeds, report_file: str = "report.json") -> dict[int, dict]:
    """{seed: the report in OUTPUT_DIR/seed_<seed>/`report_file`} for the seeds that have one."""
    reports = {}
    for seed in seeds:
        path = os.path.join(seed_run_dir(output_dir, seed), report_file)
        if os.path.isfile(path):
            reports[seed] = read_json(path, "Delete it and run that seed again to rewrite it.")
    return reports


def write_seed_summary(output_dir: str, reports: dict[int, dict], metrics: tuple[str, ...] | None = None,
                       title: str = "Summary over seeds") -> dict:
    """Writes OUTPUT_DIR/summary.json and summary.md (atomically) for {seed: report}; returns the summary."""
    summary = summarize_seeds(reports)
    write_text(os.path.join(output_dir, SUMMARY_MD), summary_markdown(summary, metrics, title))
    write_json(os.path.join(output_dir, SUMMARY_JSON), summary)
    return summary
