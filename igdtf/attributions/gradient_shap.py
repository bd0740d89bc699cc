"""GradientShap (Lundberg & Lee 2017, as defined by Captum): expected gradients on random
points between a baseline and the (optionally noisy) input.

A(x) = (1/S)·Σ_s (x_s − b_s) ⊙ ∂f_c(b_s + α_s·(x_s − b_s))/∂x,
α_s ~ U(0, 1) per example, x_s = x + σ·n_s (σ = `noise`, 0 by default), b_s the baseline.
With the zero baseline this is integrated gradients at S random points of the path.
"""

import dataclasses

import tensorflow as tf

from igdtf.attributions.base import Attribution
from igdtf.attributions.baselines import BASELINES, make_baseline
from igdtf.attributions.gradients import average_over_samples, class_logit_gradient
from igdtf.seeding import fold_seed
from igdtf.validation import check_choice, check_non_negative, check_positive_int

_ALPHA, _NOISE, _BASELINE = 0, 1, 2  # seed streams of one sample


@dataclasses.dataclass(frozen=True)
class GradientShap(Attribution):
    """GradientShap with `samples` random points; baseline "zero" (default), "random" (new
    uniform noise per sample) or "blurred"."""

    samples: int = 10
    baseline: str = "zero"
    noise: float = 0.0
    blur_sigma: float = 5.0
    stochastic = True

    def __post_init__(self):
        check_positive_int("GradientShap samples", self.samples)
        check_choice("baseline", self.baseline, BASELINES)
        check_non_negative("GradientShap noise", self.noise)

    def attribute(self, model, x, classes, seed):
        def contribution(s):
            seed_s = fold_seed(seed, s)
            alpha = tf.random.stateless_uniform([tf.shape(x)[0], 1, 1, 1], fold_seed(seed_s, _ALPHA))
            noisy = x + self.noise * tf.random.stateless_normal(tf.shape(x), fold_seed(seed_s, _NOISE))
            baseline = make_baseline(self.baseline, x, fold_seed(seed_s, _BASELINE), self.blur_sigma)
            delta = noisy - baseline
            return delta * class_logit_gradient(model, baseline + alpha * delta, classes)

        return average_over_samples(self.samples, contribution)
