"""Map tests: measurements made from a batch's attribution maps.

A map test is a plain object with
  outcomes(model, x, y, maps, gradient, seed) -> {name: [B] tensor}   (run inside tf.function)
  summary(name) -> how that outcome is summarised (see outcomes.py)
  describe() -> its parameters, for the report
and `needs_gradient` (True if it reads `gradient` = ∂f_y/∂x, else None is passed). The
AttributionEvaluator computes the maps of one attribution once per batch and hands them to all
of its map tests, so thresholds, fractions and attacks reuse the same maps.
"""

import tensorflow as tf

from igdtf.evaluation.metrics.batches import correct
from igdtf.evaluation.metrics.gini import CHANNEL_REDUCTIONS, gini_global, gini_regional
from igdtf.evaluation.metrics.inductive import INA_MODES, inductive_noise, masked_weight_sums, top_k_mask
from igdtf.evaluation.metrics.occlusion import OCCLUSION_COLOURS, occlusion_still_correct
from igdtf.evaluation.metrics.outcomes import ERROR_ON_COMMON, MEAN, MEAN_ON_COMMON
from igdtf.validation import check_choice, check_fraction, check_positive_int

WEIGHT_SUMS = ("w2_sum", "w_sum_sq")
INA_FRACTIONS = (0.002, 0.004, 0.006, 0.008, 0.01, 0.012, 0.014, 0.016, 0.018, 0.02)


class GiniTest:
    """gini_global and gini_regional (block×block sums) of |A|; channels merged as gini.py says."""

    needs_gradient = False

    def __init__(self, block: int, global_channels: str = "keep", regional_channels: str = "sum"):
        self.block = check_positive_int("block", block)
        self.global_channels = check_choice("channel reduction", global_channels, CHANNEL_REDUCTIONS)
        self.regional_channels = check_choice("channel reduction", regional_channels, CHANNEL_REDUCTIONS)

    def outcomes(self, model, x, y, maps, gradient, seed):
        return {"gini_global": gini_global(maps, self.global_channels),
                "gini_regional": gini_regional(maps, self.block, self.regional_channels)}

    def summary(self, name):
        return MEAN

    def describe(self):
        return {"block": self.block, "channels": {"global": self.global_channels,
                                                  "regional": self.regional_channels}}


class MapNorm:
    """attribution_l1: ‖A‖₁ = Σ|A| over all input elements (IGD paper Table 2)."""

    needs_gradient = False

    def outcomes(self, model, x, y, maps, gradient, seed):
        return {"attribution_l1": tf.reduce_sum(tf.abs(tf.reshape(maps, [tf.shape(maps)[0], -1])), axis=1)}

    def summary(self, name):
        return MEAN

    def describe(self):
        return {}


class InductiveNoiseTest:
    """ina1@f / ina2@f: still correct after N(0,1) noise on the top-f attributed elements; with
    `weight_sums`, also w2_sum@f = Σw² and w_sum_sq@f = (Σw)² over those elements (w = ∂f_y/∂x,
    averaged over the correct-by-all samples). The noise is drawn from the batch seed itself."""

    def __init__(self, fractions=INA_FRACTIONS, modes=INA_MODES, weight_sums: bool = False):
        self.fractions = tuple(check_fraction("INA fraction", f) for f in fractions)
        self.modes = tuple(check_choice("inductive noise mode", m, INA_MODES) for m in modes)
        self.weight_sums = bool(weight_sums)
        self.needs_gradient = self.weight_sums

    def outcomes(self, model, x, y, maps, gradient, seed):
        noise = tf.random.stateless_normal(tf.shape(x), seed)
        results = {}
        for fraction in self.fractions:
            mask = top_k_mask(maps, fraction)
            for mode in self.modes:
                results[f"{mode}@{fraction:g}"] = correct(model, inductive_noise(x, mask, noise, mode), y)
            if self.weight_sums:
                squares, square_of_sum = masked_weight_sums(gradient, mask)
                results[f"w2_sum@{fraction:g}"] = squares
                results[f"w_sum_sq@{fraction:g}"] = square_of_sum
        return results

    def summary(self, name):
        return MEAN_ON_COMMON if name.partition("@")[0] in WEIGHT_SUMS else ERROR_ON_COMMON

    def describe(self):
        return {"fractions": list(self.fractions), "modes": list(self.modes),
                "noise": "N(0, 1), clipped to [0, 1]", "weight_sums": self.weight_sums}


class OcclusionTest:
    """ioa_<colour>@r: still correct under every occlusion of ≤ `centres` top pixels with
    squares of radius ≤ r (r = 1..`radius`), for each colour (black, gray, white)."""

    needs_gradient = False

    def __init__(self, centres: int = 10, radius: int = 4, colours=tuple(OCCLUSION_COLOURS)):
        self.centres = check_positive_int("IOA centres (N)", centres)
        self.radius = check_positive_int("IOA radius (R)", radius)
        self.colours = tuple(check_choice("occlusion colour", c, OCCLUSION_COLOURS) for c in colours)

    def outcomes(self, model, x, y, maps, gradient, seed):
        pixels = x.shape[1] * x.shape[2]
        if self.centres > pixels:
            raise ValueError(f"IOA needs at most {pixels} centres for {x.shape[1]}×{x.shape[2]} images, "
                             f"received {self.centres}.")
        results = {}
        for colour in self.colours:
            kept = occlusion_still_correct(model, x, y, maps, self.centres, self.radius,
                                           OCCLUSION_COLOURS[colour])
            for r in range(1, self.radius + 1):
                results[f"ioa_{colour}@{r}"] = kept[r - 1]
        return results

    def summary(self, name):
        return ERROR_ON_COMMON

    def describe(self):
        return {"centres": self.centres, "radii": f"1..{self.radius}",
                "colours": {c: OCCLUSION_COLOURS[c] for c in self.colours},
                "pixel attribution": "|A| summed over channels"}
