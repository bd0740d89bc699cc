"""igam_transfer over several seeds: OUTPUT_DIR/summary.json and summary.md from the per-seed reports.

The summary (evaluation/reporting/seed_summary.py: every model's metrics as mean ± std and min–max, the
claims counted over seeds) gains the per-seed rows of the three models, the seeds whose IGAM
student failed to train (evaluation/reporting/student_check.py) and the collapse check of every run below
OUTPUT_DIR (training/collapse.py).
"""

import logging
import os

from igdtf.evaluation.reporting.seed_summary import SUMMARY_JSON, SUMMARY_MD, summarize_seeds
from igdtf.evaluation.reporting.student_check import REPORT_KEY
from igdtf.runs.atomic import write_json, write_text
from igdtf.runs.collapse_record import attach_collapse

log = logging.getLogger("igdtf.igam_transfer")



def spread_rows(summary: dict) -> list[str]:
    """Markdown table: a row per model, its clean and PGD accuracy (%) as mean ± std (min–max)."""
    def cell(stats: dict) -> str:
        return f"{100 * stats['mean']:.1f} ± {100 * stats['std']:.1f} ({100 * stats['min']:.1f}–{100 * stats['max']:.1f})"

    lines = ["| model | clean acc (%) | PGD acc (%) |", "|---|---|---|"]
    return lines + [f"| {model} | {cell(metrics['clean_acc'])} | {cell(metrics['pgd_acc'])} |"
                    for model, metrics in summary["models"].items()]


def claim_rows(summary: dict) -> list[str]:
    """Markdown lines: each claim and the seeds it holds in."""
    return [f"- {claim['statement']}: holds in {claim['holds_in']} of {claim['of']} seeds"
            f"{'' if claim['holds_in'] == claim['of'] else ' (NOT in every seed)'}."
            for claim in summary.get("claims", {}).values()]


def per_seed_rows(reports: dict[int, dict]) -> list[str]:
    """Markdown table: a row per seed with every model's clean and PGD accuracy (%), the IGAM
    student's PGD accuracy over the teacher's and its student check."""
    models = list(next(iter(reports.values()))["results"]["models"])
    header = " | ".join(f"{name} clean | {name} PGD" for name in models)
    lines = [f"| seed | {header} | IGAM PGD / teacher PGD | student check |", "|---|" + "---|" * (2 * len(models) + 2)]
    for seed, report in sorted(reports.items()):
        table, target = report["results"]["models"], report["results"]["target"]
        cells = " | ".join(f"{100 * table[m]['clean_acc']:.1f} | {100 * table[m]['pgd_acc']:.1f}" for m in models)
        fraction = target["igam_pgd_over_teacher_pgd"]
        check = report[REPORT_KEY]
        verdict = f"FAILED ({100 * check['gap']:+.1f} points)" if check["flagged"] else "ok"
        lines.append(f"| {seed} | {cells} | {'n/a' if fraction is None else f'{100 * fraction:.0f} %'} | {verdict} |")
    return lines


def failed_students(reports: dict[int, dict]) -> dict:
    """{"flagged_seeds": [seeds whose IGAM student failed to train], "of": seeds, "max_gap", "rule"}."""
    checks = {seed: report[REPORT_KEY] for seed, report in sorted(reports.items())}
    any_check = next(iter(checks.values()))
    return {"flagged_seeds": [seed for seed, check in checks.items() if check["flagged"]], "of": len(checks),
            "max_gap": any_check["max_gap"], "rule": any_check["rule"]}


def write_igam_summary(output_dir: str, reports: dict[int, dict]) -> dict:
    """Writes OUTPUT_DIR/summary.md and then summary.json (atomically) for {seed: report of
    run_seed}, logs a loud warning if a seed's student failed, prints the markdown and returns
    the summary."""
    summary = summarize_seeds(reports)
    failed = failed_students(reports)
    summary[REPORT_KEY] = failed
    seeds = ", ".join(map(str, summary["seeds"]))
    text = "\n".join([f"# IGAM on Shapes over seeds {seeds}", "",
                      f"{len(reports)} seeds; ± is the {summary['std']}, (min–max) over the seeds; every seed's "
                      "report is in seed_<s>/report.md.", "", *spread_rows(summary), "", *claim_rows(summary), "",
                      "## Per seed (%)", "", *per_seed_rows(reports), ""])
    if failed["flagged_seeds"]:
        flagged = ", ".join(map(str, failed["flagged_seeds"]))
        log.warning("!!! STUDENT FAILED: the IGAM student failed to train in %d of %d seeds (%s); %s.",
                    len(failed["flagged_seeds"]), failed["of"], flagged, failed["rule"])
        text += "\n".join(["", f"## WARNING: the IGAM student failed to train in {len(failed['flagged_seeds'])} of "
                               f"{failed['of']} seeds (seed {flagged})", "", f"Rule: {failed['rule']}.", ""])
    text += "\n".join(attach_collapse(summary, output_dir))
    write_text(os.path.join(output_dir, SUMMARY_MD), text)
    write_json(os.path.join(output_dir, SUMMARY_JSON), summary, default=str)
    print(text)
    return summary
