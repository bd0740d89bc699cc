"""Attribution maps A(x) for a chosen class: name → fn(model, x [N,H,W,C], classes [N]); and the
input-gradient building blocks the training methods share."""

from igdtf.attributions.boundary import closest_wrong_class, direction_alignment, margin_gradient
from igdtf.attributions.gradients import (
    class_logit_gradient, class_logit_gradients, cross_entropy_input_gradient,
)
from igdtf.attributions.saliency import saliency

ATTRIBUTIONS = {"saliency": saliency}

__all__ = [
    "ATTRIBUTIONS", "class_logit_gradient", "class_logit_gradients", "closest_wrong_class", "direction_alignment",
    "cross_entropy_input_gradient", "margin_gradient", "saliency",
]
