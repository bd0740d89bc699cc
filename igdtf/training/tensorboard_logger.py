"""The TensorBoard callback of a training run (run.py adds it when given TensorBoardOptions).

Scalars (tags), in LOG_DIR:
  train/<metric>   every `every_steps` optimizer steps: each loss term the trainer reports
                   (loss, ce, the method's penalty terms, acc) and train/lr
  epoch/<metric>   every epoch: the epoch averages, the validation metrics (val_acc,
                   val_pgd_acc, ...) and lr
Hparams: the run's settings, written when training starts. Steps are optimizer steps and epoch
numbers, so a resumed run continues the same curves. Probes (the callers' objects with
start(log_dir, writer) and write(model, epoch), e.g. igdtf.evaluation.reporting.tensorboard.Probe) write
their own tags.
"""

import keras
import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api


def hparam_values(settings: dict, prefix: str = "") -> dict:
    """Flattens nested settings into TensorBoard hparams (bool, int, float or str values)."""
    flat = {}
    for key, value in settings.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(hparam_values(value, f"{name}."))
        elif isinstance(value, (bool, int, float, str)):
            flat[name] = value
        elif value is None:
            flat[name] = "none"
        else:
            flat[name] = str(value)
    return flat


class TensorBoardLogger(keras.callbacks.Callback):
    """Writes train/* and epoch/* scalars, hparams and `probes` to `log_dir` (module docstring).

    Args:
      log_dir: the event-file folder.
      hparams: the run's settings (nested dicts are flattened), or None for none.
      every_steps: period of the train/* scalars in optimizer steps (0: none).
      probes: fixed subsets evaluated at epoch ends (evaluation.tensorboard.Probe, SuiteProbe),
        given the trained model's `student` (igdtf trainers) or the trained model itself.
    """

    def __init__(self, log_dir: str, hparams: dict | None = None, every_steps: int = 50, probes=()):
        super().__init__()
        self.log_dir, self.every_steps, self.probes = log_dir, every_steps, tuple(probes)
        self.hparams = None if hparams is None else hparam_values(hparams)
        self.writer = None

    def _lr(self) -> float:
        return float(np.asarray(self.model.optimizer.learning_rate))

    def on_train_begin(self, logs=None):
        if self.writer is not None:  # a later fit call of the same run
            return
        self.writer = tf.summary.create_file_writer(self.log_dir)
        if self.hparams is not None:
            with self.writer.as_default():
                hparams_api.hparams(self.hparams)
        for probe in self.probes:
            probe.start(self.log_dir, self.writer)

    def on_train_batch_end(self, batch, logs=None):
        step = int(self.model.optimizer.iterations.numpy())
        if not self.every_steps or step % self.every_steps:
            return
        with self.writer.as_default():
            for name, value in (logs or {}).items():
                tf.summary.scalar(f"train/{name}", float(np.mean(value)), step=step)
            tf.summary.scalar("train/lr", self._lr(), step=step)

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        logs.setdefault("lr", self._lr())
        with self.writer.as_default():
            for name, value in logs.items():
                tf.summary.scalar(f"epoch/{name}", float(np.mean(value)), step=epoch + 1)
        for probe in self.probes:
            probe.write(getattr(self.model, "student", self.model), epoch + 1)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.flush()
