"""TensorBoard: a thin Keras callback that writes training logs and runs evaluators.

Scalars (tags):
  train/<metric>   every `every_steps` optimizer steps: each loss term the trainer reports
                   (loss, ce, the method's penalty terms, acc) and train/lr
  epoch/<metric>   every epoch: the epoch averages, the validation metrics (val_acc,
                   val_pgd_acc, ...), lr, and each evaluator's mean on the probe images
                   (e.g. epoch/probe_gini_global, epoch/probe_gini_regional)
Images: probe/images once, probe/saliency every epoch (|∂f_y/∂x|, max over channels,
scaled to [0, 1] per image). Hparams: the run's settings, written when training starts.
Steps are optimizer steps and epoch numbers, so a resumed run continues the same curves.
"""

import keras
import numpy as np
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

from igdtf.attributions import saliency
from igdtf.evaluation.outcomes import MEAN


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


def saliency_images(model, images, labels) -> tf.Tensor:
    """[N, H, W, 1] saliency maps (max over channels), each scaled to [0, 1]."""
    maps = tf.reduce_max(saliency(model, images, labels), axis=-1, keepdims=True)
    peak = tf.reduce_max(maps, axis=[1, 2, 3], keepdims=True)
    return maps / tf.where(peak > 0, peak, 1.0)


class TensorBoardLogger(keras.callbacks.Callback):
    """Writes the scalars, images and hparams listed in the module docstring to `log_dir`.

    Args:
      log_dir: the event-file folder.
      hparams: the run's settings (nested dicts are flattened).
      probe: (images [N, H, W, C] in [0, 1], labels [N]) evaluated every epoch, or None.
      evaluators: evaluators run on the probe every epoch (their MEAN outcomes are logged).
      every_steps: period of the per-step scalars.
      max_images: probe images shown as images.
    """

    def __init__(self, log_dir: str, hparams: dict, probe=None, evaluators=(), every_steps: int = 50,
                 max_images: int = 4):
        super().__init__()
        self.log_dir = log_dir
        self.hparams = hparam_values(hparams)
        self.probe = None if probe is None else (np.asarray(probe[0], np.float32), np.asarray(probe[1], np.int32))
        self.evaluators = tuple(evaluators)
        self.every_steps = every_steps
        self.max_images = max_images
        self.writer = None

    @property
    def student(self):
        return getattr(self.model, "student", self.model)

    def _step(self) -> int:
        return int(self.model.optimizer.iterations.numpy())

    def _lr(self) -> float:
        return float(np.asarray(self.model.optimizer.learning_rate))

    def on_train_begin(self, logs=None):
        if self.writer is not None:  # a later fit call of the same run
            return
        self.writer = tf.summary.create_file_writer(self.log_dir)
        with self.writer.as_default():
            hparams_api.hparams(self.hparams)
            if self.probe is not None:
                tf.summary.image("probe/images", self.probe[0][: self.max_images], step=0,
                                 max_outputs=self.max_images)

    def on_train_batch_end(self, batch, logs=None):
        step = self._step()
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
            if self.probe is not None:
                self._write_probe(epoch + 1)
        self.writer.flush()

    def _write_probe(self, step: int) -> None:
        images, labels = self.probe
        batches = tf.data.Dataset.from_tensor_slices((images, labels)).batch(len(labels))
        for evaluator in self.evaluators:
            for name, outcome in evaluator.run(self.student, batches).items():
                if outcome.summary == MEAN:
                    tf.summary.scalar(f"epoch/probe_{name}", float(np.mean(outcome.values)), step=step)
        shown = slice(0, self.max_images)
        maps = saliency_images(self.student, tf.constant(images[shown]), tf.constant(labels[shown]))
        tf.summary.image("probe/saliency", maps, step=step, max_outputs=self.max_images)

    def on_train_end(self, logs=None):
        self.writer.flush()
