"""The gradient-alignment penalty of Lanfredi et al. (Pattern Recognition 2023)."""

import dataclasses
from collections.abc import Callable

from igdtf.attributions import direction_alignment
from igdtf.methods.base import Trainer
from igdtf.methods.options import MethodOptions, option
from igdtf.validation import check_non_negative


@dataclasses.dataclass(frozen=True)
class AlignmentPenaltyOptions(MethodOptions):
    alignment_penalty_lambda: float = option(
        0.1, "lambda_alpha, weight of the gradient-direction alignment (authors: 0.1).", check=check_non_negative,
        symbol="λ_α")


class AlignmentPenalty(Trainer):
    """loss = CE(f(x), y) − λ_α·cos(∇ℓ(x), Δx) per example (their Eq. 9), ℓ = f_c̃ − f_y with c̃
    the closest wrong class (igdtf.attributions.direction_alignment).

    Reports `alpha`, the mean alignment α_Δx. Lanfredi et al. show that robustness (ε50%) grows
    with this alignment.

    Args:
      delta_x: fn(x, labels, target) → [N, ...] vectors to the closest point of class target's
        support; analytic for Spheres and Squares (`DatasetInfo.delta_x`).
      options: AlignmentPenaltyOptions; alignment_penalty_lambda is λ_α >= 0 (the authors' 0.1).
    """

    method_name = "alignment_penalty"
    summary = ("CE - lambda_alpha*cos(grad of (logit of the closest wrong class - true logit), dx to the "
               "closest point of that class); needs a dataset with an analytic dx (spheres, squares) "
               "(Lanfredi et al.).")
    options_class = AlignmentPenaltyOptions
    penalty_metrics = ("alpha",)

    @classmethod
    def prepare(cls, context) -> dict:
        """The dataset's analytic Δx; ValueError if it has none."""
        if context.info.delta_x is None:
            raise ValueError(f"alignment_penalty needs the vector to the closest point of the closest wrong class "
                             f"in closed form, which {context.info.name} does not provide; datasets that do: "
                             "spheres, squares.")
        return {"delta_x": context.info.delta_x}

    def __init__(self, student, delta_x: Callable | None = None, **kwargs):
        if delta_x is None:
            raise ValueError("The alignment penalty needs delta_x, the vector from x to the closest point of "
                             "the closest wrong class; datasets with a closed form (spheres, squares) provide "
                             "it as DatasetInfo.delta_x.")
        super().__init__(student, **kwargs)
        self.delta_x = delta_x

    def penalty(self, x, y, seed, logits):
        alpha = direction_alignment(self.student, x, y, self.delta_x)
        return -self.options.alignment_penalty_lambda * alpha, {"alpha": alpha}
