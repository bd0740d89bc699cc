"""Saliency (Simonyan et al. 2014) and input×gradient (Shrikumar et al. 2016)."""

import dataclasses

import tensorflow as tf

from igdtf.attributions.base import Attribution
from igdtf.attributions.gradients import class_logit_gradient


def saliency(model, x, classes) -> tf.Tensor:
    """|∂f_c(x)/∂x|, [N, H, W, C] float32 (channels kept; reducers decide how to merge them)."""
    return tf.abs(class_logit_gradient(model, x, classes))


@dataclasses.dataclass(frozen=True)
class Saliency(Attribution):
    """A(x) = |∂f_c(x)/∂x|; equal to tf-keras-vis's Saliency with keepdims=True and
    normalize_map=False (tests/attributions checks it)."""

    def attribute(self, model, x, classes, seed):
        return saliency(model, x, classes)


@dataclasses.dataclass(frozen=True)
class InputXGradient(Attribution):
    """A(x) = x ⊙ ∂f_c(x)/∂x (signed)."""

    def attribute(self, model, x, classes, seed):
        return x * class_logit_gradient(model, x, classes)
