"""Input-gradient regularisation (Ross & Doshi-Velez, AAAI 2018)."""

import tensorflow as tf

from igdtf.attributions import cross_entropy_input_gradient
from igdtf.methods.base import Trainer
from igdtf.ops import flatten_per_example
from igdtf.validation import check_non_negative


class InputGradientNorm(Trainer):
    """loss = CE(f(x), y) + λ·‖∂CE(f(x), y)/∂x‖₂² per example ("double backpropagation").

    The input gradient is taken with training=False (examples independent) and differentiated
    again by the outer tape. Reports `grad_norm`, the mean ‖∂CE/∂x‖₂ (x in input units).

    Args:
      gradient_norm_weight: λ >= 0. Ross & Doshi-Velez tune it per dataset (their inputs are
        in [0, 1] too); larger λ trades clean accuracy for robustness.
    """

    penalty_metrics = ("grad_norm",)

    def __init__(self, student, gradient_norm_weight: float = 1.0, **kwargs):
        super().__init__(student, **kwargs)
        self.gradient_norm_weight = check_non_negative("gradient_norm_weight (λ)", gradient_norm_weight)

    def penalty(self, x, y, seed, logits):
        gradient = flatten_per_example(cross_entropy_input_gradient(self.student, x, y))
        squared_norm = tf.reduce_sum(tf.square(gradient), axis=1)
        return self.gradient_norm_weight * squared_norm, {"grad_norm": tf.sqrt(squared_norm)}
