"""Threat models: an ε-ball around x, intersected with the image box [0, 1].

Each exposes the three operations PGD needs (after MadryLab's attack steps):
  random_init(x, seed)          a random point of the set around x,
  step(x_adv, grad, step_size)  one ascent step using the loss gradient,
  project(x_adv, x)             the closest point of the set around x.
All tensors are float32 [N, ...]; seeds are stateless [2] int seeds. epsilon is a number
(validated) or, inside a training step that scales it (ε warm-up), a scalar tensor.
"""

import tensorflow as tf

from igdtf.validation import check_choice, check_non_negative


def _radius(epsilon):
    """Validates a Python number; passes a scalar tensor through (scaled inside a graph)."""
    return check_non_negative("epsilon", epsilon) if isinstance(epsilon, (int, float)) else epsilon


def _per_example_norm(t: tf.Tensor) -> tf.Tensor:
    """L2 norm over all but the first axis, shaped [N, 1, ..., 1] for broadcasting."""
    return tf.math.reduce_euclidean_norm(t, axis=tf.range(1, tf.rank(t)), keepdims=True)


class LinfBall:
    """{x' : ‖x' − x‖∞ ≤ ε, 0 ≤ x' ≤ 1}; steps move every element by ±step_size."""

    norm = "linf"

    def __init__(self, epsilon: float):
        self.epsilon = _radius(epsilon)

    def random_init(self, x: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        noise = tf.random.stateless_uniform(tf.shape(x), seed, -self.epsilon, self.epsilon)
        return tf.clip_by_value(x + noise, 0.0, 1.0)

    def step(self, x_adv: tf.Tensor, grad: tf.Tensor, step_size: float) -> tf.Tensor:
        return x_adv + step_size * tf.sign(grad)

    def project(self, x_adv: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        delta = tf.clip_by_value(x_adv - x, -self.epsilon, self.epsilon)
        return tf.clip_by_value(x + delta, 0.0, 1.0)


class L2Ball:
    """{x' : ‖x' − x‖₂ ≤ ε, 0 ≤ x' ≤ 1} per example; steps follow the normalised gradient."""

    norm = "l2"

    def __init__(self, epsilon: float):
        self.epsilon = _radius(epsilon)

    def random_init(self, x: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
        """A uniform sample of the ball (direction uniform, radius ε·u^(1/n)), then clipped."""
        direction_seed, radius_seed = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
        direction = tf.random.stateless_normal(tf.shape(x), direction_seed)
        direction /= _per_example_norm(direction) + 1e-12
        n = tf.cast(tf.reduce_prod(tf.shape(x)[1:]), tf.float32)
        radius_shape = tf.concat([tf.shape(x)[:1], tf.ones([tf.rank(x) - 1], tf.int32)], 0)
        u = tf.random.stateless_uniform(radius_shape, radius_seed)
        return tf.clip_by_value(x + self.epsilon * u ** (1.0 / n) * direction, 0.0, 1.0)

    def step(self, x_adv: tf.Tensor, grad: tf.Tensor, step_size: float) -> tf.Tensor:
        return x_adv + step_size * grad / (_per_example_norm(grad) + 1e-12)

    def project(self, x_adv: tf.Tensor, x: tf.Tensor) -> tf.Tensor:
        delta = x_adv - x
        scale = tf.minimum(1.0, self.epsilon / (_per_example_norm(delta) + 1e-12))
        return tf.clip_by_value(x + delta * scale, 0.0, 1.0)


THREAT_MODELS = {"linf": LinfBall, "l2": L2Ball}


def threat_model(norm: str, epsilon: float):
    """The threat model for `norm` ("linf" or "l2") and radius `epsilon` (pixel units)."""
    check_choice("norm", norm, THREAT_MODELS)
    return THREAT_MODELS[norm](epsilon)
