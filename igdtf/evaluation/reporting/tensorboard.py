"""TensorBoard probes: fixed subsets evaluated at epoch ends by the training runs' TensorBoard
callback (igdtf/training/tensorboard_logger.py, which lists the scalars it writes itself); the
recipes pass them in TensorBoardOptions(probes=...). Each has start(log_dir, writer), called
when training starts, and write(model, epoch):
  Probe       the training runs' probe, in LOG_DIR every epoch: each evaluator's mean on the
              probe images (epoch/probe_<name>, e.g. epoch/probe_gini_global), probe/images
              once, probe/saliency (|∂f_y/∂x|, max over channels, scaled to [0, 1] per image)
  SuiteProbe  evaluation suites every `every_n_epochs` epochs, in LOG_DIR/evaluation:
              "eval/<name>" for every summarised outcome ("eval/ina1@0.01" for curve points),
              with robustness errors on the subset samples the model classifies correctly at
              that epoch; "attribution/<name>" (each map |A| summed over channels, scaled to
              [0, 1]) for the first `num_images` images, and those images once as "images"
"""

import numpy as np
import tensorflow as tf

from igdtf.attributions import saliency
from igdtf.evaluation.reporting.figures import attribution_maps
from igdtf.evaluation.metrics.outcomes import MEAN
from igdtf.evaluation.evaluators.protocol import compare_models
from igdtf.evaluation.evaluators.suites import SuiteSettings, build_evaluators, check_suites
from igdtf.validation import check_positive_int


def saliency_images(model, images, labels) -> tf.Tensor:
    """[N, H, W, 1] saliency maps (max over channels), each scaled to [0, 1]."""
    maps = tf.reduce_max(saliency(model, images, labels), axis=-1, keepdims=True)
    peak = tf.reduce_max(maps, axis=[1, 2, 3], keepdims=True)
    return maps / tf.where(peak > 0, peak, 1.0)


class Probe:
    """Probe images (module docstring): images [N, H, W, C] in [0, 1], labels [N]; `evaluators`
    run on them every epoch (their MEAN outcomes are logged); `max_images` shown as images."""

    def __init__(self, images, labels, evaluators=(), max_images: int = 4):
        self.images, self.labels = np.asarray(images, np.float32), np.asarray(labels, np.int32)
        self.evaluators, self.max_images = tuple(evaluators), max_images
        self.writer = None

    def start(self, log_dir: str, writer) -> None:
        self.writer = writer
        with writer.as_default():
            tf.summary.image("probe/images", self.images[: self.max_images], step=0, max_outputs=self.max_images)

    def write(self, model, step: int) -> None:
        batches = tf.data.Dataset.from_tensor_slices((self.images, self.labels)).batch(len(self.labels))
        with self.writer.as_default():
            for evaluator in self.evaluators:
                for name, outcome in evaluator.run(model, batches).items():
                    if outcome.summary == MEAN:
                        tf.summary.scalar(f"epoch/probe_{name}", float(np.mean(outcome.values)), step=step)
            shown = slice(0, self.max_images)
            maps = saliency_images(model, tf.constant(self.images[shown]), tf.constant(self.labels[shown]))
            tf.summary.image("probe/saliency", maps, step=step, max_outputs=self.max_images)


def training_probes(probe: tuple | None, evaluators=()) -> tuple:
    """The probes of TensorBoardOptions: (Probe(images, labels, evaluators),) for `probe` =
    (images, labels), () for None."""
    return () if probe is None else (Probe(*probe, evaluators),)


class SuiteProbe:
    """Evaluation suites on a fixed subset (module docstring).

    Args:
      dataset: batches of (images in [0, 1], labels) in a fixed order — keep it small.
      suites: names from SUITES; settings: their parameters (attributions, seed, ...).
      every_n_epochs: the period, in epochs.
      num_images: how many images of the subset get attribution maps.
      classifier: the model to evaluate; default: the one the callback passes (the trained
        model's `student` for igdtf trainers, else the trained model itself).
    """

    def __init__(self, dataset, suites=("clean", "gini"), settings: SuiteSettings | None = None,
                 every_n_epochs: int = 1, num_images: int = 4, classifier=None):
        self.dataset = dataset
        self.suites = check_suites(suites)
        self.settings = settings or SuiteSettings()
        self.evaluators = build_evaluators(self.suites, self.settings)
        self.every = check_positive_int("every_n_epochs", every_n_epochs)
        self.num_images = check_positive_int("num_images", num_images)
        self.classifier = classifier
        self.writer = None
        self._images = None
        self._images_written = False

    def start(self, log_dir: str, writer) -> None:
        self.writer = tf.summary.create_file_writer(f"{log_dir}/evaluation")

    def _subset_images(self):
        if self._images is None:
            images, labels = [], []
            for x, y in self.dataset:
                images.append(np.asarray(x, np.float32))
                labels.append(np.reshape(np.asarray(y), [-1]))
                if sum(len(i) for i in images) >= self.num_images:
                    break
            self._images = (np.concatenate(images)[: self.num_images], np.concatenate(labels)[: self.num_images])
        return self._images

    def write(self, model, step: int) -> None:
        if step % self.every:
            return
        model = self.classifier or model
        summary = compare_models({"model": model}, self.dataset, self.evaluators).summaries["model"]
        images, labels = self._subset_images()
        with self.writer.as_default(step=step):
            for name, value in _flatten(summary):
                if value is not None:
                    tf.summary.scalar(f"eval/{name}", value)
            if not self._images_written:  # once: the subset does not change
                tf.summary.image("images", np.clip(images, 0.0, 1.0), max_outputs=self.num_images)
                self._images_written = True
            for attribution in self.settings.attributions:
                maps = attribution_maps(model, images, labels, attribution, self.settings.seed)
                tf.summary.image(f"attribution/{attribution}", maps[..., None], max_outputs=self.num_images)
        self.writer.flush()


def _flatten(summary: dict):
    for name, value in summary.items():
        if isinstance(value, dict):
            for point, v in value.items():
                yield f"{name}@{point}", v
        else:
            yield name, value
