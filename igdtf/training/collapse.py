"""Collapse detection: a run whose model has stopped telling classes apart.

A classifier that predicts the same distribution for every input has a training cross-entropy of
ln K (K classes, balanced data) and chance validation accuracy. callbacks.CollapseDetector checks
every epoch of every training run (run.py adds it) with CollapseRule and flags the run when,
after the warm-up,

  - the training CE lies within `tolerance` (1 %) of ln K for `patience` (2) consecutive epochs, or
  - the validation accuracy is at chance: val_acc ≤ 1/K + `tolerance`.

It logs a loud warning and keeps RUN_DIR/collapse.json up to date (epochs checked, the current
streak, every flagged epoch, the last epoch's values: a run may recover from a plateau;
igdtf/runs/collapse_record.py). Reports gather these files (`attach_collapse`) into report.json
("collapse") and a section of report.md.
"""

import logging
import math

log = logging.getLogger("igdtf.collapse")

TOLERANCE = 0.01
PATIENCE = 2


def near_uniform_ce(ce: float, num_classes: int, tolerance: float = TOLERANCE) -> bool:
    """Whether a mean cross-entropy (nats) is within `tolerance`·ln K of ln K."""
    return abs(ce - math.log(num_classes)) <= tolerance * math.log(num_classes)


def at_chance(accuracy: float, num_classes: int, tolerance: float = TOLERANCE) -> bool:
    """Whether an accuracy in [0, 1] is no better than guessing: ≤ 1/K + `tolerance`."""
    return accuracy <= 1.0 / num_classes + tolerance


class CollapseRule:
    """The collapse rule of one run (module docstring) applied to its epochs' logs.

    Args:
      num_classes: K.
      warmup_epochs: epochs (1-based count) not checked, e.g. an ε or IGAM warm-up.
    """

    def __init__(self, num_classes: int, warmup_epochs: int = 0, patience: int = PATIENCE,
                 tolerance: float = TOLERANCE):
        self.num_classes, self.warmup_epochs = num_classes, warmup_epochs
        self.patience, self.tolerance = patience, tolerance

    def new_record(self) -> dict:
        """The collapse record of a run no epoch of which was checked yet."""
        return {"collapsed": False, "events": [], "ce_streak": 0, "epochs_checked": [],
                "rule": f"after {self.warmup_epochs} warm-up epochs: training CE within {100 * self.tolerance:g} % "
                        f"of ln {self.num_classes} = {math.log(self.num_classes):.4f} for {self.patience} epochs in "
                        f"a row, or val_acc <= 1/{self.num_classes} + {self.tolerance:g}"}

    def update(self, record: dict, epoch: int, logs: dict, name: str) -> bool:
        """Checks 1-based `epoch`'s logs ("ce", and "val_acc" when validating) into `record`,
        warning loudly (naming run `name`) if it is flagged. False if the epoch is not checked:
        a warm-up epoch, or one `record` already holds (a resumed run)."""
        if epoch <= self.warmup_epochs or epoch in record["epochs_checked"]:
            return False
        record["epochs_checked"].append(epoch)
        reasons, k = [], self.num_classes
        if "ce" in logs:
            record["ce_streak"] = record["ce_streak"] + 1 if near_uniform_ce(float(logs["ce"]), k, self.tolerance) \
                else 0
            if record["ce_streak"] >= self.patience:
                reasons.append(f"training CE {float(logs['ce']):.4f} within {100 * self.tolerance:g} % of "
                               f"ln {k} for {record['ce_streak']} epochs")
        if "val_acc" in logs and at_chance(float(logs["val_acc"]), k, self.tolerance):
            reasons.append(f"val_acc {float(logs['val_acc']):.4f} at chance (1/{k})")
        record["last_epoch"] = {"epoch": epoch, "flagged": bool(reasons),
                                **{key: float(logs[key]) for key in ("ce", "val_acc") if key in logs}}
        if reasons:
            record["collapsed"] = True
            record["events"].append({"epoch": epoch, "reasons": reasons})
            log.warning("!!! COLLAPSE: %s epoch %d: %s. The model predicts (nearly) one distribution for every "
                        "input; lower the learning rate, raise the batch count or add a warm-up.",
                        name, epoch, "; ".join(reasons))
        return True
