"""Evaluators: plain objects with `run(model, dataset) -> {name: PerSample}` and `describe()`.

`dataset` yields batches (images [B, H, W, C] float in [0, 1], labels [B] int) in a fixed
order; random draws are seeded by (seed, batch index) so every model sees the same noise.
Evaluators that read attribution maps are AttributionEvaluators: one attribution, computed
once per batch, shared by all of its map tests (map_tests.py).
"""

import functools

import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.attributions import ATTRIBUTIONS, DEFAULT_ATTRIBUTION, class_logit_gradient
from igdtf.evaluation.metrics.batches import correct, map_batches
from igdtf.evaluation.metrics.inductive import INA_MODES, RN_MODES, inductive_noise, random_k_mask
from igdtf.evaluation.metrics.map_tests import INA_FRACTIONS, GiniTest, InductiveNoiseTest
from igdtf.evaluation.metrics.outcomes import ERROR_ON_COMMON, MEAN, MEAN_ON_CORRECT, PerSample, qualified
from igdtf.seeding import batch_seed, fold_seed, fold_seed_int32
from igdtf.validation import check_choice, check_fraction, check_positive_int

RN_FRACTIONS = (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2)
_ATTRIBUTION_STREAM, _RANDOM_MASK_STREAM = 101, 102

__all__ = [
    "INA_FRACTIONS", "RN_FRACTIONS", "AttributionEvaluator", "AttributionGini", "BatchEvaluator",
    "CleanAccuracy", "Confidence", "GradientNorm", "InductiveNoise", "PGDAccuracy", "RandomNoise",
]


class BatchEvaluator:
    """Base of the evaluators that map one function over the batches in tf.function.

    Subclasses define `step(model, x, y, batch_index) -> {name: [B] tensor}` and
    `summary(name)`. The compiled step is kept per model, so evaluating the same model again
    (a training callback every few epochs) reuses its trace instead of tracing anew.
    """

    def step(self, model, x, y, index) -> dict:
        raise NotImplementedError

    def summary(self, name: str) -> str:
        raise NotImplementedError

    def run(self, model, dataset) -> dict[str, PerSample]:
        compiled = self.__dict__.setdefault("_compiled", {})
        if id(model) not in compiled:  # the model is kept with its function, so ids are not reused
            compiled[id(model)] = (model, tf.function(functools.partial(self.step, model), reduce_retracing=True))
        values = map_batches(compiled[id(model)][1], dataset)
        return {name: PerSample(v, self.summary(name)) for name, v in values.items()}


class CleanAccuracy(BatchEvaluator):
    """clean_acc: per-sample correctness on the clean test images."""

    def step(self, model, x, y, index):
        return {"clean_acc": correct(model, x, y)}

    def summary(self, name):
        return MEAN

    def describe(self) -> dict:
        return {}


class Confidence(BatchEvaluator):
    """confidence: softmax probability of the true class, averaged over the samples the model
    classifies correctly."""

    def step(self, model, x, y, index):
        probabilities = tf.nn.softmax(tf.cast(model(x, training=False), tf.float32))
        return {"confidence": tf.gather(probabilities, y, axis=1, batch_dims=1)}

    def summary(self, name):
        return MEAN_ON_CORRECT

    def describe(self) -> dict:
        return {"averaged over": "samples the model classifies correctly"}


class GradientNorm(BatchEvaluator):
    """grad_l1: ‖∂f_y/∂x‖₁ of the true-class logit, averaged over all samples."""

    def step(self, model, x, y, index):
        gradient = class_logit_gradient(model, x, y)
        return {"grad_l1": tf.reduce_sum(tf.abs(tf.reshape(gradient, [tf.shape(x)[0], -1])), axis=1)}

    def summary(self, name):
        return MEAN

    def describe(self) -> dict:
        return {"logit": "true class"}


class PGDAccuracy(BatchEvaluator):
    """pgd_acc: per-sample correctness under `attack` (default PGD-20, L∞ ε = 8/255).

    With restarts > 1 a sample counts as correct only if it survives every restart (each from
    its own random start): the per-example worst case.
    """

    def __init__(self, attack: PGD = PGD(steps=20), seed: int = 0, restarts: int = 1):
        self.attack = attack
        self.seed = seed
        self.restarts = check_positive_int("restarts", restarts)
        if restarts > 1 and not attack.random_start:
            raise ValueError(f"restarts={restarts} needs an attack with random_start=True; without "
                             "a random start every restart gives the same result.")

    def step(self, model, x, y, index):
        survived, first = tf.ones_like(y, tf.bool), batch_seed(self.seed, index)
        for restart in range(self.restarts):
            # Restart 0 draws what a single run draws; later ones fold in their index.
            seed = first if restart == 0 else fold_seed_int32(first, restart)
            survived &= correct(model, self.attack(model, x, y, seed), y)
        return {"pgd_acc": survived}

    def summary(self, name):
        return MEAN

    def describe(self) -> dict:
        return {"attack": self.attack.describe(), "seed": self.seed, "restarts": self.restarts}


class RandomNoise(BatchEvaluator):
    """rn1@f / rn2@f: still correct after the INA noise (same N(0,1) draw) is added to (rn1) or
    replaces (rn2) a random fraction f of the input elements; masks are nested across f."""

    def __init__(self, fractions=RN_FRACTIONS, modes=RN_MODES, seed: int = 0):
        self.fractions = tuple(check_fraction("RN fraction", f) for f in fractions)
        self.modes = tuple(check_choice("random noise mode", m, RN_MODES) for m in modes)
        self.seed = seed

    def step(self, model, x, y, index):
        seed = batch_seed(self.seed, index)
        noise = tf.random.stateless_normal(tf.shape(x), seed)
        mask_seed = fold_seed(seed, _RANDOM_MASK_STREAM)  # one draw: masks nest across fractions
        results = {}
        for fraction in self.fractions:
            mask = random_k_mask(tf.shape(x), fraction, mask_seed)
            for mode in self.modes:
                results[f"{mode}@{fraction:g}"] = correct(model, inductive_noise(x, mask, noise, mode), y)
        return results

    def summary(self, name):
        return ERROR_ON_COMMON

    def describe(self) -> dict:
        return {"fractions": list(self.fractions), "modes": list(self.modes),
                "noise": "N(0, 1), clipped to [0, 1]", "seed": self.seed}


class AttributionEvaluator(BatchEvaluator):
    """Computes `attribution`'s maps for the true class once per batch and runs every map test
    on them. Outcome names of attributions other than saliency carry "[attribution]"."""

    def __init__(self, tests, attribution: str = DEFAULT_ATTRIBUTION, seed: int = 0):
        self.attribution = check_choice("attribution", attribution, ATTRIBUTIONS)
        self.tests = list(tests)
        if not self.tests:
            raise ValueError("An AttributionEvaluator needs at least one map test.")
        self.seed = seed
        self._summaries: dict[str, str] = {}  # filled while tracing: outcome name → summary

    @property
    def label(self) -> str:
        """The evaluator's key in the report (one per attribution)."""
        suffix = "" if self.attribution == DEFAULT_ATTRIBUTION else f"[{self.attribution}]"
        return type(self).__name__ + suffix

    def step(self, model, x, y, index):
        seed = batch_seed(self.seed, index)
        maps = ATTRIBUTIONS[self.attribution](model, x, y, fold_seed(seed, _ATTRIBUTION_STREAM))
        needs_gradient = any(test.needs_gradient for test in self.tests)
        gradient = class_logit_gradient(model, x, y) if needs_gradient else None
        results = {}
        for test in self.tests:
            for name, value in test.outcomes(model, x, y, maps, gradient, seed).items():
                results[qualified(name, self.attribution)] = value
                self._summaries[qualified(name, self.attribution)] = test.summary(name)
        return results

    def summary(self, name):
        return self._summaries[name]

    def describe(self) -> dict:
        return {"attribution": self.attribution, "method": ATTRIBUTIONS[self.attribution].describe(),
                "seed": self.seed, "tests": {type(t).__name__: t.describe() for t in self.tests}}


class AttributionGini(AttributionEvaluator):
    """gini_global and gini_regional (block×block sums, channels summed) of the true-class map."""

    def __init__(self, block: int, attribution: str = DEFAULT_ATTRIBUTION, seed: int = 0, **channels):
        super().__init__([GiniTest(block, **channels)], attribution, seed)


class InductiveNoise(AttributionEvaluator):
    """ina1@f / ina2@f: per-sample correctness after N(0,1) noise on the top-f attributed elements."""

    def __init__(self, fractions=INA_FRACTIONS, modes=INA_MODES, attribution: str = DEFAULT_ATTRIBUTION,
                 seed: int = 0, weight_sums: bool = False):
        super().__init__([InductiveNoiseTest(fractions, modes, weight_sums)], attribution, seed)
