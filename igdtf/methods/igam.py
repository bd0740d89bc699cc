"""Input Gradient Adversarial Matching (IGAM; Chan, Tay & Ong, CVPR 2020), second stage.

    loss_student = CE(f(x), y) − λ_adv·L_D + λ_diff·‖J_s − J_t‖₂²        (per example)
    loss_D       = L_D = ½·[CE(D(Ĵ_s), student) + CE(D(Ĵ_t), teacher)]

J = ∂CE/∂x is the input gradient of the cross-entropy (J_t through the input adapter of a
teacher with another resolution), Ĵ a gradient made zero-mean and unit-L2 per example, and D
a small discriminator telling teacher gradients from student gradients. The student maximises
the discriminator's loss while the discriminator minimises it (GAN min-max); both updates come
from the same forward pass, in the same train_step, each with its own optimizer. The teacher is
a robust model whose logit layer was first finetuned on the target task (igam_teacher.py).

Defaults follow the paper's appendix A.2, IGAM-CIFAR10 (CIFAR-10 → CIFAR-100: λ_adv = 2,
λ_diff = 10, D of 5 conv layers with 16·2^i channels, updated once every 10 classifier steps)
and the authors' code (batch 32, D optimised like the classifier). Their λ_diff weighs a sum
over a batch of 32 of squared gradients with respect to 0–255 pixels; in this per-example,
[0, 1]-pixel formulation that is λ_diff = 10·32/255² ≈ 4.92e-3. D's update every
`discriminator_every` steps is Keras' gradient accumulation on D's optimizer: D's gradient is
computed every step, and D's weights move once every k steps, by the mean of the k gradients
(the authors step on the k-th batch's gradient alone). Under a strategy with several replicas
Keras' accumulation (a conditional optimizer step) cannot run inside the replica function, so
there D is updated every step with its learning rate divided by k instead (logged).

Off by default, two settings of the authors' code the paper does not state: a CE-only warm-up
(`steps_before_adv_opt`, 0.875 of the steps on CIFAR-10; no L_D, no ‖J_s − J_t‖², D untouched),
a step traced on its own and chosen by the optimizer's iteration count (exact under resume and
on several replicas), and uniform noise in [−ε, ε] (`img_random_pert`, clipped) on every
training batch. Their min-max runs at their smallest learning rate; igam_adversarial_lr_scale
multiplies both optimizers' rates once, at the first IGAM step.
"""

import dataclasses
import functools
import logging

import keras
import numpy as np
import tensorflow as tf

from igdtf.attacks import PGD, cross_entropy
from igdtf.methods.adapters import ADAPTERS, InputAdapter
from igdtf.methods.base import Trainer
from igdtf.methods.igam_teacher import FINETUNE_STEPS
from igdtf.methods.options import MethodOptions, option
from igdtf.ops import flatten_per_example
from igdtf.seeding import fold_seed, replica_invariant_uniform
from igdtf.validation import (check_fraction_below_one, check_non_negative, check_non_negative_int, check_positive,
                              check_positive_int)

INPUT_GRADIENTS = ("cross_entropy", "true_class_probability")
DEFAULT_DIFFERENCE_WEIGHT = 10 * 32 / 255 ** 2
DISCRIMINATOR_EVERY = 10  # appendix A.2, IGAM-CIFAR10 (most other experiments: 5)
_ADAPTER_STREAM, _NOISE_STREAM = 21, 22
log = logging.getLogger("igdtf.methods")


@dataclasses.dataclass(frozen=True)
class IGAMOptions(MethodOptions):
    igam_lambda_adv: float = option(
        2.0, "lambda_adv, weight of the adversarial (fool-the-discriminator) term (authors: 2).",
        check=check_non_negative, symbol="λ_adv")
    igam_lambda_diff: float = option(
        DEFAULT_DIFFERENCE_WEIGHT, "lambda_diff, weight of ||J_s - J_t||^2 per example, x in [0, 1] (the "
        "authors' gamma=10 on a batch sum of 32 with 0-255 pixels = 10*32/255^2).", check=check_non_negative,
        symbol="λ_diff")
    igam_adapter: str = option(
        "none", "How student inputs reach a teacher of another resolution: upsize, zero_pad, random_pad, "
        "transpose_conv (teacher larger) or center_crop (teacher smaller).", choices=ADAPTERS)
    igam_finetune_steps: int = option(
        FINETUNE_STEPS, "Steps of the first stage, which finetunes only the teacher's logit layer on this task "
        "(Adam, lr 1e-3); 0 uses a teacher of this very task as it is.", check=check_non_negative_int)
    igam_discriminator_every: int = option(
        DISCRIMINATOR_EVERY, "Classifier steps per discriminator update (the paper's appendix: 10 for "
        "CIFAR-10 -> CIFAR-100, 5 for most other transfers).", check=check_positive_int)
    igam_input_gradient: str = option(
        "cross_entropy", "J = dCE/dx (cross_entropy, the paper) or d p_y/dx (true_class_probability, the "
        "authors' code).", choices=INPUT_GRADIENTS)
    igam_discriminator_lr_scale: float = option(
        1.0, "Discriminator learning rate / the classifier's (when igdtf builds D's optimizer).",
        check=check_non_negative)
    igam_warmup_fraction: float = option(
        0.0, "Fraction in [0, 1) of the run's training steps trained on CE only (no IGAM terms, no discriminator "
        "update) before the min-max; the authors' code: 0.875 (steps_before_adv_opt).", check=check_fraction_below_one)
    igam_adversarial_lr_scale: float = option(
        1.0, "With a warm-up: the student's and the discriminator's learning rates are multiplied by this at the "
        "first IGAM step (the authors' min-max runs at 1/100 of their initial rate).", check=check_positive)
    igam_input_noise: bool = option(
        False, "Add uniform noise in [-epsilon, epsilon] (the run's epsilon), clipped to [0, 1], to every training "
        "batch before the student and the teacher see it (the authors' img_random_pert).")

    def validate(self) -> None:
        if self.igam_adversarial_lr_scale != 1.0 and not self.igam_warmup_fraction:
            raise ValueError("igam_adversarial_lr_scale changes the learning rates at the end of the warm-up; set "
                             "igam_warmup_fraction > 0 or leave the scale at 1.")


def loss_input_gradient(model, x, labels, kind: str = "cross_entropy", adapter=None, seed=None) -> tf.Tensor:
    """J(x) per example, [N, *x.shape[1:]]: ∂CE/∂x ("cross_entropy") or ∂p_y/∂x
    ("true_class_probability", the authors' code), through `adapter` if given; training=False."""
    x = tf.cast(x, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(x)
        inputs = x if adapter is None else adapter(x, seed)
        logits = tf.cast(model(inputs, training=False), tf.float32)
        if kind == "cross_entropy":
            total = tf.reduce_sum(cross_entropy(labels, logits))
        else:
            probabilities = tf.nn.softmax(logits)
            total = tf.reduce_sum(tf.gather(probabilities, tf.cast(labels, tf.int32), axis=1, batch_dims=1))
    return tape.gradient(total, x)


def gradient_discriminator(input_shape, layers: int = 5, base_channels: int = 16, name="discriminator"):
    """D: an input gradient → 2 logits (0 student, 1 teacher).

    Images: `layers` × [4×4 conv stride 2 (16·2^i channels), BatchNorm, leaky ReLU 0.1] (the
    authors' DCGAN-style D); vectors: the same with dense layers. BatchNorm is synchronized
    across replicas, so a step on R replicas equals a step on one device.
    """
    check_positive_int("discriminator layers", layers)
    inputs = keras.Input(tuple(input_shape), name="gradients")
    h = inputs
    for i in range(layers):
        width = base_channels * 2 ** i
        if len(input_shape) == 3:
            h = keras.layers.Conv2D(width, 4, strides=2, padding="same", name=f"conv{i}")(h)
        else:
            h = keras.layers.Dense(width, name=f"dense{i}")(h)
        h = keras.layers.BatchNormalization(momentum=0.9, synchronized=True, name=f"bn{i}")(h)
        h = keras.layers.LeakyReLU(0.1, name=f"relu{i}")(h)
    h = keras.layers.Flatten(name="flatten")(h)
    return keras.Model(inputs, keras.layers.Dense(2, name="logits")(h), name=name)


def standardize_gradient(gradient: tf.Tensor) -> tf.Tensor:
    """Per example: subtract the mean, divide by the L2 norm (D sees directions, not scales). A
    vanishing gradient (a saturated softmax: ~1e-30, its squares underflow to 0) gives a finite
    result and a finite gradient, where tf.norm's gradient is NaN."""
    flat = flatten_per_example(gradient)
    flat = flat - tf.reduce_mean(flat, axis=1, keepdims=True)
    flat = flat * tf.math.rsqrt(tf.reduce_sum(tf.square(flat), axis=1, keepdims=True) + 1e-24)
    return tf.reshape(flat, tf.shape(gradient))


class IGAM(Trainer):
    """IGAM's student training (see the module docstring).

    Reports `disc_loss` (L_D, which D minimises), `disc_acc` (D's accuracy on both gradients)
    and `grad_diff` (‖J_s − J_t‖₂²).

    Args:
      teacher: the finetuned teacher: a frozen classifier with the student's classes, on
        inputs the adapter produces (finetune_teacher).
      adapter: an InputAdapter (a learned one from the first stage); default: the fixed one
        options.igam_adapter names, required when the resolutions differ.
      options: IGAMOptions: λ_adv, λ_diff >= 0; igam_input_gradient; igam_discriminator_every
        k >= 1 (D's weights are updated once every k classifier steps);
        igam_discriminator_lr_scale (D's default optimizer: the student's optimizer class and
        settings with this × its learning rate, accumulating gradients over k steps).
        igam_input_noise: uniform noise of `attack`'s ε on the training batch, clipped to its bounds.
      discriminator: D (default: gradient_discriminator on the student's input shape).
      discriminator_optimizer: D's optimizer (default: built at compile, see options).
      warmup_steps: the first optimizer steps trained on CE only (prepare: igam_warmup_fraction ×
        epochs × steps per epoch).
      attack: its ε and bounds are the input noise's (prepare: the run's attack).
    """

    method_name = "igam"
    summary = ("CE + lambda_adv*(fool a discriminator of input gradients) + lambda_diff*||J_s - J_t||^2, "
               "J = dCE/dx; teacher = a robust model whose logit layer is first finetuned on this task "
               "(Chan et al. 2020).")
    teacher_kind = "robust"
    options_class = IGAMOptions
    penalty_metrics = ("disc_loss", "disc_acc", "grad_diff")
    adversary_loss_metric = "disc_loss"
    penalty_needs_training_inputs = True  # the noisy batch, when igam_input_noise is on

    @classmethod
    def prepare(cls, context) -> dict:
        """The first stage: the teacher finetuned on this task (saved to and reloaded from the run
        directory) and its input adapter; nothing without a teacher (build_trainer refuses)."""
        if context.teacher is None:
            return {}
        inputs = {"attack": context.config.attack}
        if context.config.method_options.igam_warmup_fraction:
            if not context.steps_per_epoch:
                raise ValueError("igam_warmup_fraction needs a training dataset of known length.")
            inputs["warmup_steps"] = warmup_steps(context.config.method_options.igam_warmup_fraction,
                                                  context.config.epochs, context.steps_per_epoch)
            log.info("igam: the first %d of %d steps train on CE only (igam_warmup_fraction).",
                     inputs["warmup_steps"], context.config.epochs * context.steps_per_epoch)
        from igdtf.methods.igam_stage import prepare_igam_teacher  # the stage saves files: not needed to train
        teacher, adapter = prepare_igam_teacher(context)
        return {**inputs, "teacher": teacher, "adapter": adapter}

    def __init__(self, student, teacher, adapter: InputAdapter | None = None, discriminator=None,
                 discriminator_optimizer=None, warmup_steps: int = 0, attack: PGD = PGD(), **kwargs):
        super().__init__(student, **kwargs)
        self.warmup_steps = check_non_negative_int("warmup_steps", warmup_steps)
        self.attack = attack
        options = self.options
        student_shape = tuple(student.input_shape[1:])
        if adapter is None:
            adapter = InputAdapter(options.igam_adapter, student_shape, tuple(teacher.input_shape[1:]))
        elif adapter.student_shape != student_shape or adapter.teacher_shape != tuple(teacher.input_shape[1:]):
            raise ValueError(f"The input adapter maps {adapter.student_shape} → {adapter.teacher_shape}, but the "
                             f"student takes {student_shape} and the teacher {tuple(teacher.input_shape[1:])}.")
        if teacher.output_shape[-1] != student.output_shape[-1]:
            raise ValueError(f"Teacher has {teacher.output_shape[-1]} classes but the student has "
                             f"{student.output_shape[-1]}: finetune the teacher's logit layer on the target task "
                             "first (igdtf.methods.igam_teacher.finetune_teacher).")
        self.adapter = adapter
        teacher.trainable = False
        self.teacher = teacher
        self.adversary = discriminator or gradient_discriminator(student_shape)
        self.adversary_optimizer = discriminator_optimizer

    def compile(self, optimizer="rmsprop", **kwargs):
        super().compile(optimizer=optimizer, **kwargs)
        if self.adversary_optimizer is None:
            config = self.optimizer.get_config()
            scale, every = self.options.igam_discriminator_lr_scale, self.options.igam_discriminator_every
            if every > 1 and tf.distribute.get_strategy().num_replicas_in_sync > 1:
                log.warning("igam: %d replicas; the discriminator is updated every step at 1/%d of its learning "
                            "rate instead of once every %d steps.", tf.distribute.get_strategy().num_replicas_in_sync,
                            every, every)
                scale, every = scale / every, 1
            if isinstance(config.get("learning_rate"), (int, float)):
                config["learning_rate"] = config["learning_rate"] * scale
            config.pop("name", None)
            config["gradient_accumulation_steps"] = every if every > 1 else None
            self.adversary_optimizer = type(self.optimizer).from_config(config)
        self.adversary_optimizer.build(self.adversary.trainable_variables)

    def make_train_function(self, force=False):
        """Keras' train function; with a warm-up, one that runs the CE-only step (traced on its own)
        while the optimizer's iteration count is below warmup_steps and the IGAM step after."""
        staged = self.warmup_steps or self.options.igam_adversarial_lr_scale != 1.0
        if not staged or (self.train_function is not None and not force):
            return super().make_train_function(force)
        if self.steps_per_execution > 1:
            raise ValueError("igam_warmup_fraction needs steps_per_execution = 1 (the stage is chosen per step).")
        warmup = self._make_function(functools.partial(self.train_step, method_terms=False))
        adversarial = self._make_function(self.train_step)

        def train_function(iterator):
            step = int(self.optimizer.iterations.numpy())
            if step == self.warmup_steps:  # once per run: checkpoints after it hold the scaled rates
                self._scale_learning_rates(self.options.igam_adversarial_lr_scale)
            return (warmup if step < self.warmup_steps else adversarial)(iterator)

        self.train_function = train_function
        return train_function

    def _scale_learning_rates(self, scale: float) -> None:
        """Multiplies the student's and D's learning rates (plain rates, not schedules) by `scale`."""
        if scale == 1.0:
            return
        for optimizer in (self.optimizer, self.adversary_optimizer):
            rate = float(np.asarray(optimizer.learning_rate))
            optimizer.learning_rate = rate * scale
        log.info("igam: min-max from step %d on at learning rate %.3g (× %g).", self.warmup_steps,
                 float(np.asarray(self.optimizer.learning_rate)), scale)

    def training_inputs(self, x, y, seed):
        """x, or x + U[−ε, ε] clipped to the attack's bounds with igam_input_noise (the same noise
        on any number of replicas)."""
        if not self.options.igam_input_noise:
            return x
        return input_noise(x, fold_seed(self.step_seed(per_replica=False), _NOISE_STREAM), self.attack.epsilon,
                           self.attack.bounds)

    def penalty(self, x, y, seed, logits, x_train=None):
        x = x if x_train is None else x_train
        teacher_gradient = tf.stop_gradient(loss_input_gradient(
            self.teacher, x, y, self.options.igam_input_gradient, self.adapter, fold_seed(seed, _ADAPTER_STREAM)))
        student_gradient = loss_input_gradient(self.student, x, y, self.options.igam_input_gradient)
        difference = tf.reduce_sum(tf.square(flatten_per_example(student_gradient - teacher_gradient)), axis=1)
        both = tf.concat([standardize_gradient(student_gradient), standardize_gradient(teacher_gradient)], 0)
        d_logits = tf.cast(self.adversary(both, training=True), tf.float32)
        n = tf.shape(x)[0]
        d_labels = tf.concat([tf.zeros([n], tf.int32), tf.ones([n], tf.int32)], 0)
        d_losses = cross_entropy(d_labels, d_logits)
        d_correct = tf.cast(tf.equal(tf.argmax(d_logits, -1, output_type=tf.int32), d_labels), tf.float32)
        disc_loss = 0.5 * (d_losses[:n] + d_losses[n:])
        term = -self.options.igam_lambda_adv * disc_loss + self.options.igam_lambda_diff * difference
        return term, {"disc_loss": disc_loss, "disc_acc": 0.5 * (d_correct[:n] + d_correct[n:]),
                      "grad_diff": difference}


def warmup_steps(fraction: float, epochs: int, steps_per_epoch: int) -> int:
    """The CE-only steps of a run: round(fraction × epochs × steps_per_epoch)."""
    return round(fraction * epochs * steps_per_epoch)


def input_noise(x: tf.Tensor, seed: tf.Tensor, epsilon: float, bounds=(0.0, 1.0)) -> tf.Tensor:
    """x + U[−ε, ε] per pixel, clipped to `bounds` unless None (the authors' img_random_pert); the
    rows a single device would draw for this replica's batch."""
    noisy = x + replica_invariant_uniform(x, seed, -epsilon, epsilon)
    return noisy if bounds is None else tf.clip_by_value(noisy, bounds[0], bounds[1])
