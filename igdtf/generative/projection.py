"""Indirect Δx estimation (Lanfredi et al.): project x onto the manifold of a class-conditional
generator G(z, c) for each class c, then Δx = G(z*, c̃(x)) − x for the closest wrong class c̃.

    z*_c(x) = argmin_z  mean((G(z, c) − x)²) + prior_weight·‖z‖²/d       (Adam from z = 0)

This module projects batches (Projector, project); projection_table.py projects a whole test
set onto every class once and caches it, because c̃ depends on the evaluated model. After the
main descent a restart of Adam checks the result: a projection that the restart still moves
(G(z) by more than `tolerance` of ‖G(z) − x‖) or improves (the objective by more than
`objective_tolerance`) has not converged (Projection.converged); the table refuses it
(ProjectionError, with its residual and movement), never returning a silent garbage Δx.
"""

import dataclasses
import hashlib

import keras
import numpy as np
import tensorflow as tf

from igdtf.validation import check_fraction, check_non_negative, check_positive_int


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
    """How z* is found and when it counts as converged.

    Adam on z from z = 0 for `steps` steps, its learning rate decaying from `learning_rate` to 0
    (cosine); then up to `checks` check rounds: Adam restarted at `learning_rate`·`restart_ratio`
    for `window`·steps more steps (cosine again). The projection converged at the first round
    that moved G(z) by at most `tolerance`·‖G(z) − x‖ (so the Δx before and after have cosine
    ≥ 1 − tolerance²/2) and where neither the restart nor a line search along −∇ (steps
    10⁻⁶…10⁶, whatever the learning rate) lowered the objective by more than
    `objective_tolerance` (relative). Its result is the point after that round.
    """

    steps: int = 1000
    learning_rate: float = 0.1
    prior_weight: float = 0.01
    tolerance: float = 0.05
    objective_tolerance: float = 0.01
    window: float = 0.2
    restart_ratio: float = 0.1
    checks: int = 3

    def __post_init__(self):
        check_positive_int("projection steps", self.steps)
        check_non_negative("projection learning_rate", self.learning_rate)
        check_non_negative("prior_weight", self.prior_weight)
        check_non_negative("projection tolerance", self.tolerance)
        check_non_negative("projection objective_tolerance", self.objective_tolerance)
        check_fraction("projection window", self.window)
        check_fraction("projection restart_ratio", self.restart_ratio)
        check_positive_int("projection checks", self.checks)

    @property
    def check_steps(self) -> int:
        return max(1, int(round(self.window * self.steps)))


@dataclasses.dataclass
class Projection:
    """points = G(z*, c) [N, ...]; residuals = ‖G(z*, c) − x‖₂/√n [N]; converged [N] bool (a check
    round passed both tolerances); of the round that passed (else the last one): movement [N],
    how far it moved G(z), relative to ‖G(z*, c) − x‖, and objective_fall [N], the larger relative
    fall of the objective in its restart or line search."""

    latents: np.ndarray
    points: np.ndarray
    residuals: np.ndarray
    movement: np.ndarray
    objective_fall: np.ndarray
    converged: np.ndarray


class Projector:
    """Projects batches onto one generator with fixed settings; one traced function for all classes
    and batches of the same size."""

    def __init__(self, generator: ConditionalGenerator, settings: ProjectionSettings = ProjectionSettings()):
        self.generator, self.settings = generator, settings
        self._main_fn = tf.function(self._main, reduce_retracing=True)
        self._check_fn = tf.function(self._check, reduce_retracing=True)

    def _objective(self, z, x, classes):
        """mean((G(z, c) − x)²) + prior_weight·‖z‖²/d per sample, [N]."""
        error = tf.reshape(self.generator(z, classes) - x, [tf.shape(x)[0], -1])
        return (tf.reduce_mean(tf.square(error), 1)
                + self.settings.prior_weight * tf.reduce_mean(tf.square(z), 1))

    def _adam(self, z, x, classes, steps: int, learning_rate: float):
        """`steps` Adam steps on the summed objective, learning rate cosine-decayed to 0."""
        beta1, beta2 = 0.9, 0.999
        m, v = tf.zeros_like(z), tf.zeros_like(z)
        for step in tf.range(1, steps + 1):
            with tf.GradientTape() as tape:
                tape.watch(z)
                total = tf.reduce_sum(self._objective(z, x, classes))
            gradient = tape.gradient(total, z)
            m = beta1 * m + (1 - beta1) * gradient
            v = beta2 * v + (1 - beta2) * tf.square(gradient)
            t = tf.cast(step, tf.float32)
            rate = learning_rate * 0.5 * (1 + tf.cos(np.pi * (t - 1) / steps))
            z = z - rate * (m / (1 - beta1 ** t)) / (tf.sqrt(v / (1 - beta2 ** t)) + 1e-8)
        return z

    def _steepest_descent_fall(self, z, x, classes):
        """(the objective at z [N], its largest relative fall along −∇ over steps 10⁻⁶…10⁶ [N]): a
        test of stationarity that does not depend on the learning rate."""
        with tf.GradientTape() as tape:
            tape.watch(z)
            objective = self._objective(z, x, classes)
            total = tf.reduce_sum(objective)
        gradient = tape.gradient(total, z)
        best = objective
        for exponent in range(-6, 7):
            best = tf.minimum(best, self._objective(z - 10.0 ** exponent * gradient, x, classes))
        return objective, (objective - best) / tf.maximum(objective, 1e-12)

    def _main(self, x, classes):
        start = tf.zeros([tf.shape(x)[0], self.generator.latent_dim])
        return self._adam(start, x, classes, self.settings.steps, self.settings.learning_rate)

    def _check(self, z, x, classes):
        """One check round from z: (the restarted z, its movement [N], the objective's fall [N])."""
        s = self.settings
        restarted = self._adam(z, x, classes, s.check_steps, s.learning_rate * s.restart_ratio)
        after, line_search_fall = self._steepest_descent_fall(restarted, x, classes)
        fall = tf.maximum((self._objective(z, x, classes) - after) / tf.maximum(after, 1e-12), line_search_fall)
        flat = lambda t: tf.reshape(t, [tf.shape(x)[0], -1])  # noqa: E731
        points = self.generator(restarted, classes)
        # Relative to ‖G(z) − x‖, floored at an RMS of 1e-3 so a point on the manifold is not
        # refused for moving by rounding noise.
        floor = 1e-3 * tf.sqrt(tf.cast(tf.shape(flat(x))[1], tf.float32))
        movement = tf.norm(flat(points - self.generator(z, classes)), axis=1) / tf.maximum(
            tf.norm(flat(points - x), axis=1), floor)
        return restarted, movement, fall

    def __call__(self, x, classes) -> Projection:
        """Projects each x [N, ...] onto class classes[n]'s generator manifold."""
        generator, s = self.generator, self.settings
        x = tf.cast(x, tf.float32)
        if tuple(x.shape[1:]) != generator.data_shape:
            raise ValueError(f"Inputs of shape {tuple(x.shape[1:])} cannot be projected onto a generator of "
                             f"outputs {generator.data_shape}.")
        classes = tf.constant(generator.check_classes(classes))
        z = self._main_fn(x, classes)
        latents = np.zeros(z.shape, np.float32)
        movement, fall = np.zeros(len(latents), np.float32), np.zeros(len(latents), np.float32)
        done = np.zeros(len(latents), bool)
        for _ in range(s.checks):
            restarted, moved, fell = (t.numpy() for t in self._check_fn(z, x, classes))
            latents[~done], movement[~done], fall[~done] = restarted[~done], moved[~done], fell[~done]
            done |= (moved <= s.tolerance) & (fell <= s.objective_tolerance)
            if done.all():
                break
            z = tf.constant(restarted)
        points = generator(tf.constant(latents), classes)
        n = int(np.prod(generator.data_shape))
        residuals = tf.norm(tf.reshape(points - x, [x.shape[0], -1]), axis=1) / np.sqrt(n)
        return Projection(latents, points.numpy(), residuals.numpy(), movement, fall, done)


def project(generator: ConditionalGenerator, x, classes, settings: ProjectionSettings = ProjectionSettings()):
    """Projects each x [N, ...] onto class classes[n]'s generator manifold; a Projection."""
    return Projector(generator, settings)(x, classes)
