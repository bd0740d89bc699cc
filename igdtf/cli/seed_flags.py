"""--seeds for every command that trains (the recipes, igdtf.recipes.train): one ordinary run directory per seed,
OUTPUT_DIR/seed_<s>/ (resumable like any run), then OUTPUT_DIR/summary.json and summary.md
(igdtf/evaluation/reporting/seed_summary.py: every metric as mean ± std and min–max over the seeds)."""

import logging
import os

from absl import flags

from igdtf.errors import ConfigError, checked
from igdtf.evaluation.reporting.seed_summary import (
    SUMMARY_JSON, SUMMARY_MD, parse_seeds, read_seed_reports, seed_run_dir, summarize_seeds, write_seed_summary,
)

log = logging.getLogger("igdtf.recipes")
# Measurements of the report that the summary table leaves out (the sanity checks' own numbers).
_NOT_SUMMARISED = ("sanity@", "pgd_acc_at_eps@", "autoattack_acc_after@")


def define_seeds_flag(runs: str = "one run", default: list[str] | None = None) -> None:
    """Defines --seeds: `runs` (e.g. "one run of every method") per seed, each in OUTPUT_DIR/seed_<s>/;
    `default` None means one run of --seed in OUTPUT_DIR itself."""
    alone = "Not with --seed." if default is None else f"Default: {','.join(default)}."
    flags.DEFINE_list("seeds", default, f"Seeds, e.g. 0,1,2: {runs} per seed, each in OUTPUT_DIR/seed_<s>/ (resumable, "
                      "with its own report), then OUTPUT_DIR/summary.json and summary.md (every metric as mean ± std "
                      f"and min-max over the seeds, per-seed rows). {alone}")


def seed_runs(values, output_dir: str) -> list[tuple[int, str]]:
    """[(seed, run directory)]: one per --seeds entry (OUTPUT_DIR/seed_<s>), or (--seed, OUTPUT_DIR)."""
    if values.seeds is None:
        return [(values.seed, output_dir)]
    if values["seed"].present:
        raise ConfigError("Give --seed (one run in --output_dir) or --seeds (one run per seed in "
                          "OUTPUT_DIR/seed_<s>), not both.")
    return [(seed, seed_run_dir(output_dir, seed)) for seed in checked(parse_seeds, values.seeds)]


def summary_metrics(summary: dict) -> tuple[str, ...]:
    """The metrics of a seed summary worth a row: all but the sanity checks' own measurements."""
    names = {metric for metrics in summary["models"].values() for metric in metrics}
    return tuple(sorted(name for name in names if not name.startswith(_NOT_SUMMARISED)))


def write_summary(output_dir: str, seeds, title: str) -> str:
    """Writes OUTPUT_DIR/summary.json and summary.md over the seeds' report.json files; returns
    summary.md's path."""
    reports = read_seed_reports(output_dir, seeds)
    missing = sorted(set(seeds) - set(reports))
    if missing:
        log.warning("No report.json for seed(s) %s: the summary covers %s.", missing, sorted(reports))
    write_seed_summary(output_dir, reports, summary_metrics(summarize_seeds(reports)), title)
    log.info("Summary over seeds %s: %s, %s", sorted(reports), os.path.join(output_dir, SUMMARY_MD),
             os.path.join(output_dir, SUMMARY_JSON))
    return os.path.join(output_dir, SUMMARY_MD)
