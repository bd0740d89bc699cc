"""PGD adversarial training (Madry et al. 2018) and its CutOut variant."""

import tensorflow as tf

from igdtf.attacks import PGD, TrainingAttack
from igdtf.data.augment import cutout
from igdtf.methods.base import Trainer
from igdtf.methods.gradalign import gradalign_cosine
from igdtf.seeding import fold_seed
from igdtf.validation import check_non_negative, check_positive_int


class PGDAT(Trainer):
    """loss = CE(f(x'), y), x' = the training attack (training=False) on the batch.

    Every adversarial method derives from this class and shares its training-attack options.

    Args:
      attack: ε, norm and bounds of the training attack, and PGD's steps and step size;
        default L∞ ε=8/255, step 2/255, 10 steps, random start.
      train_attack: "pgd" (`attack` itself), "fgsm_rs" or "n_fgsm" (single-step;
        attacks/training_attacks.py).
      attack_precision: "float32", "bfloat16" or "float16" for the training attack's forward
        and backward passes (the evaluation attack stays float32).
      gradalign_weight: λ >= 0 of GradAlign (methods/gradalign.py) at the attack's ε; 0 turns
        it off, otherwise each step reports `gradalign_cos`.
      epsilon_warmup_steps: if > 0, ε and the step size grow linearly from ε/W to ε over the
        first W optimizer steps (keeps small models on easy data from collapsing to a constant
        prediction at the start of training); 0, the papers' setting, disables it.
    """

    def __init__(self, student, attack: PGD = PGD(), train_attack: str = "pgd", attack_precision: str = "float32",
                 gradalign_weight: float = 0.0, epsilon_warmup_steps: int = 0, **kwargs):
        weight = check_non_negative("gradalign_weight (λ)", gradalign_weight)
        super().__init__(student, regularizer_metrics=("gradalign_cos",) if weight else (), **kwargs)
        self.gradalign_weight = weight
        self.attack = attack
        self.training_attack = TrainingAttack(attack, train_attack, attack_precision)
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

    def regularizer(self, x, y, seed):
        if not self.gradalign_weight:
            return None, {}
        cosine = gradalign_cosine(self.student, x, y, self.training_attack.ball(self.epsilon_scale()), seed)
        return self.gradalign_weight * (1.0 - cosine), {"gradalign_cos": cosine}


class PGDATCutOut(PGDAT):
    """PGDAT on CutOut-augmented inputs: x' = PGD(cutout(x)).

    Args:
      cutout_size: side of the square in pixels; default half the image side (16 on CIFAR).
      fill_value: value of the cut-out pixels, in [0, 1].
    """

    def __init__(self, student, cutout_size: int | None = None, fill_value: float = 0.5, **kwargs):
        super().__init__(student, **kwargs)
        side = min(student.input_shape[1], student.input_shape[2])
        self.cutout_size = check_positive_int("cutout_size", cutout_size or max(side // 2, 1))
        if not 0.0 <= fill_value <= 1.0:
            raise ValueError(f"fill_value must be in [0, 1], received {fill_value!r}.")
        self.fill_value = float(fill_value)

    def training_inputs(self, x, y, seed):
        augmented = cutout(x, self.cutout_size, fold_seed(seed, 0), self.fill_value)
        return super().training_inputs(augmented, y, fold_seed(seed, 1))
