"""The training run's Keras callbacks."""

import logging
import time

import keras
import numpy as np

log = logging.getLogger("igdtf.training")


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
