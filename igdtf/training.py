"""Training one method end to end: config → trainer → fit with checkpoints → model.keras.

A run directory holds:
  checkpoints/   tf.train checkpoints after every epoch (weights, optimizer slots, learning
                 rate, step counter, which also drives the training RNG, and the epoch)
  history.csv    one row of metrics per epoch
  model_spec.json  architecture, input shape, classes, normalisation, dataset (igdtf.models.ModelSpec)
  model.keras    the trained classifier (written last; its presence means "done")
Running again on the same directory resumes after the last finished epoch.
"""

import dataclasses
import logging
import os
import time

import keras
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.data.registry import DatasetInfo
from igdtf.methods import ADVERSARIAL_METHODS, METHODS, TEACHER_METHODS, build_trainer
from igdtf.models import ARCHITECTURES, MODEL_SPEC_FILE, ModelSpec
from igdtf.validation import check_choice, check_non_negative, check_positive_int

log = logging.getLogger("igdtf.training")

OPTIMIZERS = ("sgd", "adam")
MODEL_FILE = "model.keras"


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run; validated on construction.

    learning_rate is the initial rate; with plateau_patience set, it is multiplied by 0.1
    whenever the monitored validation metric (pgd_acc for adversarial methods, acc otherwise)
    has not improved for that many epochs. batch_size is the global batch.
    """

    method: str = "standard"
    arch: str = "resnet18"
    arch_options: dict = dataclasses.field(default_factory=dict)
    epochs: int = 150
    batch_size: int = 128
    optimizer: str = "sgd"
    learning_rate: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    plateau_patience: int | None = None
    attack: PGD = PGD()
    eval_attack: PGD | None = None
    alignment_weight: float = 2.0
    cutout_size: int | None = None
    epsilon_warmup_epochs: float = 0.0
    seed: int = 0

    def __post_init__(self):
        check_choice("method", self.method, METHODS)
        check_choice("architecture", self.arch, ARCHITECTURES)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_positive_int("epochs", self.epochs)
        check_positive_int("batch_size", self.batch_size)
        check_non_negative("learning_rate", self.learning_rate)
        check_non_negative("momentum", self.momentum)
        check_non_negative("weight_decay", self.weight_decay)
        check_non_negative("alignment_weight (λ)", self.alignment_weight)
        if self.plateau_patience is not None:
            check_positive_int("plateau_patience", self.plateau_patience)
        if self.cutout_size is not None:
            check_positive_int("cutout_size", self.cutout_size)
        check_non_negative("epsilon_warmup_epochs", self.epsilon_warmup_epochs)

    def trainer_options(self, steps_per_epoch: int | None = None) -> dict:
        """Keyword arguments of the method's trainer class (the ε warm-up needs steps_per_epoch)."""
        options = {"weight_decay": self.weight_decay, "eval_attack": self.eval_attack, "seed": self.seed}
        if self.method in ADVERSARIAL_METHODS:
            options["attack"] = self.attack
            if self.epsilon_warmup_epochs:
                if not steps_per_epoch:
                    raise ValueError("An ε warm-up needs a training dataset of known length.")
                options["epsilon_warmup_steps"] = max(1, round(self.epsilon_warmup_epochs * steps_per_epoch))
        if self.method == "pgdat_cutout":
            options["cutout_size"] = self.cutout_size
        if self.method in TEACHER_METHODS:
            options["alignment_weight"] = self.alignment_weight
        return options

    def make_optimizer(self) -> keras.optimizers.Optimizer:
        if self.optimizer == "adam":
            return keras.optimizers.Adam(self.learning_rate)
        return keras.optimizers.SGD(self.learning_rate, momentum=self.momentum)


class EpochCheckpoint(keras.callbacks.Callback):
    """Saves a tf.train checkpoint (with the epoch number) at the end of every epoch."""

    def __init__(self, manager: tf.train.CheckpointManager, epoch: tf.Variable):
        super().__init__()
        self.manager = manager
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.assign(epoch + 1)
        self.manager.save(checkpoint_number=epoch + 1)


class ProgressLogger(keras.callbacks.Callback):
    """One log line every `every` steps (with steps/s and the epoch's ETA) and one per epoch."""

    def __init__(self, name: str, epochs: int, steps_per_epoch: int | None, every: int = 50):
        super().__init__()
        self.name, self.epochs, self.steps, self.every = name, epochs, steps_per_epoch, every

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.start = epoch, time.time()

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every:
            return
        rate = (batch + 1) / (time.time() - self.start)
        eta = f", ETA {((self.steps or 0) - batch - 1) / rate:.0f} s" if self.steps else ""
        log.info("%s epoch %d/%d step %d%s: %s (%.2f steps/s%s)", self.name, self.epoch + 1,
                 self.epochs, batch + 1, f"/{self.steps}" if self.steps else "", _format(logs), rate, eta)

    def on_epoch_end(self, epoch, logs=None):
        log.info("%s epoch %d/%d done in %.0f s: %s", self.name, epoch + 1, self.epochs,
                 time.time() - self.start, _format(logs))


def _format(logs) -> str:
    return ", ".join(f"{k}={float(v):.4f}" for k, v in sorted((logs or {}).items()))


def train_model(
    config: TrainConfig,
    info: DatasetInfo,
    train_data: tf.data.Dataset,
    output_dir: str,
    validation_data: tf.data.Dataset | None = None,
    teacher: keras.Model | None = None,
    strategy: tf.distribute.Strategy | None = None,
    name: str | None = None,
) -> keras.Model:
    """Trains (or resumes, or reloads if finished) `config.method` on batched `train_data`.

    Args:
      info: the dataset's shape, classes and normalisation statistics.
      train_data: batches of (images in [0, 1], labels), global batch size.
      output_dir: the run directory (see module docstring).
      teacher: the frozen teacher for distillation methods, created in `strategy`'s scope.
    Returns:
      The trained student classifier.
    """
    name = name or config.method
    final_path = os.path.join(output_dir, MODEL_FILE)
    if os.path.exists(final_path):
        log.info("%s: %s exists, training is finished; loading it.", name, final_path)
        with (strategy or tf.distribute.get_strategy()).scope():
            return keras.models.load_model(final_path, compile=False)
    os.makedirs(output_dir, exist_ok=True)
    strategy = strategy or tf.distribute.get_strategy()
    spec = ModelSpec(config.arch, info.image_shape, info.num_classes, info.mean, info.std,
                     config.arch_options, info.name)
    spec.save(os.path.join(output_dir, MODEL_SPEC_FILE))  # rebuilds the model around a checkpoint
    steps = int(train_data.cardinality()) if train_data.cardinality() > 0 else None
    with strategy.scope():
        keras.utils.set_random_seed(config.seed)
        student = spec.build()
        trainer = build_trainer(config.method, student, teacher=teacher, **config.trainer_options(steps))
        optimizer = config.make_optimizer()
        trainer.compile(optimizer=optimizer, jit_compile=False)
        optimizer.build(student.trainable_variables)
        epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
    checkpoint = tf.train.Checkpoint(student=student, optimizer=optimizer, epoch=epoch)
    manager = tf.train.CheckpointManager(checkpoint, os.path.join(output_dir, "checkpoints"), max_to_keep=2)
    if manager.latest_checkpoint:
        checkpoint.restore(manager.latest_checkpoint).assert_consumed()
        log.info("%s: resuming from %s (epoch %d).", name, manager.latest_checkpoint, int(epoch.numpy()))
    initial_epoch = int(epoch.numpy())
    callbacks = [
        EpochCheckpoint(manager, epoch),
        keras.callbacks.CSVLogger(os.path.join(output_dir, "history.csv"), append=True),
        ProgressLogger(name, config.epochs, steps),
    ]
    if config.plateau_patience is not None:
        monitor = "val_pgd_acc" if config.eval_attack is not None else "val_acc"
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, mode="max", factor=0.1, patience=config.plateau_patience, verbose=1
        ))
    if initial_epoch < config.epochs:
        log.info("%s: training %s for epochs %d-%d.", name, config.method, initial_epoch + 1, config.epochs)
        trainer.fit(train_data, epochs=config.epochs, initial_epoch=initial_epoch,
                    validation_data=validation_data, callbacks=callbacks, verbose=0)
    student.save(final_path)
    log.info("%s: saved %s", name, final_path)
    return student
