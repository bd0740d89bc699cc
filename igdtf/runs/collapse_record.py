"""RUN_DIR/collapse.json: the collapse check of a run's epochs (igdtf.training.collapse applies
the rule), and the report section gathering the records of every run below a folder.

A record holds "collapsed", "events" (each flagged epoch and its reasons), "ce_streak",
"epochs_checked", "rule" and "last_epoch" (the last checked epoch's values and whether it was
flagged: a run may recover from a plateau).
"""

import glob
import os

from igdtf.runs.artefacts import read_json
from igdtf.runs.atomic import write_json
from igdtf.runs.files import COLLAPSE_FILE


def write_collapse(run_dir: str, record: dict) -> None:
    """Writes RUN_DIR/collapse.json (atomically, creating RUN_DIR)."""
    os.makedirs(run_dir, exist_ok=True)
    write_json(os.path.join(run_dir, COLLAPSE_FILE), record)


def read_collapse(run_dir: str) -> dict | None:
    """The collapse record of a run directory, or None if it has none."""
    path = os.path.join(run_dir, COLLAPSE_FILE)
    if not os.path.exists(path):
        return None
    return read_json(path, "Delete it to check the run afresh.")


def collapse_records(output_dir: str) -> dict:
    """{run directory relative to output_dir: record} for every run below output_dir."""
    paths = sorted(glob.glob(os.path.join(output_dir, "**", COLLAPSE_FILE), recursive=True))
    return {os.path.relpath(os.path.dirname(p), output_dir): read_collapse(os.path.dirname(p)) for p in paths}


def collapse_markdown(records: dict) -> list[str]:
    """Markdown lines: every collapsed run and its flagged epochs, or that none collapsed."""
    if not records:
        return []
    collapsed = {run: r for run, r in records.items() if r["collapsed"]}
    if not collapsed:
        return ["", f"Collapse check: none of the {len(records)} training runs collapsed.", ""]
    lines = ["", f"## WARNING: {len(collapsed)} of {len(records)} training runs collapsed", ""]
    for run, record in collapsed.items():
        events = "; ".join(f"epoch {e['epoch']}: {', '.join(e['reasons'])}" for e in record["events"])
        last = record.get("last_epoch", {})
        values = ", ".join(f"{k} {last[k]:.4f}" for k in ("ce", "val_acc") if k in last)
        ending = ("still collapsed at its last epoch" if last.get("flagged") else "recovered") + \
            (f" (epoch {last['epoch']}: {values})" if last else "")
        lines.append(f"- `{run}`: {events}; {ending}")
    return lines + [""]


def attach_collapse(report: dict, output_dir: str) -> list[str]:
    """Adds the collapse records of the runs below output_dir to `report` ("collapse", only if
    there are runs) and returns their markdown lines."""
    records = collapse_records(output_dir)
    if records:
        report["collapse"] = {"any_collapsed": any(r["collapsed"] for r in records.values()), "runs": records}
    return collapse_markdown(records)
