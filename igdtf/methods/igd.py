"""Input Gradient Distillation (IGD paper, Eq. 3)."""

import dataclasses

import tensorflow as tf

from igdtf.attributions import class_logit_gradient
from igdtf.methods.options import option
from igdtf.methods.pgdat import PGDAT, AdversarialOptions
from igdtf.methods.teacher import attach_teacher
from igdtf.ops import per_example_cosine
from igdtf.validation import check_non_negative


@dataclasses.dataclass(frozen=True)
class IGDOptions(AdversarialOptions):
    igd_lambda: float = option(2.0, "lambda, weight of the IGD alignment term (paper: 1-4).",
                               check=check_non_negative, symbol="λ")


def igd_alignment(student, teacher, x, y) -> tf.Tensor:
    """cos(∂f_y(x)/∂x, ∂t_y(x)/∂x) per example, [N]; differentiable in the student's weights,
    the teacher's gradient a constant. Both models are called with training=False."""
    teacher_gradient = tf.stop_gradient(class_logit_gradient(teacher, x, y))
    return per_example_cosine(class_logit_gradient(student, x, y), teacher_gradient)


def igd_term(trainer, x, y):
    """(−λ·cos [N], cos [N]) of a trainer with a teacher and options.igd_lambda = λ."""
    cosine = igd_alignment(trainer.student, trainer.teacher, x, y)
    return -trainer.options.igd_lambda * cosine, cosine


class IGD(PGDAT):
    """loss = CE(f(x'), y) − λ·cos(∂f_y(x)/∂x, ∂t_y(x)/∂x), both gradients on the clean x.

    The student's gradient comes from an inner tape and is differentiated again by the outer
    one (double backprop); the teacher's is a constant. Both use training=False. Reports `cos`,
    the mean alignment, per step.

    Args:
      teacher: a frozen standard-trained classifier with the student's input shape and classes.
      options: IGDOptions; igd_lambda is λ >= 0 (the paper uses 1–4, default 2).
      Other arguments as PGDAT.
    """

    method_name = "igd"
    summary = ("PGDAT - lambda*cos(student, teacher input gradients of the true logit); teacher = a frozen "
               "standard model (IGD paper).")
    teacher_kind = "standard"
    options_class = IGDOptions
    penalty_metrics = ("cos",)

    def __init__(self, student, teacher, **kwargs):
        super().__init__(student, **kwargs)
        attach_teacher(self, teacher)

    def penalty(self, x, y, seed, logits):
        term, cosine = igd_term(self, x, y)
        return term, {"cos": cosine}
