"""Evaluators: plain objects with `run(model, dataset) -> {name: PerSample}`.

`dataset` yields batches (images [B, H, W, C] float in [0, 1], labels [B] int) in a fixed
order; random draws are seeded by (seed, batch index) so every model sees the same noise.
"""

from collections import defaultdict

import numpy as np
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.attributions import ATTRIBUTIONS
from igdtf.evaluation.gini import gini_global, gini_regional
from igdtf.evaluation.inductive import INA_MODES, inductive_noise, top_k_mask
from igdtf.evaluation.outcomes import ERROR_ON_COMMON, MEAN, PerSample
from igdtf.validation import check_choice, check_fraction, check_positive_int

INA_FRACTIONS = (0.002, 0.004, 0.006, 0.008, 0.01, 0.012, 0.014, 0.016, 0.018, 0.02)


def batch_seed(seed: int, batch_index: tf.Tensor) -> tf.Tensor:
    """The stateless [2] seed of one batch."""
    return tf.random.experimental.stateless_fold_in(tf.constant([seed, 7], tf.int64), batch_index)


def map_batches(fn, dataset) -> dict[str, np.ndarray]:
    """Runs tf.function(fn)(x, y, batch_index) → {name: [B] tensor} over `dataset`; concatenates."""
    compiled = tf.function(fn, reduce_retracing=True)
    chunks = defaultdict(list)
    for index, (x, y) in enumerate(dataset):
        x = tf.cast(x, tf.float32)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        for name, value in compiled(x, y, tf.constant(index, tf.int64)).items():
            chunks[name].append(value.numpy())
    return {name: np.concatenate(parts) for name, parts in chunks.items()}


def correct(model, x, y) -> tf.Tensor:
    """[B] bool: model's prediction on x equals y (training=False)."""
    return tf.equal(tf.argmax(model(x, training=False), -1, output_type=tf.int32), y)


class CleanAccuracy:
    """clean_acc: per-sample correctness on the clean test images."""

    def run(self, model, dataset) -> dict[str, PerSample]:
        values = map_batches(lambda x, y, i: {"clean_acc": correct(model, x, y)}, dataset)
        return {name: PerSample(v, MEAN) for name, v in values.items()}

    def describe(self) -> dict:
        return {}


class PGDAccuracy:
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

    def run(self, model, dataset) -> dict[str, PerSample]:
        def step(x, y, index):
            survived, first = tf.ones_like(y, tf.bool), batch_seed(self.seed, index)
            for restart in range(self.restarts):
                # Restart 0 draws what a single run draws; later ones fold in their index.
                seed = first if restart == 0 else tf.random.experimental.stateless_fold_in(first, restart)
                survived &= correct(model, self.attack(model, x, y, seed), y)
            return {"pgd_acc": survived}

        return {name: PerSample(v, MEAN) for name, v in map_batches(step, dataset).items()}

    def describe(self) -> dict:
        return {"attack": self.attack.describe(), "seed": self.seed, "restarts": self.restarts}


class AttributionGini:
    """gini_global and gini_regional (block×block sums, channels summed) of the true-class map."""

    def __init__(self, block: int, attribution: str = "saliency"):
        self.block = check_positive_int("block", block)
        self.attribution = check_choice("attribution", attribution, ATTRIBUTIONS)

    def run(self, model, dataset) -> dict[str, PerSample]:
        attribute = ATTRIBUTIONS[self.attribution]

        def step(x, y, index):
            maps = attribute(model, x, y)
            return {"gini_global": gini_global(maps), "gini_regional": gini_regional(maps, self.block)}

        return {name: PerSample(v, MEAN) for name, v in map_batches(step, dataset).items()}

    def describe(self) -> dict:
        return {"attribution": self.attribution, "block": self.block, "channels": "summed (regional)"}


class InductiveNoise:
    """ina1@f / ina2@f: per-sample correctness after N(0,1) noise on the top-f attributed elements."""

    def __init__(self, fractions=INA_FRACTIONS, modes=INA_MODES, attribution: str = "saliency", seed: int = 0):
        self.fractions = tuple(check_fraction("INA fraction", f) for f in fractions)
        self.modes = tuple(check_choice("inductive noise mode", m, INA_MODES) for m in modes)
        self.attribution = check_choice("attribution", attribution, ATTRIBUTIONS)
        self.seed = seed

    def run(self, model, dataset) -> dict[str, PerSample]:
        attribute = ATTRIBUTIONS[self.attribution]

        def step(x, y, index):
            maps = attribute(model, x, y)
            noise = tf.random.stateless_normal(tf.shape(x), batch_seed(self.seed, index))
            results = {}
            for fraction in self.fractions:
                mask = top_k_mask(maps, fraction)
                for mode in self.modes:
                    perturbed = inductive_noise(x, mask, noise, mode)
                    results[f"{mode}@{fraction:g}"] = correct(model, perturbed, y)
            return results

        return {name: PerSample(v, ERROR_ON_COMMON) for name, v in map_batches(step, dataset).items()}

    def describe(self) -> dict:
        return {
            "fractions": list(self.fractions), "modes": list(self.modes),
            "attribution": self.attribution, "noise": "N(0, 1), clipped to [0, 1]", "seed": self.seed,
        }
