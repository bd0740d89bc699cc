"""Saliency (Simonyan et al. 2014): the magnitude of the class logit's input gradient."""

import tensorflow as tf

from igdtf.attributions.gradients import class_logit_gradient


def saliency(model, x, classes) -> tf.Tensor:
    """|∂f_c(x)/∂x|, [N, H, W, C] float32 (channels kept; reducers decide how to merge them)."""
    return tf.abs(class_logit_gradient(model, x, classes))
