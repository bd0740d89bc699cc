"""Perceptually aligned gradients as a training objective (PAG; Ganz, Kawar & Elad, ICML 2023).

    loss = CE(f(x), y) + λ·Σ_{t=1..C} (1 − cos(∂f_t(x)/∂x, g(x, t)))

The target gradient g(x, t) of class t comes from one of four sources:

  one_image          g = r_t − x, r_t one fixed training image of class t
  class_mean         g = r_t − x, r_t the mean training image of class t
  nearest_neighbor   g = r_t(x) − x, r_t(x) the training image of class t nearest to x among a
                     fixed random pool of images of that class (x itself excluded)
  rigd               g = ∂f*_t(x)/∂x, the input gradient of a frozen robust model f*

Representatives and pools are computed once per dataset (`pag_targets`); g is then formed on
the x the trainer receives, so augmentation done by the input pipeline is applied consistently
(the target always points from the augmented x). RIGD's gradients are computed on the fly.
"""

import dataclasses

import numpy as np
import tensorflow as tf

from igdtf.attributions import class_logit_gradients
from igdtf.methods.base import Trainer
from igdtf.methods.options import MethodOptions, option
from igdtf.methods.teacher import attach_teacher
from igdtf.ops import flatten_per_example, per_example_cosine
from igdtf.validation import check_choice, check_non_negative, check_positive_int

PAG_SOURCES = ("one_image", "class_mean", "nearest_neighbor", "rigd")
DATA_SOURCES = ("one_image", "class_mean", "nearest_neighbor")


@dataclasses.dataclass(frozen=True)
class PAGTargets:
    """Class representatives computed from a dataset.

    points: [C, ...] (one_image, class_mean) or [C, M, ...] (nearest_neighbor: M pool images
    per class), float32, in the dataset's input units.
    """

    source: str
    points: np.ndarray

    @property
    def num_classes(self) -> int:
        return int(self.points.shape[0])


def pag_targets(source: str, dataset, num_classes: int, pool_size: int = 64, seed: int = 0) -> PAGTargets:
    """Builds the targets of a data source from one pass over `dataset`.

    Args:
      source: one_image, class_mean or nearest_neighbor.
      dataset: (inputs, labels) pairs, batched or not, in a fixed order for reproducibility.
      num_classes: C; every class must have at least one example.
      pool_size: M, the images kept per class for nearest_neighbor (a uniform random sample,
        reservoir-sampled with `seed`); one_image keeps one uniform random image per class.
    Raises:
      ValueError: unknown source, labels outside [0, C), or a class without examples.
    """
    check_choice("PAG target source (data)", source, DATA_SOURCES)
    check_positive_int("num_classes", num_classes)
    check_positive_int("pool_size", pool_size)
    keep = {"one_image": 1, "class_mean": 0, "nearest_neighbor": pool_size}[source]
    batched = len(dataset.element_spec[1].shape) > 0
    rng = np.random.default_rng(seed)
    counts = np.zeros(num_classes, np.int64)
    sums, pools = None, [[] for _ in range(num_classes)]
    for inputs, labels in dataset.as_numpy_iterator():
        inputs, labels = np.asarray(inputs, np.float64), np.asarray(labels, np.int64).reshape(-1)
        if not batched:
            inputs = inputs[None]
        bad = (labels < 0) | (labels >= num_classes)
        if bad.any():
            raise ValueError(f"The dataset has label {int(labels[bad][0])}, outside [0, {num_classes}): "
                             f"PAG targets must match the model's {num_classes} classes.")
        if sums is None:
            sums = np.zeros((num_classes, *inputs.shape[1:]))
        np.add.at(sums, labels, inputs)
        for image, label in zip(inputs, labels):  # reservoir sampling of `keep` images per class
            counts[label] += 1
            if len(pools[label]) < keep:
                pools[label].append(image)
            elif keep:
                slot = rng.integers(0, counts[label])
                if slot < keep:
                    pools[label][slot] = image
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise ValueError(f"PAG source {source!r} needs at least one training example of every one of the "
                         f"{num_classes} classes; classes {empty.tolist()} have none.")
    if source == "class_mean":
        points = sums / counts.reshape(-1, *([1] * (sums.ndim - 1)))
    elif source == "one_image":
        points = np.stack([pool[0] for pool in pools])
    else:  # nearest_neighbor: pad small classes by repeating their images
        points = np.stack([np.stack([pool[i % len(pool)] for i in range(pool_size)]) for pool in pools])
    return PAGTargets(source, points.astype(np.float32))


@dataclasses.dataclass(frozen=True)
class PAGOptions(MethodOptions):
    pag_lambda: float = option(1.5, "lambda, weight of the PAG term.", check=check_non_negative, symbol="λ")
    pag_source: str = option(
        "nearest_neighbor", "Target gradients g(x, t) = r_t - x with r_t one training image of class t "
        "(one_image), the class mean (class_mean), the nearest of a pool of class-t images (nearest_neighbor); "
        "or a robust teacher's input gradients (rigd, needs --teacher).", choices=PAG_SOURCES)
    pag_pool_size: int = option(64, "Training images kept per class for nearest_neighbor.",
                                check=check_positive_int)
    pag_classes_per_example: int | None = option(
        None, "Align K classes drawn per example instead of all C (sum scaled by C/K; K backward passes "
        "instead of C). Default: all classes.", check=check_positive_int)


class PAG(Trainer):
    """loss = CE(f(x), y) + λ·Σ_t (1 − cos(∂f_t(x)/∂x, g(x, t))); see the module docstring.

    Student gradients are logit gradients with training=False, differentiated again by the
    outer tape. Reports `pag_cos`, the mean cosine over the classes used.

    Args:
      targets: PAGTargets from `pag_targets` for the data sources (pag_source one_image,
        class_mean, nearest_neighbor).
      teacher: for pag_source rigd, a frozen robust model with the student's input shape and
        classes.
      options: PAGOptions. pag_lambda: λ >= 0 (the authors' CIFAR-10 configuration uses 1.5).
        pag_classes_per_example: None sums over every class (the paper's loss); K < C instead
        sums over K classes drawn per example and scales the sum by C/K (an unbiased estimate,
        as the authors' code subsamples classes), which divides the cost by C/K.
    """

    method_name = "pag"
    summary = ("CE + lambda*sum over classes of (1 - cos(d logit_t/dx, g(x, t))), targets g from one image, the "
               "class mean, the nearest neighbour, or a robust teacher's gradients (rigd) (Ganz et al. 2023).")
    options_class = PAGOptions
    penalty_metrics = ("pag_cos",)

    @classmethod
    def required_teacher(cls, options: PAGOptions) -> str | None:
        return "robust" if options.pag_source == "rigd" else None

    @classmethod
    def prepare(cls, context) -> dict:
        """The class representatives of a data source, from one pass over the training data."""
        options = context.config.method_options
        if options.pag_source == "rigd":
            return {}
        return {"targets": pag_targets(options.pag_source, context.train_data, context.info.num_classes,
                                       options.pag_pool_size, context.config.seed)}

    def __init__(self, student, targets: PAGTargets | None = None, teacher=None, **kwargs):
        super().__init__(student, **kwargs)
        options = self.options
        pag_source, classes_per_example = options.pag_source, options.pag_classes_per_example
        num_classes = int(student.output_shape[-1])
        if pag_source == "rigd":
            if teacher is None:
                raise ValueError("PAG source 'rigd' needs a frozen robust teacher model (--teacher).")
            if targets is not None:
                raise ValueError("PAG source 'rigd' takes its targets from the teacher; do not pass `targets`.")
            attach_teacher(self, teacher)
        else:
            if teacher is not None:
                raise ValueError(f"PAG source {pag_source!r} takes no teacher; only 'rigd' does.")
            self.teacher = None
            if targets is None:
                raise ValueError(f"PAG source {pag_source!r} needs targets built from the training data "
                                 "(igdtf.methods.pag.pag_targets).")
            if targets.source != pag_source:
                raise ValueError(f"PAG targets were built for source {targets.source!r}, not {pag_source!r}.")
            if targets.num_classes != num_classes:
                raise ValueError(f"PAG targets have {targets.num_classes} classes but the model has "
                                 f"{num_classes}; build them from the training data of this task.")
            shape = tuple(targets.points.shape[2 if pag_source == "nearest_neighbor" else 1:])
            if shape != tuple(student.input_shape[1:]):
                raise ValueError(f"PAG targets have input shape {shape}, the model {tuple(student.input_shape[1:])}.")
        if classes_per_example is not None and classes_per_example > num_classes:
            raise ValueError(f"pag_classes_per_example must be at most the {num_classes} classes, "
                             f"received {classes_per_example}.")
        self.num_classes = num_classes
        self.classes_per_example = classes_per_example
        self.targets = targets
        self._points = None if targets is None else tf.constant(targets.points)

    def target_classes(self, x, seed) -> tf.Tensor:
        """[N, K] classes each example is aligned on: every class, or K sampled without repeats."""
        n = tf.shape(x)[0]
        if self.classes_per_example is None:
            return tf.tile(tf.range(self.num_classes)[None], [n, 1])
        scores = tf.random.stateless_uniform([n, self.num_classes], seed)
        return tf.math.top_k(scores, k=self.classes_per_example).indices

    def target_gradients(self, x, classes) -> tf.Tensor:
        """g(x, t) for the [N, K] classes, [N, K, ...] (a constant)."""
        if self.options.pag_source == "rigd":
            return tf.stop_gradient(class_logit_gradients(self.teacher, x, classes))
        if self.options.pag_source == "nearest_neighbor":
            representatives = self._nearest(x, classes)
        else:
            representatives = tf.gather(self._points, classes)
        return representatives - x[:, None]

    def _nearest(self, x, classes) -> tf.Tensor:
        """The pool image of each class in `classes` nearest to x (x itself excluded), [N, K, ...]."""
        pool = self._points  # [C, M, ...]
        c, m = self.num_classes, pool.shape[1]
        flat_x = tf.cast(flatten_per_example(x), tf.float64)  # float64: exact ties and self-matches
        flat_pool = tf.cast(tf.reshape(pool, [c * m, -1]), tf.float64)
        squared = (tf.reduce_sum(flat_x ** 2, 1)[:, None] + tf.reduce_sum(flat_pool ** 2, 1)[None]
                   - 2.0 * tf.matmul(flat_x, flat_pool, transpose_b=True))
        scale = tf.reduce_sum(flat_x ** 2, 1)[:, None] + tf.reduce_sum(flat_pool ** 2, 1)[None]
        squared = tf.where(squared <= 1e-9 * scale + 1e-30, tf.constant(np.inf, tf.float64), squared)
        squared = tf.gather(tf.reshape(squared, [-1, c, m]), classes, axis=1, batch_dims=1)  # [N, K, M]
        nearest = tf.argmin(squared, axis=-1, output_type=tf.int32)
        return tf.gather(tf.gather(pool, classes), nearest, axis=2, batch_dims=2)

    def penalty(self, x, y, seed, logits):
        classes = self.target_classes(x, seed)
        k = classes.shape[1]
        student = class_logit_gradients(self.student, x, classes)  # [N, K, ...]
        target = self.target_gradients(x, classes)
        n = tf.shape(x)[0]
        cosine = tf.reshape(per_example_cosine(tf.reshape(student, [n * k, -1]), tf.reshape(target, [n * k, -1])),
                            [n, k])
        scale = self.num_classes / k
        term = self.options.pag_lambda * scale * tf.reduce_sum(1.0 - cosine, axis=1)
        return term, {"pag_cos": tf.reduce_mean(cosine, axis=1)}
