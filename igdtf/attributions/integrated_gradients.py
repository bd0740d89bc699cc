"""Integrated gradients (Sundararajan et al. 2017) over a straight path, with a choice of
quadrature rule.

IG(x) = (x − x₀) ⊙ ∫₀¹ ∂f_c(x₀ + α·(x − x₀))/∂x dα  ≈  (x − x₀) ⊙ Σ_k w_k·∂f_c(x₀ + α_k·(x − x₀))/∂x,
x₀ the baseline. The rule sets the m = `steps` nodes α_k and weights w_k:

  gausslegendre  Gauss–Legendre nodes and weights mapped to [0, 1]; exact when the gradient is a
                 polynomial of degree ≤ 2m − 1 along the path. The default: captum's default rule,
                 which the IGD authors' evaluation code uses (20 steps).
  riemann_right  α_k = k/m, w_k = 1/m (k = 1..m); error ~ 1/m.
  trapezoid      α_k = k/(m − 1), k = 0..m − 1, end weights halved; exact for a linear gradient
                 (a quadratic model); needs m ≥ 2.
Completeness: Σ IG(x) → f_c(x) − f_c(x₀) as m grows (exact for a linear model with every rule).
"""

import dataclasses

import numpy as np
import tensorflow as tf

from igdtf.attributions.base import Attribution
from igdtf.attributions.baselines import BASELINES, RANDOM_BASELINES, make_baseline
from igdtf.attributions.gradients import average_over_samples, class_logit_gradient
from igdtf.validation import check_choice, check_non_negative, check_positive_int

INTEGRATION_RULES = ("gausslegendre", "riemann_right", "trapezoid")


def integration_nodes(rule: str, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """([m] nodes α_k in [0, 1], [m] weights w_k summing to 1) of `rule` with m = `steps`, float64."""
    check_choice("integration rule", rule, INTEGRATION_RULES)
    check_positive_int("integrated gradients steps", steps)
    if rule == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return 0.5 * (nodes + 1.0), 0.5 * weights
    if rule == "riemann_right":
        return np.arange(1, steps + 1) / steps, np.full(steps, 1.0 / steps)
    if steps < 2:
        raise ValueError(f"The trapezoid rule needs integrated gradients steps >= 2, received {steps}.")
    weights = np.full(steps, 1.0 / (steps - 1))
    weights[[0, -1]] *= 0.5
    return np.linspace(0.0, 1.0, steps), weights


@dataclasses.dataclass(frozen=True)
class IntegratedGradients(Attribution):
    """IG with `steps` gradient evaluations placed by `rule` (INTEGRATION_RULES); baseline (BASELINES)
    "random_normal" (default, as in the IGD authors' evaluation: one N(0, 1) image per example),
    "random" (uniform [0, 1]), "zero" or "blurred" (Gaussian, `blur_sigma` px)."""

    steps: int = 20
    baseline: str = "random_normal"
    blur_sigma: float = 5.0
    rule: str = "gausslegendre"

    def __post_init__(self):
        integration_nodes(self.rule, self.steps)  # checks rule and steps
        check_choice("baseline", self.baseline, BASELINES)
        if check_non_negative("blur_sigma", self.blur_sigma) == 0:
            raise ValueError("blur_sigma must be > 0 pixels, received 0.")

    @property
    def stochastic(self):
        return self.baseline in RANDOM_BASELINES

    def attribute(self, model, x, classes, seed):
        delta = x - make_baseline(self.baseline, x, seed, self.blur_sigma)
        origin = x - delta
        nodes, weights = (tf.constant(v, tf.float32) for v in integration_nodes(self.rule, self.steps))

        def gradient_at(k):  # scaled by m so that the mean over k is Σ_k w_k·gradient_k
            gradient = class_logit_gradient(model, origin + nodes[k] * delta, classes)
            return (self.steps * weights[k]) * gradient

        return delta * average_over_samples(self.steps, gradient_at)
