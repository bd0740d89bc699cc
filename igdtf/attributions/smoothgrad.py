"""SmoothGrad (Smilkov et al. 2017) and its squared variant (Hooker et al. 2019).

plain:    A(x) = (1/S)·Σ_s ∂f_c(x + σ·n_s)/∂x          (signed)
squared:  A(x) = (1/S)·Σ_s (∂f_c(x + σ·n_s)/∂x)²
n_s ~ N(0, 1) per element; σ in pixel units (images in [0, 1]); noisy copies are not clipped.
tf-keras-vis scales σ by each image's value range (max − min) instead, which is the same for
images that span [0, 1]; it also draws its noise from NumPy's global generator, eagerly, which
is why evaluation uses this implementation (seeded per batch, in tf.function).
"""

import dataclasses

import tensorflow as tf

from igdtf.attributions.base import Attribution
from igdtf.attributions.gradients import average_over_samples, class_logit_gradient
from igdtf.seeding import fold_seed
from igdtf.validation import check_non_negative, check_positive_int


@dataclasses.dataclass(frozen=True)
class SmoothGrad(Attribution):
    """Mean (squared=True: mean square) of the class-logit gradient over `samples` noisy copies."""

    samples: int = 20
    sigma: float = 0.2
    squared: bool = False
    stochastic = True

    def __post_init__(self):
        check_positive_int("SmoothGrad samples", self.samples)
        check_non_negative("SmoothGrad sigma", self.sigma)

    def unit_noise(self, x, seed, s) -> tf.Tensor:
        """n_s: the N(0, 1) draw of sample s, shaped like x."""
        return tf.random.stateless_normal(tf.shape(x), fold_seed(seed, s))

    def attribute(self, model, x, classes, seed):
        def gradient_at(s):
            gradient = class_logit_gradient(model, x + self.sigma * self.unit_noise(x, seed, s), classes)
            return tf.square(gradient) if self.squared else gradient

        return average_over_samples(self.samples, gradient_at)
