"""Every Keras callback of a training run (run.py orders them: the schedule and best-model
updates before the checkpoint that records them).

  PlateauSchedule, BestModel, RunCheckpoint  keep the RunState (checkpoints.py) and save
  ProgressLogger     log lines with steps/s and ETA
  (TensorBoard logs and probes: tensorboard_logger.py's TensorBoardLogger)
  (history.csv: history.py's HistoryFile, epochs numbered from 1 like everything else)
  CollapseDetector, OverfittingGuard  apply collapse.py's and overfitting_guard.py's rules
"""

import logging
import os
import time

import keras
import numpy as np
import tensorflow as tf

from igdtf.runs.atomic import save_model, write_json
from igdtf.runs.collapse_record import read_collapse, write_collapse
from igdtf.runs.files import BEST_FILE, BEST_MODEL_FILE
from igdtf.runs.write_errors import tree_size, writing
from igdtf.stop_signals import StopRequested
from igdtf.training.checkpoints import RunState
from igdtf.training.collapse import PATIENCE, TOLERANCE, CollapseRule
from igdtf.training.overfitting_guard import DEFAULT_DROP, OverfittingRule, fall_back_to_pgd
from igdtf.training.stops import StopCheck

log = logging.getLogger("igdtf.training")
CHECKPOINT_TEMPORARIES = ("*_temp*", "checkpoint.tmp*")  # what a failed tf.train checkpoint write leaves


class PlateauSchedule(keras.callbacks.Callback):
    """Multiplies the learning rate by `factor` after `patience` epochs without the monitored
    validation metric (maximised) improving by more than `min_delta`; Keras' ReduceLROnPlateau
    rule, with its state in RunState so that it survives a restart.

    Adds "lr" (the rate used during the epoch) to the epoch logs.
    """

    def __init__(self, state: RunState, monitor: str, patience: int, factor: float = 0.1,
                 min_delta: float = 1e-4):
        super().__init__()
        self.state, self.monitor, self.patience = state, monitor, patience
        self.factor, self.min_delta = factor, min_delta

    def on_epoch_end(self, epoch, logs=None):
        optimizer = self.model.optimizer
        lr = float(np.asarray(optimizer.learning_rate))
        logs["lr"] = lr
        current = _monitored(logs, self.monitor)
        if current > float(self.state.plateau_best.numpy()) + self.min_delta:
            self.state.plateau_best.assign(current)
            self.state.plateau_wait.assign(0)
            return
        self.state.plateau_wait.assign_add(1)
        if int(self.state.plateau_wait.numpy()) >= self.patience:
            optimizer.learning_rate = lr * self.factor
            self.state.plateau_wait.assign(0)
            log.info("%s has not improved for %d epochs: learning rate %.3g -> %.3g.", self.monitor,
                     self.patience, lr, lr * self.factor)


class BestModel(keras.callbacks.Callback):
    """Saves the student as best.keras (and best.json: epoch, metric, value) whenever the
    monitored validation metric reaches a new maximum."""

    def __init__(self, state: RunState, student: keras.Model, monitor: str, directory: str):
        super().__init__()
        self.state, self.student, self.monitor, self.directory = state, student, monitor, directory

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored(logs, self.monitor)
        if current <= float(self.state.best_value.numpy()):
            return
        self.state.best_value.assign(current)
        self.state.best_epoch.assign(epoch + 1)
        os.makedirs(self.directory, exist_ok=True)
        save_model(self.student, os.path.join(self.directory, BEST_MODEL_FILE))
        write_json(os.path.join(self.directory, BEST_FILE), {"epoch": epoch + 1, "metric": self.monitor,
                                                             "value": current})
        log.info("New best %s = %.4f at epoch %d: saved %s.", self.monitor, current, epoch + 1, BEST_MODEL_FILE)


class RunCheckpoint(keras.callbacks.Callback):
    """Saves a checkpoint with the data position at every epoch end and, if `every_steps` is
    set, every that many steps within an epoch; stops the run when `stop` (stops.StopCheck) says
    so: after the step in progress, with a checkpoint of that position, by raising StopRequested.

    before_last_step: also checkpoint before each epoch's last step, so that a signal during
      that step or the validation after it stops at once (the resumed run redoes the step)
      rather than after the validation. Without it the stop waits for the epoch's end.
    offset: the step at which the current epoch starts (set before a resumed epoch's fit call).
    restore_metrics: called once at the start of the first epoch, after Keras reset the
    metrics, to put back the partial-epoch sums of a mid-epoch checkpoint.
    before_save: called before every save; it raises to refuse one (stops.DivergenceStop's
    check_weights: no checkpoint of NaN weights).
    A refused checkpoint write (full disk) removes its temporary files and raises WriteError.
    """

    def __init__(self, manager: tf.train.CheckpointManager, state: RunState, optimizer,
                 steps_per_epoch: int | None, every_steps: int | None = None, restore_metrics=None,
                 stop: StopCheck | None = None, before_last_step: bool = False, before_save=lambda: None):
        super().__init__()
        self.manager, self.state, self.optimizer = manager, state, optimizer
        self.steps_per_epoch, self.every_steps = steps_per_epoch, every_steps
        self.offset, self.epoch, self.restore_metrics, self.before_save = 0, 0, restore_metrics, before_save
        self.stop, self.before_last_step = stop, bool(before_last_step and steps_per_epoch)
        self.saved = state.position() if manager.latest_checkpoint else None  # the position of the last checkpoint

    def last_checkpoint(self) -> str:
        """Where the last good checkpoint is, in words."""
        if self.saved is None:
            return "No checkpoint was written yet."
        return f"The last good checkpoint, {self.manager.latest_checkpoint} (epoch {self.saved[0] + 1} step " \
               f"{self.saved[1]}), is kept."

    def _save(self, epoch: int, step: int) -> None:
        if self.saved == (epoch, step):
            return
        self.before_save()
        self.state.epoch.assign(epoch)
        self.state.step.assign(step)
        number = int(self.optimizer.iterations.numpy())
        directory = self.manager.directory
        with writing(os.path.join(directory, f"ckpt-{number}"), tree_size(f"{self.manager.latest_checkpoint}.*"),
                     self.last_checkpoint, cleanup=[os.path.join(directory, p) for p in CHECKPOINT_TEMPORARIES]):
            self.manager.save(checkpoint_number=number)
        self.saved = (epoch, step)

    def _stop(self, step: int, at_end: bool = False) -> None:
        where = f"at the end of epoch {self.epoch + 1}" if at_end else f"at epoch {self.epoch + 1} step {step}"
        raise StopRequested(self.stop.signum, where)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if self.restore_metrics is not None:
            self.restore_metrics()
            self.restore_metrics = None

    def on_train_batch_begin(self, batch, logs=None):
        step = self.offset + batch
        if self.before_last_step and 0 < step == self.steps_per_epoch - 1:
            self._save(self.epoch, step)

    def on_train_batch_end(self, batch, logs=None):
        step = self.offset + batch + 1
        last = step >= (self.steps_per_epoch or np.inf)
        if self.every_steps and step % self.every_steps == 0 and not last:
            self._save(self.epoch, step)
        if self.stop is not None and self.stop():
            if not last:
                self._save(self.epoch, step)
                self._stop(step)
            if self.before_last_step:  # the checkpoint before this step (or the epoch's start)
                self._stop(step - 1)

    def on_test_batch_end(self, batch, logs=None):
        if self.before_last_step and self.stop is not None and self.stop.local():
            self._stop(self.steps_per_epoch - 1)

    def on_epoch_end(self, epoch, logs=None):
        self.offset = 0
        self._save(epoch + 1, 0)
        if self.stop is not None and self.stop():
            self._stop(0, at_end=True)


def _monitored(logs, monitor: str) -> float:
    if not logs or monitor not in logs:
        raise ValueError(f"The validation metric {monitor!r} is not in the epoch logs "
                         f"({sorted(logs or {})}); pass validation data.")
    return float(np.mean(logs[monitor]))


class ProgressLogger(keras.callbacks.Callback):
    """One log line every `every` steps (with steps/s and the epoch's ETA) and one per epoch.

    offset: the step at which the current epoch starts (set before a resumed epoch's fit call).
    """

    def __init__(self, name: str, epochs: int, steps_per_epoch: int | None, every: int = 50):
        super().__init__()
        self.name, self.epochs, self.steps, self.every = name, epochs, steps_per_epoch, every
        self.offset = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.start = epoch, time.time()

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every:
            return
        rate = (batch + 1) / (time.time() - self.start)
        step = self.offset + batch + 1
        eta = f", ETA {((self.steps or 0) - step) / rate:.0f} s" if self.steps else ""
        log.info("%s epoch %d/%d step %d%s: %s (%.2f steps/s%s)", self.name, self.epoch + 1,
                 self.epochs, step, f"/{self.steps}" if self.steps else "", _format(logs), rate, eta)

    def on_epoch_end(self, epoch, logs=None):
        log.info("%s epoch %d/%d done in %.0f s: %s", self.name, epoch + 1, self.epochs,
                 time.time() - self.start, _format(logs))
        self.offset = 0


def _format(logs) -> str:
    return ", ".join(f"{k}={float(np.mean(v)):.4f}" for k, v in sorted((logs or {}).items()))


class CollapseDetector(keras.callbacks.Callback):
    """Checks each epoch's logs with collapse.CollapseRule (num_classes, warmup_epochs, patience,
    tolerance) and keeps RUN_DIR/collapse.json (read back on resume, so a streak survives
    restarts); `name` is the run's name in log lines."""

    def __init__(self, run_dir: str, name: str, num_classes: int, warmup_epochs: int = 0,
                 patience: int = PATIENCE, tolerance: float = TOLERANCE):
        super().__init__()
        self.run_dir, self.name = run_dir, name
        self.rule = CollapseRule(num_classes, warmup_epochs, patience, tolerance)
        self.record = read_collapse(run_dir) or self.rule.new_record()

    def on_epoch_end(self, epoch, logs=None):
        if self.rule.update(self.record, epoch + 1, logs or {}, self.name):
            write_collapse(self.run_dir, self.record)


class OverfittingGuard(keras.callbacks.Callback):
    """Watches val_pgd_acc against acc after every epoch (overfitting_guard.py) and acts.

    trainer: the run's trainer (a PGDAT subclass; its training_attack is replaced for "pgd").
    run_dir: where overfitting.json is written (and read back on resume).
    """

    def __init__(self, trainer, run_dir: str, action: str = "log", drop: float = DEFAULT_DROP):
        super().__init__()
        self.trainer, self.rule = trainer, OverfittingRule(run_dir, action, drop)
        if action == "pgd" and self.rule.events:
            fall_back_to_pgd(trainer)

    def on_epoch_end(self, epoch, logs=None):
        if not self.rule.update(epoch + 1, logs or {}):
            return
        if self.rule.action == "stop":
            self.trainer.stop_training = True
        elif self.rule.action == "pgd":
            fall_back_to_pgd(self.trainer)

