"""AutoAttack (Croce & Hein, ICML 2020) in native TensorFlow: an ensemble of parameter-free
attacks whose per-example worst case is the reported robust accuracy.

Attacks run in a fixed order; each later attack sees only the points every earlier one failed
on. A point counts as broken only if a fresh forward pass on the final adversarial image
misclassifies it, and every final image is checked: ‖δ‖ ≤ ε, values in [0, 1], no NaN.

Versions (the published budgets):
  standard  APGD-CE (100 steps), APGD-T (DLR-targeted, 100 steps, top-9 targets),
            FAB-T (100 steps, top-9 targets), Square (5000 queries, p_init 0.8)
  plus      APGD-CE and APGD-DLR (5 restarts each), FAB (5 restarts), Square, APGD-T, FAB-T
  rand      APGD-CE and APGD-DLR with the gradient averaged over 20 passes (for randomised models)
"""

import dataclasses
import logging

import numpy as np
import tensorflow as tf

from igdtf.attacks.apgd import apgd_attack
from igdtf.attacks.fab import fab_attack
from igdtf.attacks.losses import cross_entropy, dlr_loss, dlr_targeted_loss
from igdtf.attacks.norms import NORMS, norm_of
from igdtf.attacks.square import square_attack
from igdtf.attacks.threat_models import threat_model
from igdtf.seeding import fold_seed_int32
from igdtf.validation import check_choice, check_positive_int

log = logging.getLogger("igdtf.attacks")

ATTACKS = ("apgd-ce", "apgd-dlr", "apgd-t", "fab", "fab-t", "square")
VERSIONS = {
    "standard": ("apgd-ce", "apgd-t", "fab-t", "square"),
    "plus": ("apgd-ce", "apgd-dlr", "fab", "square", "apgd-t", "fab-t"),
    "rand": ("apgd-ce", "apgd-dlr"),
}
_RESTARTS = {"standard": {}, "plus": {"apgd-ce": 5, "apgd-dlr": 5, "fab": 5}, "rand": {}}
_EOT_ITER = {"standard": 1, "plus": 1, "rand": 20}
_TARGETED = ("apgd-t", "fab-t")
_MIN_CLASSES = {"apgd-dlr": 3, "apgd-t": 4, "fab-t": 2}
_LINF_SLACK = 1e-6  # float32 rounding of x + δ − x; L2 gets a relative 1e-5


def looks_like_probabilities(outputs: np.ndarray) -> bool:
    """True if every row is in [0, 1] and sums to 1: a softmax output, not logits."""
    outputs = np.asarray(outputs, np.float64)
    return bool(outputs.min() >= 0 and outputs.max() <= 1 and np.allclose(outputs.sum(-1), 1, atol=1e-3))


@dataclasses.dataclass
class AutoAttackResult:
    """Per-example outcome of one batch.

    x_adv: [N, H, W, C] the adversarial image (x itself where no attack succeeded).
    robust: [N] bool, correct on x_adv in a fresh forward pass (the reported outcome).
    robust_after: {attack: [N] bool}, still correct after that attack and all earlier ones.
    clean_correct: [N] bool. mismatches: points an attack reported broken that the fresh
    pass classifies correctly (non-zero only for models that are not deterministic).
    """

    x_adv: np.ndarray
    robust: np.ndarray
    robust_after: dict
    clean_correct: np.ndarray
    mismatches: int


@dataclasses.dataclass(frozen=True)
class AutoAttack:
    """An AutoAttack configuration; `AutoAttack(...).bind(model)` gives a batch runner.

    norm: "linf" or "l2"; epsilon > 0 in pixel units; version: "standard", "plus" or "rand".
    The remaining fields are the published budgets; change them only for quick checks
    (`is_standard` in describe() records whether they were changed).
    """

    norm: str = "linf"
    epsilon: float = 8 / 255
    version: str = "standard"
    steps: int = 100
    target_classes: int = 9
    square_queries: int = 5000
    square_p_init: float = 0.8
    attacks: tuple | None = None

    def __post_init__(self):
        check_choice("norm", self.norm, NORMS)
        check_choice("AutoAttack version", self.version, VERSIONS)
        if isinstance(self.epsilon, bool) or not isinstance(self.epsilon, (int, float)) or not self.epsilon > 0:
            raise ValueError(f"AutoAttack epsilon must be a number > 0 (pixel units), received {self.epsilon!r}.")
        for name in ("steps", "target_classes", "square_queries"):
            check_positive_int(name, getattr(self, name))
        if not 0 < self.square_p_init <= 1:
            raise ValueError(f"square_p_init must be in (0, 1], received {self.square_p_init!r}.")
        for name in self.attacks or ():
            check_choice("AutoAttack attack", name, ATTACKS)

    @property
    def attack_names(self) -> tuple:
        """The attacks run, in order."""
        return tuple(self.attacks) if self.attacks else VERSIONS[self.version]

    @property
    def is_standard(self) -> bool:
        """True when the budgets and attack list are the published ones of the version."""
        return (self.steps, self.target_classes, self.square_queries, self.square_p_init) == (100, 9, 5000, 0.8) \
            and self.attack_names == VERSIONS[self.version]

    def restarts(self, attack: str) -> int:
        return _RESTARTS[self.version].get(attack, 1)

    def describe(self) -> dict:
        return {**dataclasses.asdict(self), "attacks": list(self.attack_names),
                "restarts": {a: self.restarts(a) for a in self.attack_names},
                "eot_iter": _EOT_ITER[self.version], "is_standard": self.is_standard}

    def bind(self, model) -> "BoundAutoAttack":
        return BoundAutoAttack(self, model)


class BoundAutoAttack:
    """AutoAttack compiled for one model; call it on batches: `bound(x, y, seed)`."""

    def __init__(self, config: AutoAttack, model):
        self.config, self.model = config, model
        num_classes = int(model.output_shape[-1])
        for name in config.attack_names:
            if num_classes < _MIN_CLASSES.get(name, 2):
                raise ValueError(f"{name} needs at least {_MIN_CLASSES[name]} classes; the model has "
                                 f"{num_classes}. Choose attacks= without it.")
        self.num_targets = min(config.target_classes, num_classes - 1)
        self.threat = threat_model(config.norm, config.epsilon)
        image = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32)
        labels = tf.TensorSpec([None], tf.int32)
        seed = tf.TensorSpec([2], tf.int64)
        self._predict = tf.function(lambda x: model(x, training=False), input_signature=[image])
        self._model_checked = False
        self._runs = {name: tf.function(self._run_fn(name), input_signature=[image, labels, labels, seed])
                      for name in config.attack_names}

    def _run_fn(self, name):
        """(x, y, targets, seed) → (x_adv, fooled claimed by the attack)."""
        cfg, model, threat = self.config, self.model, self.threat
        eot = _EOT_ITER[cfg.version]
        if name.startswith("apgd"):
            def run(x, y, targets, seed):
                losses = {"apgd-ce": lambda z: cross_entropy(y, z), "apgd-dlr": lambda z: dlr_loss(y, z),
                          "apgd-t": lambda z: dlr_targeted_loss(y, z, targets)}
                return apgd_attack(model, x, y, threat, cfg.steps, losses[name], seed, eot)
        elif name.startswith("fab"):
            def run(x, y, targets, seed):
                x_adv, best = fab_attack(model, x, y, cfg.norm, cfg.epsilon, cfg.steps, seed,
                                         targets if name == "fab-t" else None)
                # Success only within the ball; project away float rounding at the boundary.
                return threat.project(x_adv, x), best <= cfg.epsilon * (1 + 1e-4)
        else:
            def run(x, y, targets, seed):
                return square_attack(model, x, y, cfg.norm, cfg.epsilon, cfg.square_queries, seed,
                                     cfg.square_p_init)
        return run

    def _unit_runs(self, name):
        """Number of runs of an attack: one per target class, or one per restart."""
        return self.num_targets if name in _TARGETED else self.config.restarts(name)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self._predict(tf.constant(x, tf.float32)))

    def __call__(self, x, y, seed) -> AutoAttackResult:
        """Attacks one batch: x [N, H, W, C] in [0, 1], y [N] ints, seed a stateless [2] seed."""
        x = np.asarray(x, np.float32)
        y = np.asarray(y, np.int32).reshape(-1)
        seed = tf.cast(seed, tf.int64)
        logits = self.predict(x)
        if not self._model_checked:
            self._check_model(x, logits)
            self._model_checked = True
        ranked = np.argsort(-logits, axis=1, kind="stable").astype(np.int32)
        clean_correct = ranked[:, 0] == y
        robust, x_adv, robust_after = clean_correct.copy(), x.copy(), {}
        for attack_index, name in enumerate(self.config.attack_names):
            for run in range(self._unit_runs(name)):
                todo = np.flatnonzero(robust)
                if todo.size == 0:
                    break
                targets = ranked[todo, run + 1] if name in _TARGETED else y[todo]
                run_seed = tf.cast(fold_seed_int32(fold_seed_int32(seed, attack_index), run), tf.int64)
                found, claimed = self._runs[name](
                    tf.constant(x[todo]), tf.constant(y[todo]), tf.constant(targets), run_seed)
                found = np.asarray(found)
                broken = np.asarray(claimed) & (self.predict(found).argmax(-1) != y[todo])
                x_adv[todo[broken]] = found[broken]
                robust[todo[broken]] = False
            robust_after[name] = robust.copy()
        self._check_perturbations(x, x_adv)
        final = self.predict(x_adv).argmax(-1) == y
        mismatches = int(np.sum(final & ~robust))
        if mismatches:
            log.warning("AutoAttack: %d points reported broken are classified correctly in a fresh "
                        "pass; the model is not deterministic. Counting them as robust.", mismatches)
        return AutoAttackResult(x_adv, final, robust_after, clean_correct, mismatches)

    def _check_model(self, x, logits):
        """Refuses probability outputs, and (except for version "rand") random outputs."""
        if looks_like_probabilities(logits):
            raise ValueError("The model outputs probabilities (rows in [0, 1] summing to 1), not logits; "
                             "AutoAttack's losses need logits. Remove the final softmax.")
        if self.config.version != "rand" and not np.array_equal(logits, self.predict(x)):
            raise ValueError("The model gives different outputs for the same input in two passes "
                             "(randomised, or training=True layers); use version='rand' for "
                             "randomised models.")

    def _check_perturbations(self, x, x_adv):
        """Raises RuntimeError unless every x_adv is finite, in [0, 1] and within the ε-ball."""
        size = np.asarray(norm_of(tf.constant(x_adv - x), self.config.norm))
        limit = self.config.epsilon + _LINF_SLACK if self.config.norm == "linf" else self.config.epsilon * (1 + 1e-5)
        problems = []
        if not np.all(np.isfinite(x_adv)):
            problems.append(f"{int(np.sum(~np.isfinite(x_adv)))} non-finite values")
        if x_adv.min() < 0 or x_adv.max() > 1:
            problems.append(f"values outside [0, 1] (min {x_adv.min():.6g}, max {x_adv.max():.6g})")
        if np.any(size > limit):
            problems.append(f"{int(np.sum(size > limit))} perturbations larger than ε = {self.config.epsilon:.6g} "
                            f"(largest {size.max():.6g}, {self.config.norm})")
        if problems:
            raise RuntimeError("AutoAttack produced invalid adversarial images: " + "; ".join(problems))


