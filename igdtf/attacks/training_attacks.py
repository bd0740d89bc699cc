"""The training attack of the adversarial methods: PGD-k, or a single-step FGSM variant, in a
chosen compute precision. Evaluation attacks are plain PGD (pgd.py) and always float32.

Kinds (ε, norm and bounds come from the method's PGD; distances in input units):
  pgd      the PGD as configured (k steps, its step size, random start in the ε-ball).
  fgsm_rs  FGSM with a random start (Wong et al. 2020, "Fast is better than free"): start
           uniform in the ε-ball, one step of 1.25·ε, projected back onto the ε-ball.
  n_fgsm   N-FGSM (de Jorge et al. 2022, "Make some noise"): start uniform in the 2ε-ball,
           one step of ε, NOT projected onto the ε-ball (‖δ‖ ≤ 3ε), only clipped to the bounds.

Precision: the attack's forward and backward passes compute in float32, bfloat16 or float16
(Keras mixed policies: weights stay float32 and are cast). Only the gradient's sign (L∞) or
direction (L2) is used, and the iterate, ε-ball projection and clipping stay float32, so every
returned point satisfies the threat model exactly in float32. The float16 loss is multiplied by
FLOAT16_LOSS_SCALE before differentiation (no effect on the sign or direction) so that small
input gradients do not underflow.
"""

import dataclasses

import tensorflow as tf

from igdtf.attacks.losses import cross_entropy
from igdtf.attacks.pgd import PGD, pgd_attack
from igdtf.attacks.threat_models import threat_model
from igdtf.precision import compute_policy
from igdtf.validation import check_choice

TRAIN_ATTACKS = ("pgd", "fgsm_rs", "n_fgsm")
ATTACK_PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16", "float16": "mixed_float16"}
FGSM_RS_STEP = 1.25  # × ε (Wong et al. 2020: α = 10/255 at ε = 8/255)
N_FGSM_NOISE, N_FGSM_STEP = 2.0, 1.0  # × ε (de Jorge et al. 2022: k = 2, α = ε)
FLOAT16_LOSS_SCALE = 1024.0


class FixedStart:
    """A threat model whose random start is a given point (e.g. TRADES' x + 0.001·N(0, 1))."""

    def __init__(self, threat, start: tf.Tensor):
        self._threat, self._start = threat, start

    def random_init(self, x, seed):
        return self._start

    def step(self, x_adv, grad, step_size):
        return self._threat.step(x_adv, grad, step_size)

    def project(self, x_adv, x):
        return self._threat.project(x_adv, x)


class _NoiseStart:
    """N-FGSM's set: start drawn from `noise` (the kε-ball), steps of `threat`, projection onto
    `reach`, a ball no step from the start can leave (so only the bounds clip)."""

    def __init__(self, threat, noise, reach):
        self._threat, self._noise, self._reach = threat, noise, reach

    def random_init(self, x, seed):
        return self._noise.random_init(x, seed)

    def step(self, x_adv, grad, step_size):
        return self._threat.step(x_adv, grad, step_size)

    def project(self, x_adv, x):
        return self._reach.project(x_adv, x)


@dataclasses.dataclass(frozen=True)
class TrainingAttack:
    """A training attack; call it as `TrainingAttack(...)(model, x, y, seed)`.

    pgd: gives ε, norm and bounds (and, for kind "pgd", steps, step size, random start).
    kind: one of TRAIN_ATTACKS. precision: a key of ATTACK_PRECISIONS.
    """

    pgd: PGD = PGD()
    kind: str = "pgd"
    precision: str = "float32"

    def __post_init__(self):
        check_choice("training attack", self.kind, TRAIN_ATTACKS)
        check_choice("attack precision", self.precision, ATTACK_PRECISIONS)

    def ball(self, scale=None, radius: float = 1.0):
        """The threat model of radius `radius`·ε·scale (scale: None, a scalar tensor or one
        broadcasting per example, as PGD's), with the attack's norm and bounds."""
        pgd = self.pgd
        epsilon = pgd.epsilon if scale is None else pgd.epsilon * scale
        return threat_model(pgd.norm, radius * epsilon, pgd.bounds)

    def plan(self, scale=None):
        """(threat set, steps, step size, random start) at ε·scale."""
        pgd = self.pgd
        threat = self.ball(scale)
        epsilon = threat.epsilon
        if self.kind == "pgd":
            step_size = pgd.step_size if scale is None else pgd.step_size * scale
            return threat, pgd.steps, step_size, pgd.random_start
        if self.kind == "fgsm_rs":
            return threat, 1, FGSM_RS_STEP * epsilon, True
        noise, reach = self.ball(scale, N_FGSM_NOISE), self.ball(scale, N_FGSM_NOISE + N_FGSM_STEP)
        return _NoiseStart(threat, noise, reach), 1, N_FGSM_STEP * epsilon, True

    def __call__(self, model, x, y, seed, loss_fn=cross_entropy, scale=None, start=None) -> tf.Tensor:
        """[N, ...] float32 adversarial inputs (no gradient). `start`, if given, replaces the
        random start of kind "pgd" (TRADES); the single-step kinds keep their own noise."""
        threat, steps, step_size, random_start = self.plan(scale)
        if start is not None and self.kind == "pgd":
            threat, random_start = FixedStart(threat, start), True
        objective = loss_fn
        if self.precision == "float16":
            def objective(labels, logits):
                return FLOAT16_LOSS_SCALE * loss_fn(labels, logits)
        with compute_policy(model, ATTACK_PRECISIONS[self.precision]):
            return pgd_attack(model, x, y, threat, steps, step_size, random_start, seed, objective)

    def describe(self) -> dict:
        """The attack's parameters, for reports."""
        return {"kind": self.kind, "precision": self.precision, **self.pgd.describe()}
