"""Indirect Δx estimation (Lanfredi et al.): project x onto the manifold of a class-conditional
generator G(z, c) for each class c, then Δx = G(z*, c̃(x)) − x for the closest wrong class c̃.

    z*_c(x) = argmin_z  mean((G(z, c) − x)²) + prior_weight·‖z‖²/d       (Adam from z = 0)

The projections of a whole test set onto every class are computed once (ProjectionTable, cached
in an .npz keyed by the data, the generator's weights and the settings), because c̃ depends on
the evaluated model. A projection whose objective still falls over the last `window` share of
its steps has not converged: it is refused (ProjectionError, with its residual), never
returned as a silent garbage Δx.
"""

import dataclasses
import hashlib
import logging
import os

import keras
import numpy as np
import tensorflow as tf

from igdtf.validation import check_fraction, check_non_negative, check_positive_int

log = logging.getLogger("igdtf.generative")


class ProjectionError(RuntimeError):
    """Projections that did not converge; the message gives their count and residuals."""


class ConditionalGenerator:
    """Any Keras G(z, c) with inputs [z [N, d], c] and outputs [N, ...] of the data's shape.

    The class input is either one-hot [N, K] (K read from the model) or integer ids [N] / [N, 1]
    (then `num_classes` is required). Raises ValueError when the output shape is not
    `data_shape` or the class input does not fit.
    """

    def __init__(self, model: keras.Model, data_shape, num_classes: int | None = None):
        if len(model.inputs) != 2:
            raise ValueError(f"A class-conditional generator takes two inputs (z, class); {model.name} takes "
                             f"{len(model.inputs)}.")
        z_shape, class_shape = (tuple(s[1:]) for s in model.input_shape)
        if len(z_shape) != 1:
            raise ValueError(f"The latent input must be [N, d]; {model.name}'s is {(None,) + z_shape}.")
        self.latent_dim = int(z_shape[0])
        self.one_hot = class_shape not in ((), (1,))
        if self.one_hot:
            if len(class_shape) != 1 or (num_classes is not None and num_classes != class_shape[0]):
                raise ValueError(f"{model.name}'s class input has shape {(None,) + class_shape}: one-hot for "
                                 f"{class_shape[-1]} classes, but num_classes={num_classes} was given.")
            num_classes = int(class_shape[0])
        elif num_classes is None:
            raise ValueError(f"{model.name} takes integer class ids; pass num_classes (the generator's class count).")
        self.num_classes = check_positive_int("num_classes", num_classes)
        produced = tuple(model.output_shape[1:])
        if produced != tuple(data_shape):
            raise ValueError(f"The generator outputs shape {produced}, but the data has shape {tuple(data_shape)}.")
        self.model, self.data_shape = model, tuple(data_shape)

    def check_classes(self, classes) -> np.ndarray:
        """classes as int32 [N]; ValueError if any is outside [0, num_classes)."""
        classes = np.asarray(classes).reshape(-1)
        bad = classes[(classes < 0) | (classes >= self.num_classes)]
        if bad.size:
            raise ValueError(f"Class ids must be in [0, {self.num_classes}) for this generator; received "
                             f"{sorted(set(bad.tolist()))[:10]}.")
        return classes.astype(np.int32)

    def __call__(self, z, classes):
        classes = tf.cast(classes, tf.int32)
        encoded = tf.one_hot(classes, self.num_classes) if self.one_hot else classes
        return tf.cast(self.model([z, encoded], training=False), tf.float32)

    def fingerprint(self) -> str:
        """A hash of the generator's weights (cache key)."""
        digest = hashlib.sha256()
        for weight in self.model.get_weights():
            digest.update(np.ascontiguousarray(weight).tobytes())
        return digest.hexdigest()[:16]


def load_conditional_generator(path: str, data_shape, num_classes: int) -> ConditionalGenerator:
    """A G(z, c) saved with model.save (.keras) as a ConditionalGenerator for data of `data_shape`
    with `num_classes` classes; ValueError when its output shape or (one-hot) class count differs."""
    model = keras.models.load_model(path, compile=False)
    class_shape = tuple(model.input_shape[1][1:]) if len(model.inputs) == 2 else ()
    if class_shape not in ((), (1,)) and class_shape[-1] != num_classes:
        raise ValueError(f"The generator {path} makes {class_shape[-1]} classes (one-hot input "
                         f"{(None,) + class_shape}); the data has {num_classes}.")
    return ConditionalGenerator(model, data_shape, num_classes)


@dataclasses.dataclass(frozen=True)
class ProjectionSettings:
    """Adam on z from z = 0 for `steps` steps; converged when the objective fell by at most
    `tolerance` (relative) over the last `window` share of the steps."""

    steps: int = 500
    learning_rate: float = 0.05
    prior_weight: float = 1e-3
    tolerance: float = 1e-3
    window: float = 0.1

    def __post_init__(self):
        check_positive_int("projection steps", self.steps)
        check_non_negative("projection learning_rate", self.learning_rate)
        check_non_negative("prior_weight", self.prior_weight)
        check_non_negative("projection tolerance", self.tolerance)
        check_fraction("projection window", self.window)


@dataclasses.dataclass
class Projection:
    """points = G(z*, c) [N, ...]; residuals = ‖G(z*, c) − x‖₂/√n [N]; converged [N] bool."""

    latents: np.ndarray
    points: np.ndarray
    residuals: np.ndarray
    converged: np.ndarray


def project(generator: ConditionalGenerator, x, classes, settings: ProjectionSettings = ProjectionSettings()):
    """Projects each x [N, ...] onto class classes[n]'s generator manifold; a Projection."""
    x = tf.cast(x, tf.float32)
    if tuple(x.shape[1:]) != generator.data_shape:
        raise ValueError(f"Inputs of shape {tuple(x.shape[1:])} cannot be projected onto a generator of outputs "
                         f"{generator.data_shape}.")
    classes = tf.constant(generator.check_classes(classes))
    n = int(np.prod(generator.data_shape))
    z = tf.Variable(tf.zeros([x.shape[0], generator.latent_dim]))

    def objective():
        error = tf.reshape(generator(z, classes) - x, [x.shape[0], -1])
        return tf.reduce_sum(tf.square(error), 1) / n + settings.prior_weight * tf.reduce_sum(
            tf.square(z), 1) / generator.latent_dim

    @tf.function
    def run():
        beta1, beta2 = 0.9, 0.999
        m, v = tf.zeros_like(z), tf.zeros_like(z)
        start_window = settings.steps - max(1, int(round(settings.window * settings.steps)))
        before = tf.zeros([x.shape[0]])
        for step in tf.range(1, settings.steps + 1):
            with tf.GradientTape() as tape:
                loss = objective()
                total = tf.reduce_sum(loss)
            gradient = tape.gradient(total, z)
            m = beta1 * m + (1 - beta1) * gradient
            v = beta2 * v + (1 - beta2) * tf.square(gradient)
            t = tf.cast(step, tf.float32)
            z.assign_sub(settings.learning_rate * (m / (1 - beta1 ** t)) / (tf.sqrt(v / (1 - beta2 ** t)) + 1e-8))
            if step == start_window:
                before = loss
        return before, objective()

    before, after = run()
    points = generator(z, classes)
    residuals = tf.norm(tf.reshape(points - x, [x.shape[0], -1]), axis=1) / np.sqrt(n)
    converged = (before - after) <= settings.tolerance * tf.maximum(after, 1e-12)
    return Projection(z.numpy(), points.numpy(), residuals.numpy(), converged.numpy())


@dataclasses.dataclass
class ProjectionTable:
    """Every test sample projected onto every class: inputs [N, ...], points [N, K, ...],
    residuals [N, K] (‖G(z*, c) − x‖₂/√n). TabulatedDirectionAlignment reads Δx from it."""

    inputs: np.ndarray
    points: np.ndarray
    residuals: np.ndarray
    labels: np.ndarray
    settings: dict

    def describe(self) -> dict:
        own = self.residuals[np.arange(len(self.labels)), self.labels]
        return {"projection": self.settings, "mean_residual_own_class": float(own.mean()),
                "mean_residual_other_classes": float((self.residuals.sum(1) - own).mean()
                                                     / max(1, self.residuals.shape[1] - 1))}


def _refuse_unconverged(converged: np.ndarray, residuals: np.ndarray, settings: ProjectionSettings) -> None:
    if converged.all():
        return
    rows, cols = np.nonzero(~converged)
    worst = ", ".join(f"sample {r} → class {c}: residual {residuals[r, c]:.4f}" for r, c in zip(rows[:5], cols[:5]))
    raise ProjectionError(
        f"{rows.size} of {converged.size} projections did not converge (objective still falling by more than "
        f"{settings.tolerance:g} over the last {settings.window:.0%} of {settings.steps} steps): {worst}. "
        "Use more steps or a larger learning rate; their Δx would be wrong.")


def _data_fingerprint(inputs: np.ndarray, labels: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(inputs, np.float32).tobytes())
    digest.update(np.ascontiguousarray(labels, np.int32).tobytes())
    return digest.hexdigest()[:16]


def project_dataset(generator: ConditionalGenerator, dataset, settings: ProjectionSettings = ProjectionSettings(),
                    cache_path: str | None = None) -> ProjectionTable:
    """Projects every sample of `dataset` (batches (x, y), fixed order) onto every class.

    With `cache_path` (an .npz) a table computed with the same data, generator weights and
    settings is reloaded instead; another one there is recomputed and overwritten. Raises
    ProjectionError if any projection did not converge (nothing is cached then).
    """
    xs, ys = zip(*[(np.asarray(x, np.float32), np.asarray(y, np.int32).reshape(-1)) for x, y in dataset])
    inputs, labels = np.concatenate(xs), np.concatenate(ys)
    if inputs.shape[1:] != generator.data_shape:
        raise ValueError(f"The data has shape {inputs.shape[1:]}, but the generator outputs {generator.data_shape}.")
    generator.check_classes(labels)
    key = {**dataclasses.asdict(settings), "data": _data_fingerprint(inputs, labels),
           "generator": generator.fingerprint()}
    if cache_path and os.path.exists(cache_path):
        with np.load(cache_path) as cached:
            if str(cached["key"]) == repr(sorted(key.items())):
                log.info("Reusing the projections cached in %s", cache_path)
                return ProjectionTable(cached["inputs"], cached["points"], cached["residuals"], cached["labels"],
                                       dataclasses.asdict(settings))
        log.info("%s holds projections of other data, generator or settings; recomputing.", cache_path)
    num = generator.num_classes
    points = np.zeros((len(inputs), num) + generator.data_shape, np.float32)
    residuals = np.zeros((len(inputs), num), np.float32)
    converged = np.zeros((len(inputs), num), bool)
    for c in range(num):
        log.info("Projecting %d samples onto class %d of %d (%d steps)", len(inputs), c + 1, num, settings.steps)
        for start in range(0, len(inputs), len(xs[0])):
            batch = slice(start, start + len(xs[0]))
            result = project(generator, inputs[batch], np.full(len(inputs[batch]), c), settings)
            points[batch, c], residuals[batch, c], converged[batch, c] = (result.points, result.residuals,
                                                                          result.converged)
    _refuse_unconverged(converged, residuals, settings)
    table = ProjectionTable(inputs, points, residuals, labels, dataclasses.asdict(settings))
    if cache_path:
        os.makedirs(os.path.dirname(os.path.abspath(cache_path)), exist_ok=True)
        np.savez(cache_path, inputs=inputs, points=points, residuals=residuals, labels=labels,
                 key=repr(sorted(key.items())))
    return table
