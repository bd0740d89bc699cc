"""Why a training run stops early: a stop signal (StopCheck, acted on by callbacks.RunCheckpoint)
or a diverged loss (DivergenceStop).

StopCheck answers "stop now?" after a step. On one process it reads the flag stop_signals.py
sets; on a multi-worker run every worker asks at the same points, and an all-reduce of the
flags makes them agree, so all of them save the same checkpoint (a collective save) and stop
together even when the scheduler signalled one worker only (the equivalent of TensorFlow's
PreemptionCheckpointHandler for Keras' fit loop, one scalar all-reduce per step).
"""

import logging
import math
import signal

import keras
import numpy as np
import tensorflow as tf

from igdtf.distribute import in_multi_worker_mode, replica_sum
from igdtf.errors import TrainingDiverged
from igdtf.stop_signals import requested_signal

log = logging.getLogger("igdtf.training")


class StopCheck:
    """Whether the run must stop: the stop signal received (here or, on a multi-worker run, by
    any worker), in `signum` after a call that answered True."""

    def __init__(self, strategy: tf.distribute.Strategy):
        self.count = replica_sum(strategy) if in_multi_worker_mode(strategy) else None
        self.signum: int | None = None

    def local(self) -> bool:
        """This process's answer, without asking the other workers."""
        self.signum = self.signum or requested_signal()
        return self.signum is not None

    def __call__(self) -> bool:
        """The answer every worker agrees on (each worker must call it at the same point)."""
        here = self.local()
        if self.count is None:
            return here
        anywhere = self.count(int(here)) > 0
        if anywhere and not here:
            self.signum = signal.SIGTERM  # another worker was signalled: reported as SIGTERM
        return anywhere


class DivergenceStop(keras.callbacks.Callback):
    """Raises TrainingDiverged at the first step whose training loss is NaN or infinite, before
    any later callback (the checkpoint) records the broken weights; `check_weights` (called
    before every checkpoint and at each epoch's end, before the best model and history.csv are
    written) does the same when an update left a weight NaN or infinite after a finite loss.

    Under mixed_float16 the loss-scale optimizer skips a step whose gradients overflow and lowers
    its scale, so there a non-finite loss stops the run only when the weights became non-finite.

    name: the run's name in the message; learning_rate: the initial rate (named as what to lower);
    last_checkpoint: a function returning the description of the last good checkpoint;
    offset: the step at which the current epoch starts (set before a resumed epoch's fit call).
    """

    def __init__(self, name: str, learning_rate: float, mixed_precision: bool, student: keras.Model,
                 last_checkpoint):
        super().__init__()
        self.name, self.learning_rate, self.mixed_precision = name, learning_rate, mixed_precision
        self.student, self.last_checkpoint = student, last_checkpoint
        self.offset, self.epoch, self.step = 0, 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.step = epoch, self.offset

    def on_epoch_end(self, epoch, logs=None):
        self.check_weights()
        self.offset = 0

    def on_train_batch_end(self, batch, logs=None):
        self.step = self.offset + batch + 1
        if not logs or "loss" not in logs:
            return
        loss = float(np.mean(logs["loss"]))
        if math.isfinite(loss):
            return
        if self.mixed_precision and _finite(self.student.weights):
            log.warning("%s: loss %s at epoch %d step %d; the loss-scale optimizer skipped the step.", self.name,
                        loss, self.epoch + 1, self.step)
            return
        raise self._diverged(f"the training loss became {loss}")

    def check_weights(self) -> None:
        """TrainingDiverged if a weight of the student is NaN or infinite."""
        if not _finite(self.student.weights):
            raise self._diverged("a weight became NaN or infinite")

    def _diverged(self, what: str) -> TrainingDiverged:
        return TrainingDiverged(
            f"{self.name}: {what} at epoch {self.epoch + 1} step {self.step} (the run diverged); lower the learning "
            f"rate (--learning_rate, {self.learning_rate:g} here), e.g. tenfold, and train into a new --output_dir. "
            f"{self.last_checkpoint()}")


def _finite(weights) -> bool:
    """Whether every value of every variable in `weights` is finite."""
    return all(np.isfinite(np.asarray(weight)).all() for weight in weights)
