"""Indirect gradient matching (IGDM; Lee, Cho & Kim, arXiv 2312.03286) on PGD adversarial training:

    loss = CE(f(x'), y) + α_e·KL(softmax(t(x + βδ) − t(x − βδ)) ‖ softmax(f(x + βδ) − f(x − βδ)))

δ = x' − x is the training attack's perturbation (PGD-k against the student), t a frozen robust
teacher. For locally linear models f(x + βδ) − f(x − βδ) ≈ 2β·J_f(x)·δ, so matching the output
differences matches the input gradients along δ without differentiating a gradient (no double
backprop). α_e = α·e/E grows linearly with the epoch e = 1..E of the run (the authors' schedule);
defaults α = 20, β = 1. x ± βδ are not clipped to the input bounds. Sources and decisions: docs/paper_settings.md.
"""

import dataclasses

import tensorflow as tf

from igdtf.attacks import kl_divergence
from igdtf.methods.options import option
from igdtf.methods.pgdat import PGDAT, AdversarialOptions
from igdtf.methods.teacher import attach_teacher
from igdtf.validation import check_non_negative, check_positive_int


@dataclasses.dataclass(frozen=True)
class IGDMOptions(AdversarialOptions):
    igdm_alpha: float = option(20.0, "alpha, weight of the output-difference KL, reached linearly at the last "
                               "epoch.", check=check_non_negative, symbol="α")
    igdm_beta: float = option(1.0, "beta, outputs compared at x +- beta*delta.", check=check_non_negative, symbol="β")


class IGDM(PGDAT):
    """IGDM on PGDAT (see the module docstring). The student's logits at x ± βδ use training=True
    (f(x + δ) is the CE forward pass itself when β = 1), the teacher's training=False. Reports
    `igdm_kl`, the KL term before its weight.

    Args:
      teacher: a frozen robust classifier with the student's input shape and classes.
      options: IGDMOptions: igdm_alpha α >= 0, igdm_beta β >= 0 (the scale of δ).
      ramp_epochs: E; with it, α_e = α·min(1, e/E) at epoch e = ⌊step / steps_per_epoch⌋ + 1
        (needs steps_per_epoch); None keeps α constant.
      Other arguments as PGDAT.
    """

    method_name = "igdm"
    summary = ("PGDAT + alpha_e*KL(softmax(t(x+d) - t(x-d)) || softmax(f(x+d) - f(x-d))), d = the PGD perturbation, "
               "alpha_e = alpha*epoch/epochs; teacher = a frozen robust model (Lee, Cho & Kim 2023).")
    teacher_kind = "robust"
    options_class = IGDMOptions
    penalty_metrics = ("igdm_kl",)
    penalty_needs_training_inputs = True

    @classmethod
    def prepare(cls, context) -> dict:
        """PGDAT's inputs and the α schedule over the run's epochs."""
        return {**super().prepare(context), "ramp_epochs": context.config.epochs,
                "steps_per_epoch": context.steps_per_epoch}

    def __init__(self, student, teacher, ramp_epochs: int | None = None, steps_per_epoch: int | None = None,
                 **kwargs):
        super().__init__(student, **kwargs)
        attach_teacher(self, teacher)
        if ramp_epochs is not None:
            check_positive_int("ramp_epochs", ramp_epochs)
            if not steps_per_epoch:
                raise ValueError("IGDM's linear α schedule needs a training dataset of known length "
                                 "(steps_per_epoch).")
            check_positive_int("steps_per_epoch", steps_per_epoch)
        self.ramp_epochs, self.steps_per_epoch = ramp_epochs, steps_per_epoch

    def weight(self) -> tf.Tensor:
        """α_e of the current optimizer step, a float32 scalar."""
        if self.ramp_epochs is None:
            return tf.constant(self.options.igdm_alpha, tf.float32)
        epoch = tf.cast(self.optimizer.iterations // self.steps_per_epoch + 1, tf.float32)
        return self.options.igdm_alpha * tf.minimum(1.0, epoch / float(self.ramp_epochs))

    def penalty(self, x, y, seed, logits, x_train=None):
        beta = self.options.igdm_beta
        delta = beta * (x_train - x)
        plus = logits if beta == 1.0 else self.student(x + delta, training=True)
        student_difference = tf.cast(plus, tf.float32) - tf.cast(self.student(x - delta, training=True), tf.float32)
        teacher_difference = tf.stop_gradient(tf.cast(self.teacher(x + delta, training=False), tf.float32)
                                              - tf.cast(self.teacher(x - delta, training=False), tf.float32))
        kl = kl_divergence(teacher_difference, student_difference)
        return self.weight() * kl, {"igdm_kl": kl}
