"""TRADES (Zhang et al. 2019) and TRADES + IGD."""

import dataclasses

import tensorflow as tf

from igdtf.attacks import kl_divergence
from igdtf.methods.igd import IGDOptions, igd_term
from igdtf.methods.options import option
from igdtf.methods.pgdat import PGDAT, AdversarialOptions
from igdtf.methods.teacher import attach_teacher
from igdtf.seeding import fold_seed, replica_invariant_normal
from igdtf.validation import check_non_negative

_START_STREAM = 11


@dataclasses.dataclass(frozen=True)
class TRADESOptions(AdversarialOptions):
    trades_beta: float = option(6.0, "beta, weight of the KL term (paper: 6).", check=check_non_negative, symbol="β")


@dataclasses.dataclass(frozen=True)
class TRADESIGDOptions(TRADESOptions, IGDOptions):
    """TRADES' beta and IGD's lambda."""


class TRADES(PGDAT):
    """loss = CE(f(x), y) + β·KL(f(x) ‖ f(x')), x' = argmax of the KL in the threat set.

    The inner maximisation starts at x + 0.001·N(0, 1) (drawn replica-invariantly, so R replicas
    step exactly like one device) and takes `attack.steps` steps of `attack.step_size` within
    `attack`'s ε-ball, with the clean prediction held fixed and training=False, as in the
    authors' code. The outer loss uses training-mode logits for both x and x'. Reports `kl`.
    Cross-entropy and `acc` are on the clean inputs.

    Args:
      options: TRADESOptions; trades_beta is β >= 0 (the paper's default 6).
      Other arguments as PGDAT (its `attack` gives ε, step size and steps; its random_start is
      replaced by TRADES' small Gaussian start).
    """

    method_name = "trades"
    summary = "CE(f(x)) + beta*KL(f(x) || f(x')), x' maximising the KL (Zhang et al. 2019)."
    options_class = TRADESOptions
    penalty_metrics = ("kl",)
    start_noise = 0.001

    def training_inputs(self, x, y, seed):
        return x  # CE on clean inputs; the adversarial point enters through the KL term

    def adversarial_inputs(self, x) -> tf.Tensor:
        """x' maximising KL(f(x) ‖ f(x')) with the training attack (training=False), no gradient;
        PGD starts at x + 0.001·N(0, 1), the single-step attacks from their own noise."""
        clean_logits = tf.stop_gradient(self.student(x, training=False))
        start_seed = fold_seed(self.step_seed(per_replica=False), _START_STREAM)
        start = x + self.start_noise * replica_invariant_normal(x, start_seed)
        return self.training_attack(self.student, x, None, start_seed, scale=self.epsilon_scale(), start=start,
                                    loss_fn=lambda _, logits: kl_divergence(clean_logits, logits))

    def penalty(self, x, y, seed, logits):
        adversarial_logits = self.student(self.adversarial_inputs(x), training=True)
        kl = kl_divergence(logits, adversarial_logits)
        return self.options.trades_beta * kl, {"kl": kl}


class TRADESIGD(TRADES):
    """TRADES + IGD: loss = TRADES loss − λ·cos(∂f_y(x)/∂x, ∂t_y(x)/∂x) on the clean x.

    Args:
      teacher: a frozen standard-trained classifier with the student's input shape and classes.
      options: TRADESIGDOptions (trades_beta, and IGD's igd_lambda, λ >= 0, default 2).
      Other arguments as TRADES. Reports `kl` and `cos`.
    """

    method_name = "trades_igd"
    summary = "TRADES - lambda*cos(student, teacher input gradients) (TRADES + IGD)."
    teacher_kind = "standard"
    options_class = TRADESIGDOptions
    penalty_metrics = ("kl", "cos")

    def __init__(self, student, teacher, **kwargs):
        super().__init__(student, **kwargs)
        attach_teacher(self, teacher)

    def penalty(self, x, y, seed, logits):
        trades_term, values = super().penalty(x, y, seed, logits)
        term, cosine = igd_term(self, x, y)
        return trades_term + term, {**values, "cos": cosine}
