"""AutoAttackAccuracy: the AutoAttack ensemble as an evaluator (see igdtf/attacks/autoattack.py)."""

import numpy as np
import tensorflow as tf

from igdtf.attacks import AutoAttack
from igdtf.evaluation.metrics.outcomes import MEAN, PerSample
from igdtf.evaluation.metrics.weights import check_weights_unchanged, weight_snapshot
from igdtf.seeding import batch_seed


class AutoAttackAccuracy:
    """Per-sample correctness under AutoAttack.

    Outputs (with the default name "autoattack"):
      autoattack_acc                 correct on the final adversarial image (fresh forward pass):
                                     the ensemble's robust accuracy;
      autoattack_acc_after@<attack>  still correct after that attack and every earlier one
                                     (reports nest them as {"autoattack_acc_after": {attack: value}}).
    Use a different `name` to run several configurations (e.g. "autoattack_l2") side by side.
    """

    def __init__(self, attack: AutoAttack = AutoAttack(), seed: int = 0, name: str = "autoattack"):
        if not isinstance(attack, AutoAttack):
            raise TypeError(f"attack must be an igdtf.attacks.AutoAttack, received {type(attack).__name__}.")
        if not name or "@" in name:
            raise ValueError(f"name must be a non-empty string without '@', received {name!r}.")
        self.attack, self.seed, self.name = attack, seed, name

    def run(self, model, dataset) -> dict[str, PerSample]:
        bound = self.attack.bind(model)
        before = weight_snapshot(model)
        robust, after = [], {attack: [] for attack in self.attack.attack_names}
        for index, (x, y) in enumerate(dataset):
            result = bound(np.asarray(x), np.asarray(y), batch_seed(self.seed, tf.constant(index, tf.int64)))
            robust.append(result.robust)
            for attack, values in result.robust_after.items():
                after[attack].append(values)
        check_weights_unchanged(model, before, "AutoAttack")
        outcomes = {f"{self.name}_acc": PerSample(np.concatenate(robust), MEAN)}
        for attack, parts in after.items():
            outcomes[f"{self.name}_acc_after@{attack}"] = PerSample(np.concatenate(parts), MEAN)
        return outcomes

    def describe(self) -> dict:
        return {"attack": self.attack.describe(), "seed": self.seed, "name": self.name}
