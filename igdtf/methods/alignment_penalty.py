"""The gradient-alignment penalty of Lanfredi et al. (Pattern Recognition 2023)."""

from collections.abc import Callable

from igdtf.attributions import direction_alignment
from igdtf.methods.base import Trainer
from igdtf.validation import check_non_negative


class AlignmentPenalty(Trainer):
    """loss = CE(f(x), y) − λ_α·cos(∇ℓ(x), Δx) per example (their Eq. 9), ℓ = f_c̃ − f_y with c̃
    the closest wrong class (igdtf.attributions.direction_alignment).

    Reports `alpha`, the mean alignment α_Δx. Lanfredi et al. show that robustness (ε50%) grows
    with this alignment.

    Args:
      delta_x: fn(x, labels, target) → [N, ...] vectors to the closest point of class target's
        support; analytic for Spheres and Squares (`DatasetInfo.delta_x`).
      alignment_penalty_weight: λ_α >= 0 (the authors' default 0.1).
    """

    penalty_metrics = ("alpha",)

    def __init__(self, student, delta_x: Callable | None = None, alignment_penalty_weight: float = 0.1,
                 **kwargs):
        if delta_x is None:
            raise ValueError("The alignment penalty needs delta_x, the vector from x to the closest point of "
                             "the closest wrong class; datasets with a closed form (spheres, squares) provide "
                             "it as DatasetInfo.delta_x.")
        super().__init__(student, **kwargs)
        self.delta_x = delta_x
        self.alignment_penalty_weight = check_non_negative("alignment_penalty_weight (λ_α)",
                                                           alignment_penalty_weight)

    def penalty(self, x, y, seed, logits):
        alpha = direction_alignment(self.student, x, y, self.delta_x)
        return -self.alignment_penalty_weight * alpha, {"alpha": alpha}
