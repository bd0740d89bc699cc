"""Catastrophic-overfitting guard: the known failure of single-step (FGSM) adversarial training.

Catastrophic overfitting (Wong et al. 2020) is a sudden collapse of robustness to multi-step
attacks while accuracy under the single-step training attack keeps rising. After every epoch
the guard compares validation PGD accuracy (`val_pgd_acc`) with its best so far; a fall of more
than `drop` (Wong et al.'s early-stopping rule: 0.2) while the training accuracy under the
training attack (`acc`) is above its value at that best epoch is an event. Each event is
logged at ERROR level and appended to RUN_DIR/overfitting.json; then, by `action`:
  log   nothing more;
  stop  training stops after this epoch (best.keras keeps the best validation epoch);
  pgd   the trainer's training attack falls back to PGD (same ε, the configured PGD steps and
        step size) for the rest of the run, resumed runs included.
"""

import dataclasses
import logging
import os

import keras

from igdtf.artefacts import read_json
from igdtf.atomic import write_json
from igdtf.training.run_dir import OVERFITTING_FILE

log = logging.getLogger("igdtf.training")

OVERFITTING_ACTIONS = ("log", "stop", "pgd")
DEFAULT_DROP = 0.2


def read_overfitting(run_dir: str) -> list:
    """The events recorded in RUN_DIR/overfitting.json ([] if none), each a dict with epoch
    (1-based), val_pgd_acc, best_val_pgd_acc, best_epoch, acc, best_acc, action."""
    path = os.path.join(run_dir, OVERFITTING_FILE)
    if not os.path.exists(path):
        return []
    return read_json(path)["events"]


class OverfittingGuard(keras.callbacks.Callback):
    """Watches val_pgd_acc against acc after every epoch (see module docstring).

    trainer: the run's trainer (a PGDAT subclass; its training_attack is replaced for "pgd").
    run_dir: where overfitting.json is written (and read back on resume).
    """

    def __init__(self, trainer, run_dir: str, action: str = "log", drop: float = DEFAULT_DROP):
        super().__init__()
        self.trainer, self.run_dir, self.action, self.drop = trainer, run_dir, action, float(drop)
        self.events = read_overfitting(run_dir)
        self.best = None  # (val_pgd_acc, acc, epoch) of the best validation epoch so far
        if self.action == "pgd" and self.events:
            self._fall_back()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if "val_pgd_acc" not in logs or "acc" not in logs:
            return
        robust, train = float(logs["val_pgd_acc"]), float(logs["acc"])
        if self.best is None or robust > self.best[0]:
            self.best = (robust, train, epoch + 1)
            return
        if robust < self.best[0] - self.drop and train > self.best[1]:
            self._record(epoch + 1, robust, train)

    def _record(self, epoch: int, robust: float, train: float) -> None:
        best_robust, best_train, best_epoch = self.best
        event = {"epoch": epoch, "val_pgd_acc": robust, "best_val_pgd_acc": best_robust, "best_epoch": best_epoch,
                 "acc": train, "best_acc": best_train, "action": self.action}
        log.error("CATASTROPHIC OVERFITTING in epoch %d: validation PGD accuracy %.3f fell from %.3f (epoch %d) "
                  "while accuracy under the training attack rose from %.3f to %.3f; action: %s (%s).", epoch,
                  robust, best_robust, best_epoch, best_train, train, self.action, os.path.join(
                      self.run_dir, OVERFITTING_FILE))
        self.events.append(event)
        os.makedirs(self.run_dir, exist_ok=True)
        write_json(os.path.join(self.run_dir, OVERFITTING_FILE), {"events": self.events})
        if self.action == "stop":
            self.trainer.stop_training = True
        elif self.action == "pgd":
            self._fall_back()

    def _fall_back(self) -> None:
        attack = self.trainer.training_attack
        if attack.kind == "pgd":
            return
        self.trainer.training_attack = dataclasses.replace(attack, kind="pgd")
        self.trainer.train_function = None  # retraced with PGD by the next fit call
        log.warning("Training attack: %s → pgd for the rest of the run.", attack.kind)
