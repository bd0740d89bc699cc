"""Knowledge distillation with input gradient alignment (KDIGA; Shao, Yi, Chen & Hsieh 2021,
arXiv 2110.12072), on clean inputs:

    loss = (1 − α)·CE(f(x), y) + α·τ²·KL(t^τ(x) ‖ f^τ(x)) + γ·‖∂CE(f(x), y)/∂x − ∂CE(t(x), y)/∂x‖₂

f^τ, t^τ are the softmax at temperature τ of the student and of a frozen robust teacher. Defaults
α = 0.5, τ = 1, γ = 1 (docs/paper_settings.md: where they come from, and the choices the paper leaves open).
"""

import dataclasses

import tensorflow as tf

from igdtf.attacks import cross_entropy, kl_divergence
from igdtf.attributions import cross_entropy_input_gradient
from igdtf.methods.base import Trainer
from igdtf.methods.options import MethodOptions, option
from igdtf.methods.teacher import attach_teacher
from igdtf.ops import flatten_per_example
from igdtf.validation import check_non_negative, check_positive, check_unit_interval


@dataclasses.dataclass(frozen=True)
class KDIGAOptions(MethodOptions):
    kdiga_alpha: float = option(
        0.5, "alpha in [0, 1], loss (1-alpha)*CE + alpha*tau^2*KL + gamma*||grad difference||.",
        check=check_unit_interval, symbol="α")
    kdiga_temperature: float = option(1.0, "tau > 0 of the KD term.", check=check_positive, symbol="τ")
    kdiga_gamma: float = option(1.0, "gamma, weight of the L2 distance of the CE input gradients (x in [0, 1]).",
                                check=check_non_negative, symbol="γ")


def input_gradient_distance(student, teacher, x, y) -> tf.Tensor:
    """‖∂CE(f(x), y)/∂x − ∂CE(t(x), y)/∂x‖₂ per example, [N] (x in input units, training=False);
    differentiable in the student's weights, the teacher's gradient a constant."""
    teacher_gradient = tf.stop_gradient(cross_entropy_input_gradient(teacher, x, y))
    difference = flatten_per_example(cross_entropy_input_gradient(student, x, y) - teacher_gradient)
    return tf.sqrt(tf.reduce_sum(tf.square(difference), axis=1) + 1e-12)  # finite gradient at 0


class KDIGA(Trainer):
    """KDIGA (see the module docstring). The student's input gradient comes from an inner tape and is
    differentiated again (double backprop). Reports `kd_kl` (KL(t^τ ‖ f^τ), without τ²) and
    `grad_diff` (the ℓ2 distance of the input gradients).

    Args:
      teacher: a frozen robust classifier with the student's input shape and classes.
      options: KDIGAOptions: kdiga_alpha α in [0, 1], kdiga_temperature τ > 0, kdiga_gamma γ >= 0.
      Other arguments as Trainer.
    """

    method_name = "kdiga"
    summary = ("(1-alpha)*CE + alpha*tau^2*KL(t^tau(x) || f^tau(x)) + gamma*||dCE_f/dx - dCE_t/dx||_2 on clean x; "
               "teacher = a frozen robust model (Shao et al. 2021).")
    teacher_kind = "robust"
    options_class = KDIGAOptions
    penalty_metrics = ("kd_kl", "grad_diff")

    def __init__(self, student, teacher, **kwargs):
        super().__init__(student, **kwargs)
        attach_teacher(self, teacher)

    def penalty(self, x, y, seed, logits):
        teacher_logits = tf.stop_gradient(tf.cast(self.teacher(x, training=False), tf.float32))
        options = self.options
        tau = options.kdiga_temperature
        kl = kl_divergence(teacher_logits / tau, logits / tau)
        distance = input_gradient_distance(self.student, self.teacher, x, y)
        # The base adds CE(f(x), y) once: −α·CE turns it into (1 − α)·CE.
        term = options.kdiga_alpha * (tau ** 2 * kl - cross_entropy(y, logits)) + options.kdiga_gamma * distance
        return term, {"kd_kl": kl, "grad_diff": distance}
