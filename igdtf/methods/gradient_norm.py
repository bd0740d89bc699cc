"""Input-gradient regularisation (Ross & Doshi-Velez, AAAI 2018)."""

import dataclasses

import tensorflow as tf

from igdtf.attributions import cross_entropy_input_gradient
from igdtf.methods.base import Trainer
from igdtf.methods.options import MethodOptions, option
from igdtf.ops import flatten_per_example
from igdtf.validation import check_non_negative


@dataclasses.dataclass(frozen=True)
class InputGradientNormOptions(MethodOptions):
    input_gradient_norm_lambda: float = option(1.0, "lambda, weight of ||dCE/dx||^2.", check=check_non_negative,
                                               deprecated_names=("grad_norm_lambda",), symbol="λ")


class InputGradientNorm(Trainer):
    """loss = CE(f(x), y) + λ·‖∂CE(f(x), y)/∂x‖₂² per example ("double backpropagation").

    The input gradient is taken with training=False (examples independent) and differentiated
    again by the outer tape. Reports `grad_norm`, the mean ‖∂CE/∂x‖₂ (x in input units).

    Args:
      options: InputGradientNormOptions; input_gradient_norm_lambda is λ >= 0. Ross &
        Doshi-Velez tune it per dataset (their inputs are in [0, 1] too); larger λ trades clean
        accuracy for robustness.
    """

    method_name = "input_gradient_norm"
    summary = "CE + lambda*||dCE/dx||^2 (Ross & Doshi-Velez 2018)."
    options_class = InputGradientNormOptions
    penalty_metrics = ("grad_norm",)

    def penalty(self, x, y, seed, logits):
        gradient = flatten_per_example(cross_entropy_input_gradient(self.student, x, y))
        squared_norm = tf.reduce_sum(tf.square(gradient), axis=1)
        return self.options.input_gradient_norm_lambda * squared_norm, {"grad_norm": tf.sqrt(squared_norm)}
