"""Training one method end to end: config → trainer → fit with checkpoints → model.keras.

A run directory holds:
  checkpoints/   tf.train checkpoints after every epoch (weights, optimizer slots, learning
                 rate, step counter, which also drives the training RNG, and the epoch)
  history.csv    one row of metrics per epoch
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
from igdtf.methods import ADAPTERS, ADVERSARIAL_METHODS, METHODS, PAG_SOURCES, build_trainer
from igdtf.methods.adapters import InputAdapter
from igdtf.methods.igam import DEFAULT_DIFFERENCE_WEIGHT
from igdtf.methods.igam_teacher import FINETUNE_STEPS, finetune_teacher
from igdtf.methods.pag import pag_targets
from igdtf.models import ARCHITECTURES, build_model
from igdtf.validation import check_choice, check_non_negative, check_positive_int

log = logging.getLogger("igdtf.training")

OPTIMIZERS = ("sgd", "adam")
MODEL_FILE = "model.keras"
FINETUNED_TEACHER_FILE = "teacher_finetuned.keras"  # IGAM's first stage
ADAPTER_WEIGHTS_FILE = "teacher_adapter.weights.h5"  # IGAM's learned input adapter


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run; validated on construction.

    learning_rate is the initial rate; with plateau_patience set, it is multiplied by 0.1
    whenever the monitored validation metric (pgd_acc for adversarial methods, acc otherwise)
    has not improved for that many epochs. batch_size is the global batch.

    Method settings (each used only by its method): alignment_weight (IGD's λ, also for
    trades_igd), cutout_size (pgdat_cutout), igam_* (IGAM: λ_adv, λ_diff, input adapter, steps
    of the logit-layer finetuning), pag_* (PAG: λ, target source, nearest-neighbour pool size,
    classes aligned per example: None for all),
    alignment_penalty_weight (λ_α), gradient_norm_weight (Ross & Doshi-Velez's λ), trades_beta.
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
    igam_adversarial_weight: float = 2.0
    igam_difference_weight: float = DEFAULT_DIFFERENCE_WEIGHT
    igam_adapter: str = "none"
    igam_finetune_steps: int = FINETUNE_STEPS
    pag_weight: float = 1.5
    pag_source: str = "nearest_neighbor"
    pag_pool_size: int = 64
    pag_classes_per_example: int | None = None
    alignment_penalty_weight: float = 0.1
    gradient_norm_weight: float = 1.0
    trades_beta: float = 6.0
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
        check_non_negative("igam_adversarial_weight (λ_adv)", self.igam_adversarial_weight)
        check_non_negative("igam_difference_weight (λ_diff)", self.igam_difference_weight)
        check_choice("IGAM input adapter", self.igam_adapter, ADAPTERS)
        check_positive_int("igam_finetune_steps", self.igam_finetune_steps)
        check_non_negative("pag_weight (λ)", self.pag_weight)
        check_choice("PAG target source", self.pag_source, PAG_SOURCES)
        check_positive_int("pag_pool_size", self.pag_pool_size)
        if self.pag_classes_per_example is not None:
            check_positive_int("pag_classes_per_example", self.pag_classes_per_example)
        check_non_negative("alignment_penalty_weight (λ_α)", self.alignment_penalty_weight)
        check_non_negative("gradient_norm_weight (λ)", self.gradient_norm_weight)
        check_non_negative("trades_beta (β)", self.trades_beta)

    def trainer_options(self, steps_per_epoch: int | None = None) -> dict:
        """Keyword arguments of the method's trainer class (the ε warm-up needs steps_per_epoch)."""
        options = {"weight_decay": self.weight_decay, "eval_attack": self.eval_attack, "seed": self.seed}
        if self.method in ADVERSARIAL_METHODS:
            options["attack"] = self.attack
            if self.epsilon_warmup_epochs:
                if not steps_per_epoch:
                    raise ValueError("An ε warm-up needs a training dataset of known length.")
                options["epsilon_warmup_steps"] = max(1, round(self.epsilon_warmup_epochs * steps_per_epoch))
        method_options = {
            "pgdat_cutout": {"cutout_size": self.cutout_size},
            "igd": {"alignment_weight": self.alignment_weight},
            "trades": {"trades_beta": self.trades_beta},
            "trades_igd": {"trades_beta": self.trades_beta, "alignment_weight": self.alignment_weight},
            "igam": {"igam_adversarial_weight": self.igam_adversarial_weight,
                     "igam_difference_weight": self.igam_difference_weight},
            "pag": {"pag_weight": self.pag_weight, "pag_source": self.pag_source,
                    "classes_per_example": self.pag_classes_per_example},
            "alignment_penalty": {"alignment_penalty_weight": self.alignment_penalty_weight},
            "input_gradient_norm": {"gradient_norm_weight": self.gradient_norm_weight},
        }
        options.update(method_options.get(self.method, {}))
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


def check_attack_bounds(config: TrainConfig, info: DatasetInfo) -> None:
    """Raises ValueError if an attack's input range differs from the dataset's (e.g. [0, 1]
    clipping on unbounded vector data would silently break every attack)."""
    attacks = {"eval_attack": config.eval_attack}
    if config.method in ADVERSARIAL_METHODS:
        attacks["attack"] = config.attack
    for name, attack in attacks.items():
        if attack is not None and attack.bounds != info.bounds:
            raise ValueError(f"{name} clips inputs to {attack.bounds}, but {info.name} inputs range over "
                             f"{info.bounds or 'all real numbers (no bounds)'}; build it with bounds={info.bounds}.")


def prepare_method(config: TrainConfig, info: DatasetInfo, train_data: tf.data.Dataset, output_dir: str,
                   teacher: keras.Model | None, strategy: tf.distribute.Strategy):
    """What a method needs besides its options: (teacher, extra trainer options).

    pag (data sources): class representatives from one pass over `train_data`;
    alignment_penalty: the dataset's analytic Δx; igam: the first stage, which finetunes the
    teacher's logit layer (and a learned input adapter) and is saved to OUTPUT_DIR, or reloaded
    from there. Raises ValueError for settings that cannot work, before any training.
    """
    if config.method == "pag" and config.pag_source != "rigd":
        return teacher, {"targets": pag_targets(config.pag_source, train_data, info.num_classes,
                                                config.pag_pool_size, config.seed)}
    if config.method == "alignment_penalty":
        if info.delta_x is None:
            raise ValueError(f"alignment_penalty needs the vector to the closest point of the closest wrong class "
                             f"in closed form, which {info.name} does not provide; datasets that do: spheres, "
                             "squares.")
        return teacher, {"delta_x": info.delta_x}
    if config.method != "igam" or teacher is None:
        return teacher, {}
    adapter = InputAdapter(config.igam_adapter, info.image_shape, tuple(teacher.input_shape[1:]))
    teacher_path = os.path.join(output_dir, FINETUNED_TEACHER_FILE)
    adapter_path = os.path.join(output_dir, ADAPTER_WEIGHTS_FILE)
    with strategy.scope():
        if os.path.exists(teacher_path):
            log.info("igam: loading the finetuned teacher %s", teacher_path)
            finetuned = keras.models.load_model(teacher_path, compile=False)
            if adapter.layer is not None:
                adapter.layer.load_weights(adapter_path)
        else:
            log.info("igam: finetuning the teacher's logit layer for %d steps", config.igam_finetune_steps)
            finetuned = finetune_teacher(teacher, info.num_classes, train_data, adapter, config.igam_finetune_steps,
                                         seed=config.seed)
            os.makedirs(output_dir, exist_ok=True)
            if adapter.layer is not None:
                adapter.layer.save_weights(adapter_path)
            finetuned.save(teacher_path)
        finetuned.trainable = False
    return finetuned, {"adapter": adapter}


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
      teacher: the frozen teacher, created in `strategy`'s scope: a standard model for igd and
        trades_igd; a robust model for igam (any task and resolution: its logit layer is
        finetuned here first) and for pag with pag_source="rigd".
    Returns:
      The trained student classifier.
    """
    name = name or config.method
    final_path = os.path.join(output_dir, MODEL_FILE)
    if os.path.exists(final_path):
        log.info("%s: %s exists, training is finished; loading it.", name, final_path)
        with (strategy or tf.distribute.get_strategy()).scope():
            return keras.models.load_model(final_path, compile=False)
    check_attack_bounds(config, info)
    os.makedirs(output_dir, exist_ok=True)
    strategy = strategy or tf.distribute.get_strategy()
    steps = int(train_data.cardinality()) if train_data.cardinality() > 0 else None
    teacher, extra_options = prepare_method(config, info, train_data, output_dir, teacher, strategy)
    with strategy.scope():
        keras.utils.set_random_seed(config.seed)
        student = build_model(
            config.arch, info.image_shape, info.num_classes, info.mean, info.std, **config.arch_options
        )
        trainer = build_trainer(config.method, student, teacher=teacher,
                                **config.trainer_options(steps), **extra_options)
        optimizer = config.make_optimizer()
        trainer.compile(optimizer=optimizer, jit_compile=False)
        optimizer.build(student.trainable_variables)
        epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
    checkpoint = tf.train.Checkpoint(student=student, optimizer=optimizer, epoch=epoch, **trainer.training_state())
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
