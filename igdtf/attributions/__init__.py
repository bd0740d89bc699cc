"""Attribution maps A(x) for a chosen class: name → fn(model, x [N,H,W,C], classes [N])."""

from igdtf.attributions.gradients import class_logit_gradient
from igdtf.attributions.saliency import saliency

ATTRIBUTIONS = {"saliency": saliency}

__all__ = ["ATTRIBUTIONS", "class_logit_gradient", "saliency"]
