"""RUN_DIR/overfitting.json: the catastrophic-overfitting events of a run
(igdtf.training.overfitting_guard detects them), {"events": [...]}."""

import os

from igdtf.runs.artefacts import read_json
from igdtf.runs.atomic import write_json
from igdtf.runs.files import OVERFITTING_FILE


def read_overfitting(run_dir: str) -> list:
    """The events recorded in RUN_DIR/overfitting.json ([] if none), each a dict with epoch
    (1-based), val_pgd_acc, best_val_pgd_acc, best_epoch, acc, best_acc, action."""
    path = os.path.join(run_dir, OVERFITTING_FILE)
    if not os.path.exists(path):
        return []
    return read_json(path)["events"]


def write_overfitting(run_dir: str, events: list) -> None:
    """Writes every event of the run to RUN_DIR/overfitting.json (atomically, creating RUN_DIR)."""
    os.makedirs(run_dir, exist_ok=True)
    write_json(os.path.join(run_dir, OVERFITTING_FILE), {"events": events})
