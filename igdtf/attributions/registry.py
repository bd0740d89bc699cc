"""Attribution names → configured methods (the names the CLI and evaluators accept).

Defaults are the IGD paper's: IG with 20 steps, Gauss–Legendre nodes (its authors' captum default;
`ig_riemann_right` and `ig_trapezoid` place them otherwise) and a standard-normal random baseline, as
the authors' evaluation code (`ig_uniform`: uniform [0, 1] noise), SmoothGrad with σ = 0.2
and 20 samples, GradientShap with a zero baseline and 10 samples. Register another
configuration under a new name, e.g. `ATTRIBUTIONS["ig50"] = IntegratedGradients(steps=50)`.
"""

from igdtf.attributions.base import Attribution
from igdtf.attributions.gradient_shap import GradientShap
from igdtf.attributions.integrated_gradients import IntegratedGradients
from igdtf.attributions.saliency import InputXGradient, Saliency
from igdtf.attributions.smoothgrad import SmoothGrad
from igdtf.validation import check_choice

DEFAULT_ATTRIBUTION = "saliency"

ATTRIBUTIONS: dict[str, Attribution] = {
    "saliency": Saliency(),
    "input_x_gradient": InputXGradient(),
    "ig": IntegratedGradients(steps=20, baseline="random_normal"),
    "ig_uniform": IntegratedGradients(steps=20, baseline="random"),
    "ig_zero": IntegratedGradients(steps=20, baseline="zero"),
    "ig_blurred": IntegratedGradients(steps=20, baseline="blurred"),
    "ig_riemann_right": IntegratedGradients(steps=20, baseline="random_normal", rule="riemann_right"),
    "ig_trapezoid": IntegratedGradients(steps=20, baseline="random_normal", rule="trapezoid"),
    "smoothgrad": SmoothGrad(samples=20, sigma=0.2, squared=False),
    "smoothgrad_sq": SmoothGrad(samples=20, sigma=0.2, squared=True),
    "gradient_shap": GradientShap(samples=10, baseline="zero"),
}


def get_attribution(name: str) -> Attribution:
    """The method registered as `name`; ValueError listing the known names otherwise."""
    return ATTRIBUTIONS[check_choice("attribution", name, ATTRIBUTIONS)]
