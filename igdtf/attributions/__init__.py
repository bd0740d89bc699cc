"""Attribution maps A(x) for a chosen class: name → method(model, x [N,H,W,C], classes [N], seed)."""

from igdtf.attributions.base import Attribution
from igdtf.attributions.baselines import BASELINES, gaussian_blur, make_baseline
from igdtf.attributions.gradient_shap import GradientShap
from igdtf.attributions.gradients import average_over_samples, class_logit_gradient
from igdtf.attributions.integrated_gradients import IntegratedGradients
from igdtf.attributions.registry import ATTRIBUTIONS, DEFAULT_ATTRIBUTION, get_attribution
from igdtf.attributions.saliency import InputXGradient, Saliency, saliency
from igdtf.attributions.smoothgrad import SmoothGrad

__all__ = [
    "ATTRIBUTIONS", "BASELINES", "DEFAULT_ATTRIBUTION", "Attribution", "GradientShap", "InputXGradient",
    "IntegratedGradients", "Saliency", "SmoothGrad", "average_over_samples", "class_logit_gradient",
    "gaussian_blur", "get_attribution", "make_baseline", "saliency",
]
