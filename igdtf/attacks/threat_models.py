"""Threat models: an ε-ball around x, intersected with the valid input box (default [0, 1]).

Each exposes the three operations PGD needs (after MadryLab's attack steps):
  random_init(x, seed)          a random point of the set around x,
  step(x_adv, grad, step_size)  one ascent step using the loss gradient,
  project(x_adv, x)             the closest point of the set around x.
All tensors are float32 [N, ...] of any rank ≥ 2 (images, or vectors such as 2-D points);
seeds are stateless [2] int seeds. epsilon is a number (validated) or, inside a training step
that scales it (ε warm-up), a scalar tensor (or one that broadcasts per example, [N, 1, ...]).
`bounds` is the valid input range (low, high), (0, 1) for images; None for unbounded inputs
(e.g. points of a synthetic vector dataset), in which case nothing is clipped.
"""

import tensorflow as tf

from igdtf.validation import check_choice, check_non_negative


def _radius(epsilon):
    """Validates a Python number; passes a scalar tensor through (scaled inside a graph)."""
    return check_non_negative("epsilon", epsilon) if isinstance(epsilon, (int, float)) else epsilon


def check_bounds(bounds):
    """Returns `bounds` as a (low, high) float pair with low < high, or None; else ValueError."""
    if bounds is None:
        return None
    if (not isinstance(bounds, (tuple, list)) or len(bounds) != 2
            or not all(isinstance(b, (int, float)) for b in bounds) or not bounds[0] < bounds[1]):
        raise ValueError(f"bounds must be None or a pair (low, high) with low < high, received {bounds!r}.")
    return float(bounds[0]), float(bounds[1])


def _clip(x: tf.Tensor, bounds) -> tf.Tensor:
    return x if bounds is None else tf.clip_by_value(x, bounds[0], bounds[1])


def _per_example_norm(t: tf.Tensor) -> tf.Tensor:
    """L2 norm over all but the first axis, shaped [N, 1, ..., 1] for broadcasting."""
    return tf.math.reduce_euclidean_norm(t, axis=tf.range(1, tf.rank(t)), keepdims=True)


class LinfBall:
    """{x' : ‖x' − x‖∞ ≤ ε, low ≤ x' ≤ high}; steps move every element by ±step_size."""

    norm = "linf"

    def __init__(self, epsilon: float, bounds=(0.0, 1.0)):
        self.epsilon = _radius(epsilon)
        self.bounds = check_bounds(bounds)

    def random_init(self, x: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        noise = tf.random.stateless_uniform(tf.shape(x), seed, -1.0, 1.0) * self.epsilon
        return _clip(x + noise, self.bounds)

    def step(self, x_adv: tf.Tensor, grad: tf.Tensor, step_size: float) -> tf.Tensor:
        return x_adv + step_size * tf.sign(grad)

    def project(self, x_adv: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        delta = tf.clip_by_value(x_adv - x, -self.epsilon, self.epsilon)
        return _clip(x + delta, self.bounds)


class L2Ball:
    """{x' : ‖x' − x‖₂ ≤ ε, low ≤ x' ≤ high} per example; steps follow the normalised gradient."""

    norm = "l2"

    def __init__(self, epsilon: float, bounds=(0.0, 1.0)):
        self.epsilon = _radius(epsilon)
        self.bounds = check_bounds(bounds)

    def random_init(self, x: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """A uniform sample of the ball (direction uniform, radius ε·u^(1/n)), then clipped."""
        direction_seed, radius_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        direction = tf.random.stateless_normal(tf.shape(x), direction_seed)
        direction /= _per_example_norm(direction) + 1e-12
        n = tf.cast(tf.reduce_prod(tf.shape(x)[1:]), tf.float32)
        radius_shape = tf.concat([tf.shape(x)[:1], tf.ones([tf.rank(x) - 1], tf.int32)], 0)
        u = tf.random.stateless_uniform(radius_shape, radius_seed)
        return _clip(x + self.epsilon * u ** (1.0 / n) * direction, self.bounds)

    def step(self, x_adv: tf.Tensor, grad: tf.Tensor, step_size: float) -> tf.Tensor:
        return x_adv + step_size * grad / (_per_example_norm(grad) + 1e-12)

    def project(self, x_adv: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        delta = x_adv - x
        scale = tf.minimum(1.0, self.epsilon / (_per_example_norm(delta) + 1e-12))
        return _clip(x + delta * scale, self.bounds)


THREAT_MODELS = {"linf": LinfBall, "l2": L2Ball}


def threat_model(norm: str, epsilon: float, bounds=(0.0, 1.0)):
    """The threat model for `norm` ("linf" or "l2"), radius `epsilon` (input units) and valid
    input range `bounds` ((low, high), or None for unbounded inputs)."""
    check_choice("norm", norm, THREAT_MODELS)
    return THREAT_MODELS[norm](epsilon, bounds)
