"""What makes a run resumable exactly: its state, and the callbacks that keep it (its identity and
settings are in run_record.py).

RunState holds, as tf.Variables saved in every checkpoint, everything about a run that is not a
weight or an optimizer slot: the data position (epoch, step within it), the learning-rate
schedule's state (reduce-on-plateau best value and wait count) and the best validation value so
far. Random numbers need no state of their own: training draws from stateless seeds derived
from the seed and the optimizer's step counter (in the checkpoint), and data order and
augmentation from (seed, epoch, element index) (pipeline.EpochBatches).
"""

import logging
import os

import keras
import numpy as np
import tensorflow as tf

from igdtf.atomic import save_model, write_json
from igdtf.training.run_dir import BEST_FILE, BEST_MODEL_FILE

log = logging.getLogger("igdtf.training")


class RunState(tf.Module):
    """Epoch, step in epoch, plateau best and wait, best validation value and its epoch."""

    def __init__(self):
        super().__init__(name="run_state")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step_in_epoch")
        self.plateau_best = tf.Variable(-np.inf, dtype=tf.float64, trainable=False, name="plateau_best")
        self.plateau_wait = tf.Variable(0, dtype=tf.int64, trainable=False, name="plateau_wait")
        self.best_value = tf.Variable(-np.inf, dtype=tf.float64, trainable=False, name="best_value")
        self.best_epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="best_epoch")

    def position(self) -> tuple[int, int]:
        """(epoch, step within it) of the next training step."""
        return int(self.epoch.numpy()), int(self.step.numpy())


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
    set, every that many steps within an epoch.

    offset: the step at which the current epoch starts (set before a resumed epoch's fit call).
    restore_metrics: called once at the start of the first epoch, after Keras reset the
    metrics, to put back the partial-epoch sums of a mid-epoch checkpoint.
    """

    def __init__(self, manager: tf.train.CheckpointManager, state: RunState, optimizer,
                 steps_per_epoch: int | None, every_steps: int | None = None, restore_metrics=None):
        super().__init__()
        self.manager, self.state, self.optimizer = manager, state, optimizer
        self.steps_per_epoch, self.every_steps = steps_per_epoch, every_steps
        self.offset = 0
        self.restore_metrics = restore_metrics
        self.epoch = 0

    def _save(self, epoch: int, step: int) -> None:
        self.state.epoch.assign(epoch)
        self.state.step.assign(step)
        self.manager.save(checkpoint_number=int(self.optimizer.iterations.numpy()))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if self.restore_metrics is not None:
            self.restore_metrics()
            self.restore_metrics = None

    def on_train_batch_end(self, batch, logs=None):
        step = self.offset + batch + 1
        if self.every_steps and step % self.every_steps == 0 and step < (self.steps_per_epoch or np.inf):
            self._save(self.epoch, step)

    def on_epoch_end(self, epoch, logs=None):
        self.offset = 0
        self._save(epoch + 1, 0)


def _monitored(logs, monitor: str) -> float:
    if not logs or monitor not in logs:
        raise ValueError(f"The validation metric {monitor!r} is not in the epoch logs "
                         f"({sorted(logs or {})}); pass validation data.")
    return float(np.mean(logs[monitor]))
