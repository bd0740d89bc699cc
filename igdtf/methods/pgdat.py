"""PGD adversarial training (Madry et al. 2018) and its CutOut variant."""

import dataclasses
import functools

import tensorflow as tf

from igdtf.attacks import ATTACK_PRECISIONS, PGD, TRAIN_ATTACKS, TrainingAttack
from igdtf.data.augment import cutout
from igdtf.methods.base import Trainer
from igdtf.methods.gradalign import gradalign_cosine
from igdtf.methods.options import MethodOptions, option
from igdtf.native_bfloat16 import AUTO, resolve_attack_precision
from igdtf.seeding import fold_seed
from igdtf.validation import check_non_negative, check_positive_int, check_unit_interval


@dataclasses.dataclass(frozen=True)
class AdversarialOptions(MethodOptions):
    """The training attack of every adversarial method (validation and evaluation stay PGD)."""

    train_attack: str = option(
        "pgd", "Training attack: pgd (--pgd_steps of --step_size), fgsm_rs (Wong et al.: uniform start, one "
        "step of 1.25*eps) or n_fgsm (de Jorge et al.: noise 2*eps, one step of eps, no projection).",
        choices=TRAIN_ATTACKS)
    attack_precision: str = option(
        "float32", "Compute precision of the training attack's forward and backward passes; evaluation stays "
        "float32. auto (the default of the command-line entry points): bfloat16 where the training hardware "
        "computes it natively (CPU avx512_bf16 or amx_bf16, GPUs of compute capability >= 8.0), else float32; "
        "the resolved value is recorded.", choices=ATTACK_PRECISIONS,
        auto=functools.partial(resolve_attack_precision, AUTO))
    gradalign_lambda: float = option(
        0.0, "GradAlign's lambda (Andriushchenko & Flammarion: 0.2 at eps 8/255); 0 = off.",
        check=check_non_negative, symbol="λ")


class PGDAT(Trainer):
    """loss = CE(f(x'), y), x' = the training attack (training=False) on the batch.

    Every adversarial method derives from this class and shares its training-attack options
    (AdversarialOptions): train_attack "pgd" (`attack` itself), "fgsm_rs" or "n_fgsm"
    (single-step; attacks/training_attacks.py); attack_precision "float32", "bfloat16" or
    "float16" for the training attack's passes; gradalign_lambda, λ >= 0 of GradAlign
    (methods/gradalign.py) at the attack's ε (0 turns it off, otherwise each step reports
    `gradalign_cos`).

    Args:
      attack: ε, norm and bounds of the training attack, and PGD's steps and step size;
        default L∞ ε=8/255, step 2/255, 10 steps, random start.
      epsilon_warmup_steps: if > 0, ε and the step size grow linearly from ε/W to ε over the
        first W optimizer steps (keeps small models on easy data from collapsing to a constant
        prediction at the start of training); 0, the papers' setting, disables it.
    """

    method_name = "pgdat"
    summary = "PGD adversarial training (Madry et al.): CE on PGD-k examples."
    adversarial = True
    options_class = AdversarialOptions

    @classmethod
    def prepare(cls, context) -> dict:
        """The run's attack and its ε warm-up (config.epsilon_warmup_epochs) in steps."""
        config, inputs = context.config, {"attack": context.config.attack}
        if config.epsilon_warmup_epochs:
            if not context.steps_per_epoch:
                raise ValueError("An ε warm-up needs a training dataset of known length.")
            inputs["epsilon_warmup_steps"] = max(1, round(config.epsilon_warmup_epochs * context.steps_per_epoch))
        return inputs

    def __init__(self, student, attack: PGD = PGD(), epsilon_warmup_steps: int = 0, **kwargs):
        super().__init__(student, **kwargs)
        self.attack = attack
        self.training_attack = TrainingAttack(attack, self.options.train_attack, self.options.attack_precision)
        if isinstance(epsilon_warmup_steps, bool) or not isinstance(epsilon_warmup_steps, int) \
                or epsilon_warmup_steps < 0:
            raise ValueError(f"epsilon_warmup_steps must be an integer >= 0, received {epsilon_warmup_steps!r}.")
        self.epsilon_warmup_steps = epsilon_warmup_steps

    def epsilon_scale(self):
        """min(1, (step + 1) / W) as a float32 scalar, or None without warm-up."""
        if not self.epsilon_warmup_steps:
            return None
        step = tf.cast(self.optimizer.iterations + 1, tf.float32)
        return tf.minimum(1.0, step / float(self.epsilon_warmup_steps))

    def training_inputs(self, x, y, seed):
        return self.training_attack(self.student, x, y, seed, scale=self.epsilon_scale())

    def regularizer_metrics(self) -> tuple:
        return ("gradalign_cos",) if self.options.gradalign_lambda else ()

    def regularizer(self, x, y, seed):
        if not self.options.gradalign_lambda:
            return None, {}
        cosine = gradalign_cosine(self.student, x, y, self.training_attack.ball(self.epsilon_scale()), seed)
        return self.options.gradalign_lambda * (1.0 - cosine), {"gradalign_cos": cosine}


@dataclasses.dataclass(frozen=True)
class CutOutOptions(AdversarialOptions):
    cutout_size: int | None = option(None, "CutOut square side in pixels (default: half the image side).",
                                     check=check_positive_int)
    cutout_fill_value: float = option(0.5, "Value of the cut-out pixels, in [0, 1].", check=check_unit_interval)


class PGDATCutOut(PGDAT):
    """PGDAT on CutOut-augmented inputs: x' = PGD(cutout(x)); the square's side is cutout_size
    pixels (default half the image side: 16 on CIFAR), filled with cutout_fill_value."""

    method_name = "pgdat_cutout"
    summary = "PGDAT on CutOut-augmented inputs."
    replica_invariant = False  # each replica draws its own CutOut squares
    options_class = CutOutOptions

    def __init__(self, student, **kwargs):
        super().__init__(student, **kwargs)
        side = min(student.input_shape[1], student.input_shape[2])
        self.cutout_size = self.options.cutout_size or max(side // 2, 1)

    def training_inputs(self, x, y, seed):
        augmented = cutout(x, self.cutout_size, fold_seed(seed, 0), self.options.cutout_fill_value)
        return super().training_inputs(augmented, y, fold_seed(seed, 1))
