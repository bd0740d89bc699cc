"""A Keras callback that runs evaluation suites during training and writes TensorBoard.

Scalars: "eval/<name>" for every summarised outcome ("eval/ina1@0.01" for curve points), with
robustness errors on the subset samples the model classifies correctly at that epoch.
Images: "attribution/<name>" (each map |A| summed over channels, scaled to [0, 1]) for the
first `num_images` images of the subset, and the images themselves once as "images".
"""

import keras
import numpy as np
import tensorflow as tf

from igdtf.evaluation.figures import attribution_maps
from igdtf.evaluation.protocol import compare_models
from igdtf.evaluation.suites import SuiteSettings, build_evaluators, check_suites
from igdtf.validation import check_positive_int


class EvaluationCallback(keras.callbacks.Callback):
    """Runs `suites` every `every_n_epochs` epochs on a fixed evaluation subset.

    Args:
      dataset: batches of (images in [0, 1], labels) in a fixed order — keep it small.
      log_dir: TensorBoard directory (a "evaluation" writer is created below it).
      suites: names from SUITES; settings: their parameters (attributions, seed, ...).
      num_images: how many images of the subset get attribution maps.
      classifier: the model to evaluate; default: the trained model's `student` (igdtf
        trainers) or the trained model itself.
    """

    def __init__(self, dataset, log_dir: str, suites=("clean", "gini"), settings: SuiteSettings | None = None,
                 every_n_epochs: int = 1, num_images: int = 4, classifier=None):
        super().__init__()
        self.dataset = dataset
        self.suites = check_suites(suites)
        self.settings = settings or SuiteSettings()
        self.evaluators = build_evaluators(self.suites, self.settings)
        self.every = check_positive_int("every_n_epochs", every_n_epochs)
        self.num_images = check_positive_int("num_images", num_images)
        self.classifier = classifier
        self.writer = tf.summary.create_file_writer(f"{log_dir}/evaluation")
        self._images = None
        self._images_written = False

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

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        model = self.classifier or getattr(self.model, "student", self.model)
        summary = compare_models({"model": model}, self.dataset, self.evaluators).summaries["model"]
        images, labels = self._subset_images()
        with self.writer.as_default(step=epoch + 1):
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
