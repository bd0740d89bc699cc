"""Robustness as a function of ε, and ε50% (Lanfredi et al.): the ε at which half of the test
set is misclassified under PGD."""

import numpy as np

from igdtf.attacks import PGD
from igdtf.attributions import direction_alignment
from igdtf.evaluation.metrics.batches import correct, map_batches
from igdtf.evaluation.metrics.outcomes import MEAN, PerSample
from igdtf.seeding import batch_seed
from igdtf.validation import check_positive_int


class RobustnessCurve:
    """robust_acc_<norm>@ε: per-sample correctness under PGD-k at every ε of a grid.

    The step size is step_factor·ε/steps (Madry et al.'s 2.5·ε/k), so every ε gets a full-length
    search; `bounds` is the valid input range (None for unbounded vector data).
    """

    def __init__(self, epsilons, norm: str = "l2", steps: int = 40, step_factor: float = 2.5,
                 bounds=(0.0, 1.0), random_start: bool = True, seed: int = 0):
        self.epsilons = tuple(sorted(float(e) for e in epsilons))
        if not self.epsilons or self.epsilons[0] <= 0:
            raise ValueError(f"epsilons must be a non-empty list of values > 0, received {list(epsilons)!r}.")
        self.attacks = [PGD(norm, e, step_factor * e / check_positive_int("steps", steps), steps, random_start, bounds)
                        for e in self.epsilons]
        self.norm, self.seed = norm, seed

    @property
    def curve_name(self) -> str:
        return f"robust_acc_{self.norm}"

    def run(self, model, dataset) -> dict[str, PerSample]:
        def step(x, y, index):
            return {f"{self.curve_name}@{attack.epsilon:g}": correct(model, attack(model, x, y, batch_seed(self.seed, index)), y)
                    for attack in self.attacks}

        return {name: PerSample(v, MEAN) for name, v in map_batches(step, dataset).items()}

    def describe(self) -> dict:
        return {"attacks": [attack.describe() for attack in self.attacks], "seed": self.seed}


def epsilon_50(curve: dict, clean_accuracy: float) -> float | None:
    """ε50%: where accuracy, linearly interpolated over ε (with accuracy `clean_accuracy` at
    ε = 0), first falls to 0.5. 0 if the clean accuracy is at most 0.5; None if the accuracy
    stays above 0.5 up to the largest ε of the curve ({ε: accuracy}, keys numbers or strings)."""
    points = [(0.0, float(clean_accuracy))] + sorted((float(e), float(a)) for e, a in curve.items())
    if points[0][1] <= 0.5:
        return 0.0
    for (e0, a0), (e1, a1) in zip(points, points[1:]):
        if a1 <= 0.5:
            return e0 + (a0 - 0.5) * (e1 - e0) / (a0 - a1)
    return None


class DirectionAlignment:
    """alpha_dx: α_Δx = cos(∇ℓ(x), Δx) per test sample (Lanfredi et al.); needs a closed-form
    (or estimated) delta_x(x, labels, target); `name` tells Δx sources apart in one report."""

    def __init__(self, delta_x, name: str = "alpha_dx"):
        self.delta_x = delta_x
        self.name = name

    def run(self, model, dataset) -> dict[str, PerSample]:
        values = map_batches(lambda x, y, i: {self.name: direction_alignment(model, x, y, self.delta_x)}, dataset)
        return {name: PerSample(np.asarray(v), MEAN) for name, v in values.items()}

    def describe(self) -> dict:
        return {"delta_x": getattr(self.delta_x, "__name__", str(self.delta_x))}
