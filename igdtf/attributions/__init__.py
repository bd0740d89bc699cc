"""Attribution maps A(x) for a chosen class: name → method(model, x [N,H,W,C], classes [N], seed);
and the input-gradient building blocks the training methods share."""

from igdtf.attributions.base import Attribution
from igdtf.attributions.baselines import BASELINES, gaussian_blur, make_baseline
from igdtf.attributions.boundary import closest_wrong_class, direction_alignment, margin_gradient
from igdtf.attributions.gradient_shap import GradientShap
from igdtf.attributions.gradients import (
    average_over_samples, class_logit_gradient, class_logit_gradients, cross_entropy_input_gradient,
)
from igdtf.attributions.integrated_gradients import INTEGRATION_RULES, IntegratedGradients, integration_nodes
from igdtf.attributions.registry import ATTRIBUTIONS, DEFAULT_ATTRIBUTION, get_attribution
from igdtf.attributions.saliency import InputXGradient, Saliency, saliency
from igdtf.attributions.smoothgrad import SmoothGrad

__all__ = [
    "ATTRIBUTIONS", "BASELINES", "INTEGRATION_RULES", "DEFAULT_ATTRIBUTION", "Attribution", "GradientShap", "InputXGradient",
    "IntegratedGradients", "Saliency", "SmoothGrad", "average_over_samples", "class_logit_gradient",
    "class_logit_gradients", "closest_wrong_class", "cross_entropy_input_gradient", "direction_alignment",
    "gaussian_blur", "get_attribution", "integration_nodes", "make_baseline", "margin_gradient", "saliency",
]
