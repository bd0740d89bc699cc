"""Projected gradient descent (Madry et al. 2018), shared by training and evaluation."""

import dataclasses

import tensorflow as tf

from igdtf.attacks.losses import cross_entropy
from igdtf.attacks.threat_models import threat_model
from igdtf.validation import check_non_negative, check_positive_int


def pgd_attack(model, x, y, threat, steps, step_size, random_start, seed=None, loss_fn=cross_entropy):
    """Maximises `loss_fn` over the threat set around x with `steps` projected ascent steps.

    Args:
      model: maps [N, ...] inputs to [N, K] logits; called with training=False.
      x: [N, ...] clean inputs (images [N, H, W, C] in [0, 1], or vectors). y: [N] labels.
      threat: a threat model (see threat_models.py).
      steps: number of ascent steps; step_size: step length in pixel units.
      random_start: start from threat.random_init(x, seed) instead of x.
      seed: stateless [2] integer seed, required when random_start is True.
      loss_fn: (labels, logits) -> [N] per-example loss to maximise.
    Returns:
      [N, ...] float32 adversarial inputs, with no gradient flowing back to x or the model.
    """
    x = tf.cast(x, tf.float32)
    if random_start:
        if seed is None:
            raise ValueError("pgd_attack with random_start=True needs a stateless seed.")
        x_adv = threat.random_init(x, seed)
    else:
        x_adv = x

    def ascend(i, x_adv):
        with tf.GradientTape() as tape:
            tape.watch(x_adv)
            loss = tf.reduce_sum(loss_fn(y, tf.cast(model(x_adv, training=False), tf.float32)))
        # A model without a gradient path (e.g. a rounding layer) gets zeros, not None.
        grad = tape.gradient(loss, x_adv, unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return i + 1, tf.stop_gradient(threat.project(threat.step(x_adv, grad, step_size), x))

    _, x_adv = tf.while_loop(lambda i, _: i < steps, ascend, (tf.constant(0), x_adv))
    return tf.stop_gradient(x_adv)


@dataclasses.dataclass(frozen=True)
class PGD:
    """A PGD-k attack configuration; call it as `PGD(...)(model, x, y, seed)`.

    Defaults are the papers': L∞, ε = 8/255, step 2/255, 10 steps, random start, inputs in
    [0, 1]. `bounds=None` attacks unbounded inputs (vectors of synthetic datasets).
    """

    norm: str = "linf"
    epsilon: float = 8 / 255
    step_size: float = 2 / 255
    steps: int = 10
    random_start: bool = True
    bounds: tuple | None = (0.0, 1.0)

    def __post_init__(self):
        threat_model(self.norm, self.epsilon, self.bounds)  # validates norm, epsilon and bounds
        check_non_negative("step_size", self.step_size)
        check_positive_int("steps", self.steps)

    @property
    def threat(self):
        return threat_model(self.norm, self.epsilon, self.bounds)

    def __call__(self, model, x, y, seed=None, loss_fn=cross_entropy, scale=None) -> tf.Tensor:
        """Attacks `model` at (x, y); `scale` (a scalar, possibly a tensor, or a per-example
        tensor broadcasting as [N, 1, ...]) multiplies both ε and the step size, e.g. for an ε
        warm-up or an ε search per example."""
        if scale is None:
            threat, step_size = self.threat, self.step_size
        else:
            threat = threat_model(self.norm, self.epsilon * scale, self.bounds)
            step_size = self.step_size * scale
        return pgd_attack(model, x, y, threat, self.steps, step_size, self.random_start, seed, loss_fn)

    def describe(self) -> dict:
        """The attack's parameters, for reports."""
        return dataclasses.asdict(self)
