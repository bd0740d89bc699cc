"""Catastrophic-overfitting guard: the known failure of single-step (FGSM) adversarial training.

Catastrophic overfitting (Wong et al. 2020) is a sudden collapse of robustness to multi-step
attacks while accuracy under the single-step training attack keeps rising. After every epoch
the guard compares validation PGD accuracy (`val_pgd_acc`) with its best so far; a fall of more
than `drop` (Wong et al.'s early-stopping rule: 0.2) while the training accuracy under the
training attack (`acc`) is above its value at that best epoch is an event (OverfittingRule;
the training callback is callbacks.OverfittingGuard). Each event is logged at ERROR level and
appended to RUN_DIR/overfitting.json (igdtf/runs/overfitting_record.py); then, by `action`:
  log   nothing more;
  stop  training stops after this epoch (best.keras keeps the best validation epoch);
  pgd   the trainer's training attack falls back to PGD (same ε, the configured PGD steps and
        step size) for the rest of the run, resumed runs included.
"""

import dataclasses
import logging
import os

from igdtf.runs.files import OVERFITTING_FILE
from igdtf.runs.overfitting_record import read_overfitting, write_overfitting

log = logging.getLogger("igdtf.training")

OVERFITTING_ACTIONS = ("log", "stop", "pgd")
DEFAULT_DROP = 0.2


class OverfittingRule:
    """The event rule (module docstring) over a run's epochs, and its record in
    RUN_DIR/overfitting.json (read back on resume)."""

    def __init__(self, run_dir: str, action: str = "log", drop: float = DEFAULT_DROP):
        self.run_dir, self.action, self.drop = run_dir, action, float(drop)
        self.events = read_overfitting(run_dir)
        self.best = None  # (val_pgd_acc, acc, epoch) of the best validation epoch so far

    def update(self, epoch: int, logs: dict) -> bool:
        """Whether 1-based `epoch` (its val_pgd_acc and acc) is an event; an event is logged at
        ERROR level and recorded."""
        if "val_pgd_acc" not in logs or "acc" not in logs:
            return False
        robust, train = float(logs["val_pgd_acc"]), float(logs["acc"])
        if self.best is None or robust > self.best[0]:
            self.best = (robust, train, epoch)
            return False
        if robust < self.best[0] - self.drop and train > self.best[1]:
            self._record(epoch, robust, train)
            return True
        return False

    def _record(self, epoch: int, robust: float, train: float) -> None:
        best_robust, best_train, best_epoch = self.best
        event = {"epoch": epoch, "val_pgd_acc": robust, "best_val_pgd_acc": best_robust, "best_epoch": best_epoch,
                 "acc": train, "best_acc": best_train, "action": self.action}
        log.error("CATASTROPHIC OVERFITTING in epoch %d: validation PGD accuracy %.3f fell from %.3f (epoch %d) "
                  "while accuracy under the training attack rose from %.3f to %.3f; action: %s (%s).", epoch,
                  robust, best_robust, best_epoch, best_train, train, self.action, os.path.join(
                      self.run_dir, OVERFITTING_FILE))
        self.events.append(event)
        write_overfitting(self.run_dir, self.events)


def fall_back_to_pgd(trainer) -> None:
    """Replaces the trainer's training attack by PGD (same ε, steps and step size) for the rest
    of the run; nothing if it is PGD already."""
    attack = trainer.training_attack
    if attack.kind == "pgd":
        return
    trainer.training_attack = dataclasses.replace(attack, kind="pgd")
    trainer.make_train_function(force=True)  # Keras looks the function up at every step
    log.warning("Training attack: %s → pgd for the rest of the run.", attack.kind)
