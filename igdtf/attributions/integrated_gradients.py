"""Integrated gradients (Sundararajan et al. 2017), right Riemann sum over a straight path.

IG(x) = (x − x₀) ⊙ (1/m)·Σ_{k=1}^{m} ∂f_c(x₀ + (k/m)·(x − x₀))/∂x,  x₀ the baseline.
Completeness: Σ IG(x) → f_c(x) − f_c(x₀) as m grows (exact for a linear model at any m).
"""

import dataclasses

import tensorflow as tf

from igdtf.attributions.base import Attribution
from igdtf.attributions.baselines import BASELINES, make_baseline
from igdtf.attributions.gradients import average_over_samples, class_logit_gradient
from igdtf.validation import check_choice, check_non_negative, check_positive_int


@dataclasses.dataclass(frozen=True)
class IntegratedGradients(Attribution):
    """IG with `steps` gradient evaluations; baseline "zero", "random" (default, as in the IGD
    paper, one uniform-noise image per example) or "blurred" (Gaussian, `blur_sigma` px)."""

    steps: int = 20
    baseline: str = "random"
    blur_sigma: float = 5.0

    def __post_init__(self):
        check_positive_int("integrated gradients steps", self.steps)
        check_choice("baseline", self.baseline, BASELINES)
        if check_non_negative("blur_sigma", self.blur_sigma) == 0:
            raise ValueError("blur_sigma must be > 0 pixels, received 0.")

    @property
    def stochastic(self):
        return self.baseline == "random"

    def attribute(self, model, x, classes, seed):
        delta = x - make_baseline(self.baseline, x, seed, self.blur_sigma)
        origin = x - delta

        def gradient_at(k):
            alpha = (tf.cast(k, tf.float32) + 1.0) / self.steps
            return class_logit_gradient(model, origin + alpha * delta, classes)

        return delta * average_over_samples(self.steps, gradient_at)
