"""Input Gradient Distillation (IGD paper, Eq. 3)."""

import tensorflow as tf

from igdtf.attributions import class_logit_gradient
from igdtf.methods.pgdat import PGDAT
from igdtf.methods.teacher import check_teacher_matches
from igdtf.ops import per_example_cosine
from igdtf.validation import check_non_negative


def igd_alignment(student, teacher, x, y) -> tf.Tensor:
    """cos(∂f_y(x)/∂x, ∂t_y(x)/∂x) per example, [N]; differentiable in the student's weights,
    the teacher's gradient a constant. Both models are called with training=False."""
    teacher_gradient = tf.stop_gradient(class_logit_gradient(teacher, x, y))
    return per_example_cosine(class_logit_gradient(student, x, y), teacher_gradient)


def attach_teacher(trainer, teacher, alignment_weight: float) -> None:
    """Checks `teacher` against trainer.student (ValueError), freezes it and sets
    trainer.teacher and trainer.alignment_weight (λ >= 0): IGD's set-up, shared by TRADES+IGD."""
    check_teacher_matches(teacher, trainer.student)
    trainer.alignment_weight = check_non_negative("alignment_weight (λ)", alignment_weight)
    teacher.trainable = False
    trainer.teacher = teacher


def igd_term(trainer, x, y):
    """(−λ·cos [N], cos [N]) of a trainer set up by `attach_teacher`."""
    cosine = igd_alignment(trainer.student, trainer.teacher, x, y)
    return -trainer.alignment_weight * cosine, cosine


class IGD(PGDAT):
    """loss = CE(f(x'), y) − λ·cos(∂f_y(x)/∂x, ∂t_y(x)/∂x), both gradients on the clean x.

    The student's gradient comes from an inner tape and is differentiated again by the outer
    one (double backprop); the teacher's is a constant. Both use training=False. Reports `cos`,
    the mean alignment, per step.

    Args:
      teacher: a frozen standard-trained classifier with the student's input shape and classes.
      alignment_weight: λ >= 0 (the paper uses 1–4, default 2).
      Other arguments as PGDAT.
    """

    penalty_metrics = ("cos",)

    def __init__(self, student, teacher, alignment_weight: float = 2.0, **kwargs):
        super().__init__(student, **kwargs)
        attach_teacher(self, teacher, alignment_weight)

    def penalty(self, x, y, seed, logits):
        term, cosine = igd_term(self, x, y)
        return term, {"cos": cosine}
