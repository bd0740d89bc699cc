"""Collapse detection: a run whose model has stopped telling classes apart.

A classifier that predicts the same distribution for every input has a training cross-entropy of
ln K (K classes, balanced data) and chance validation accuracy. `CollapseDetector` checks every
epoch of every training run (training.py adds it) and flags the run when, after the warm-up,

  - the training CE lies within `tolerance` (1 %) of ln K for `patience` (2) consecutive epochs, or
  - the validation accuracy is at chance: val_acc ≤ 1/K + `tolerance`.

It logs a loud warning and keeps RUN_DIR/collapse.json up to date (epochs checked, the current
streak, every flagged epoch, the last epoch's values: a run may recover from a plateau). Reports gather these files (`attach_collapse`) into report.json
("collapse") and a section of report.md.
"""

import glob
import logging
import math
import os

import keras

from igdtf.artefacts import read_json
from igdtf.atomic import write_json
from igdtf.training.run_dir import COLLAPSE_FILE

log = logging.getLogger("igdtf.collapse")

TOLERANCE = 0.01
PATIENCE = 2


def near_uniform_ce(ce: float, num_classes: int, tolerance: float = TOLERANCE) -> bool:
    """Whether a mean cross-entropy (nats) is within `tolerance`·ln K of ln K."""
    return abs(ce - math.log(num_classes)) <= tolerance * math.log(num_classes)


def at_chance(accuracy: float, num_classes: int, tolerance: float = TOLERANCE) -> bool:
    """Whether an accuracy in [0, 1] is no better than guessing: ≤ 1/K + `tolerance`."""
    return accuracy <= 1.0 / num_classes + tolerance


class CollapseDetector(keras.callbacks.Callback):
    """Checks each epoch's logs ("ce", and "val_acc" when validating) for a collapse.

    Args:
      run_dir: where collapse.json is kept (read back on resume, so a streak survives restarts).
      name: the run's name in log lines.
      num_classes: K.
      warmup_epochs: epochs (1-based count) not checked, e.g. an ε or IGAM warm-up.
    """

    def __init__(self, run_dir: str, name: str, num_classes: int, warmup_epochs: int = 0,
                 patience: int = PATIENCE, tolerance: float = TOLERANCE):
        super().__init__()
        self.path = os.path.join(run_dir, COLLAPSE_FILE)
        self.name, self.num_classes, self.warmup_epochs = name, num_classes, warmup_epochs
        self.patience, self.tolerance = patience, tolerance
        self.record = read_collapse(run_dir) or {
            "collapsed": False, "events": [], "ce_streak": 0, "epochs_checked": [],
            "rule": f"after {warmup_epochs} warm-up epochs: training CE within {100 * tolerance:g} % of "
                    f"ln {num_classes} = {math.log(num_classes):.4f} for {patience} epochs in a row, or "
                    f"val_acc <= 1/{num_classes} + {tolerance:g}"}

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if epoch + 1 <= self.warmup_epochs or epoch + 1 in self.record["epochs_checked"]:
            return
        record, reasons = self.record, []
        record["epochs_checked"].append(epoch + 1)
        if "ce" in logs:
            record["ce_streak"] = record["ce_streak"] + 1 if near_uniform_ce(float(logs["ce"]), self.num_classes,
                                                                              self.tolerance) else 0
            if record["ce_streak"] >= self.patience:
                reasons.append(f"training CE {float(logs['ce']):.4f} within {100 * self.tolerance:g} % of "
                               f"ln {self.num_classes} for {record['ce_streak']} epochs")
        if "val_acc" in logs and at_chance(float(logs["val_acc"]), self.num_classes, self.tolerance):
            reasons.append(f"val_acc {float(logs['val_acc']):.4f} at chance (1/{self.num_classes})")
        record["last_epoch"] = {"epoch": epoch + 1, "flagged": bool(reasons),
                                **{k: float(logs[k]) for k in ("ce", "val_acc") if k in logs}}
        if reasons:
            record["collapsed"] = True
            record["events"].append({"epoch": epoch + 1, "reasons": reasons})
            log.warning("!!! COLLAPSE: %s epoch %d: %s. The model predicts (nearly) one distribution for every "
                        "input; lower the learning rate, raise the batch count or add a warm-up.",
                        self.name, epoch + 1, "; ".join(reasons))
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        write_json(self.path, record)


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
