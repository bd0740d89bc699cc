"""Training one method end to end: config → trainer → fit with checkpoints → model.keras.

A run directory holds:
  run.json       the run's identity (method, architecture, dataset, batch, seed, precision),
                 settings and epoch segments; a directory is resumed only by the same run with
                 the same settings (run_record.py)
  checkpoints/   tf.train checkpoints (the last two) after every epoch and, with
                 checkpoint_every_steps, within epochs: weights, optimizer slots, learning rate,
                 loss scale, step counter, partial-epoch metric sums and the RunState (data
                 position, reduce-on-plateau state, best value; see checkpointing.py)
  history.csv    one row of metrics per epoch
  model_spec.json  architecture, input shape, classes, normalisation, dataset (igdtf.models.ModelSpec),
                 to rebuild the model around a checkpoint (igdtf.export)
  best.keras     with validation data: the student at its best validation metric
  best.json      (val_pgd_acc for adversarial methods, val_acc otherwise) and that epoch
  tensorboard/   with tensorboard options: event files (evaluation/tensorboard.py)
  model.keras    the trained classifier after the last epoch (written last; means "done")
Every file is written atomically (atomic.py): a kill leaves the old file or the new one. A
model.keras that cannot be read is rebuilt from the last checkpoint; a corrupt checkpoint
falls back to the one before it.
Running again on the same directory resumes from the last checkpoint. With EpochBatches
training data (pipeline.py) the resumed run sees the same batches and draws the same random
numbers as an uninterrupted one, so in deterministic mode it ends with the same weights.
"""

import contextlib
import dataclasses
import logging
import os
import shutil
import time

import keras
import numpy as np
import tensorflow as tf

from igdtf.artefacts import error_summary, load_keras_file
from igdtf.atomic import atomic_path, save_model
from igdtf.attacks import PGD
from igdtf.checkpointing import BestModel, PlateauSchedule, RunCheckpoint, RunState
from igdtf.data.pipeline import EpochBatches
from igdtf.data.registry import DatasetInfo
from igdtf.distribute import in_multi_worker_mode, is_chief, worker_path
from igdtf.errors import ConfigError, UnreadableFileError
from igdtf.evaluation.tensorboard import TensorBoardLogger
from igdtf.methods import ADAPTERS, ADVERSARIAL_METHODS, METHODS, PAG_SOURCES, build_trainer
from igdtf.methods.adapters import InputAdapter
from igdtf.methods.igam import DEFAULT_DIFFERENCE_WEIGHT
from igdtf.methods.igam_teacher import FINETUNE_STEPS, finetune_teacher
from igdtf.methods.pag import pag_targets
from igdtf.models import ARCHITECTURES, MODEL_SPEC_FILE, ModelSpec
from igdtf.precision import MIXED_FLOAT16, dtype_policy
from igdtf.run_record import check_run_directory, read_run_file, recorded_epochs, write_run_file
from igdtf.validation import check_choice, check_non_negative, check_positive_int

log = logging.getLogger("igdtf.training")

OPTIMIZERS = ("sgd", "adam")
MODEL_FILE = "model.keras"
IDENTITY_FIELDS = ("method", "arch", "arch_options", "batch_size", "seed", "mixed_precision")
FINETUNED_TEACHER_FILE = "teacher_finetuned.keras"  # IGAM's first stage
ADAPTER_WEIGHTS_FILE = "teacher_adapter.weights.h5"  # IGAM's learned input adapter


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run; validated on construction.

    learning_rate is the initial rate; with plateau_patience set, it is multiplied by 0.1
    whenever the monitored validation metric (pgd_acc for adversarial methods, acc otherwise)
    has not improved for that many epochs. batch_size is the global batch (distribute.py).
    checkpoint_every_steps adds checkpoints within epochs. mixed_precision builds the student
    under Keras' mixed_float16 policy (attacks and input-gradient terms stay float32).

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
    checkpoint_every_steps: int | None = None
    mixed_precision: bool = False

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
        if self.checkpoint_every_steps is not None:
            check_positive_int("checkpoint_every_steps", self.checkpoint_every_steps)
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

    @property
    def monitor(self) -> str:
        """The validation metric of plateau and best-checkpoint selection: PGD accuracy for
        adversarial methods (the papers' choice), clean accuracy otherwise."""
        return "val_pgd_acc" if self.eval_attack is not None else "val_acc"

    def identity(self, info: DatasetInfo) -> dict:
        """The settings a checkpoint of this run cannot change."""
        fields = {name: getattr(self, name) for name in IDENTITY_FIELDS}
        return {**fields, "dataset": info.name, "image_shape": list(info.image_shape),
                "num_classes": info.num_classes}


@dataclasses.dataclass(frozen=True)
class TensorBoardOptions:
    """What the TensorBoard callback logs besides the training logs (evaluation/tensorboard.py).

    probe: (images, labels) numpy arrays evaluated every epoch; evaluators: run on the probe.
    """

    probe: tuple | None = None
    evaluators: tuple = ()
    every_steps: int = 50
    hparams: dict = dataclasses.field(default_factory=dict)


class ProgressLogger(keras.callbacks.Callback):
    """One log line every `every` steps (with steps/s and the epoch's ETA) and one per epoch.

    offset: the step at which the current epoch starts (set before a resumed epoch's fit call).
    """

    def __init__(self, name: str, epochs: int, steps_per_epoch: int | None, every: int = 50):
        super().__init__()
        self.name, self.epochs, self.steps, self.every = name, epochs, steps_per_epoch, every
        self.offset = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch, self.start = epoch, time.time()

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every:
            return
        rate = (batch + 1) / (time.time() - self.start)
        step = self.offset + batch + 1
        eta = f", ETA {((self.steps or 0) - step) / rate:.0f} s" if self.steps else ""
        log.info("%s epoch %d/%d step %d%s: %s (%.2f steps/s%s)", self.name, self.epoch + 1,
                 self.epochs, step, f"/{self.steps}" if self.steps else "", _format(logs), rate, eta)

    def on_epoch_end(self, epoch, logs=None):
        log.info("%s epoch %d/%d done in %.0f s: %s", self.name, epoch + 1, self.epochs,
                 time.time() - self.start, _format(logs))
        self.offset = 0


def _format(logs) -> str:
    return ", ".join(f"{k}={float(np.mean(v)):.4f}" for k, v in sorted((logs or {}).items()))


class _Batches:
    """Training batches of either kind: EpochBatches (exact data position), or a plain batched
    tf.data.Dataset re-iterated every epoch (resumes at the right step, but its shuffle order
    after a restart is not the uninterrupted run's)."""

    def __init__(self, data, strategy: tf.distribute.Strategy):
        self.data, self.strategy = data, strategy
        if isinstance(data, EpochBatches):
            self.steps_per_epoch = data.steps_per_epoch
        else:
            count = int(data.cardinality())
            self.steps_per_epoch = count if count > 0 else None

    def first_epoch(self) -> tf.data.Dataset:
        """The batches of epoch 0 as one tf.data.Dataset (for one-off passes over the data)."""
        return self.data.dataset(0, 0) if isinstance(self.data, EpochBatches) else self.data

    def fit_input(self, epoch: int, start_step: int):
        """(data, steps_per_epoch) for a model.fit call over epoch `epoch` from `start_step` on."""
        steps = self.steps_per_epoch - start_step if self.steps_per_epoch else None
        if not isinstance(self.data, EpochBatches):
            return (self.data.skip(start_step), steps) if start_step else (self.data, None)
        if self.strategy.num_replicas_in_sync > 1 or in_multi_worker_mode(self.strategy):
            data = self.strategy.distribute_datasets_from_function(
                lambda context: self.data.dataset(epoch, start_step, context))
        else:
            data = self.data.dataset(epoch, start_step)
        return data, steps


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
        finetuned = _finetuned_teacher(teacher_path, adapter, adapter_path)
        if finetuned is None:
            log.info("igam: finetuning the teacher's logit layer for %d steps", config.igam_finetune_steps)
            finetuned = finetune_teacher(teacher, info.num_classes, train_data, adapter, config.igam_finetune_steps,
                                         seed=config.seed)
            if adapter.layer is not None:
                with atomic_path(adapter_path) as temporary:
                    adapter.layer.save_weights(temporary)
            save_model(finetuned, teacher_path)  # last: its existence means the first stage is done
        finetuned.trainable = False
    return finetuned, {"adapter": adapter}


def _finetuned_teacher(teacher_path: str, adapter: InputAdapter, adapter_path: str) -> keras.Model | None:
    """IGAM's saved first stage (loading the adapter's weights), or None if there is none or it
    cannot be read (it is then computed again, deterministically from the seed)."""
    if not os.path.exists(teacher_path):
        return None
    try:
        finetuned = load_keras_file(teacher_path)
        if adapter.layer is not None:
            adapter.layer.load_weights(adapter_path)
    except (UnreadableFileError, OSError, ValueError) as error:
        log.warning("igam: %s cannot be read (%s); finetuning the teacher again.", teacher_path,
                    error_summary(error))
        return None
    log.info("igam: loaded the finetuned teacher %s", teacher_path)
    return finetuned


def train_model(
    config: TrainConfig,
    info: DatasetInfo,
    train_data,
    output_dir: str,
    validation_data: tf.data.Dataset | None = None,
    teacher: keras.Model | None = None,
    strategy: tf.distribute.Strategy | None = None,
    name: str | None = None,
    resume: bool = True,
    tensorboard: TensorBoardOptions | None = None,
    callbacks: tuple = (),
    settings: dict | None = None,
    extend_epochs: bool = False,
) -> keras.Model:
    """Trains (or resumes, or reloads if finished) `config.method`.

    Args:
      info: the dataset's shape, classes and normalisation statistics.
      train_data: EpochBatches (exact resume, see pipeline.py), or a tf.data.Dataset of
        batches (images in [0, 1], labels) of the global batch size.
      output_dir: the run directory (see module docstring). A directory holding a different
        run (another method, architecture, dataset...) is refused with a ConfigError, as is
        one holding a checkpoint when `resume` is False.
      validation_data: batches evaluated after every epoch (val_acc, and val_pgd_acc when
        config.eval_attack is set); enables best.keras and the plateau schedule.
      teacher: the frozen teacher, created in `strategy`'s scope: a standard model for igd and
        trades_igd; a robust model for igam (any task and resolution: its logit layer is
        finetuned here first) and for pag with pag_source="rigd".
      tensorboard: options of the TensorBoard logs; None writes none.
      callbacks: more Keras callbacks, run after the run's own (before its checkpoint).
      settings: more settings that change the result (data options, the teacher), recorded in
        run.json with the config's and compared with them on resume (run_record.py).
      extend_epochs: a run recorded with fewer epochs than config.epochs trains on (even when
        finished) instead of being refused; run.json records the new segment.
    Returns:
      The trained student classifier (after the last epoch; best.keras holds the best one).
    """
    name = name or config.method
    strategy = strategy or tf.distribute.get_strategy()
    identity, all_settings = config.identity(info), run_settings(config, info, settings)
    check_run_directory(output_dir, identity, resume, all_settings, extend_epochs)
    finished = _finished_model(output_dir, config, name, strategy)
    if finished is not None:
        return finished
    if config.plateau_patience is not None and validation_data is None:
        raise ConfigError("A plateau schedule (plateau_patience) needs validation data.")
    check_attack_bounds(config, info)
    batches = _Batches(train_data, strategy)
    if config.checkpoint_every_steps and not batches.steps_per_epoch:
        raise ConfigError("checkpoint_every_steps needs training data of known length.")
    teacher, method_inputs = prepare_method(config, info, batches.first_epoch(), output_dir, teacher, strategy)
    run = _Run(config, info, name, output_dir, strategy, batches, validation_data, tensorboard, callbacks)
    run.build(teacher, method_inputs)
    if is_chief(strategy):
        write_run_file(output_dir, identity, all_settings)
        run.model_spec().save(os.path.join(output_dir, MODEL_SPEC_FILE))
    return run.train()


def run_settings(config: TrainConfig, info: DatasetInfo, settings: dict | None = None) -> dict:
    """What run.json records as the run's settings: the config, the dataset, and `settings`."""
    return {**dataclasses.asdict(config), "dataset": info.name, **(settings or {})}


def _finished_model(output_dir: str, config: TrainConfig, name: str, strategy) -> keras.Model | None:
    """The run's model.keras if training is finished, else None: when the run is being extended
    to more epochs (the file is removed, the last checkpoint continues), or when model.keras
    cannot be read but a checkpoint can rebuild it. UnreadableFileError when nothing can."""
    final_path = os.path.join(output_dir, MODEL_FILE)
    if not os.path.exists(final_path):
        return None
    record = read_run_file(output_dir)
    if record is not None and (recorded_epochs(record) or config.epochs) < config.epochs:
        log.info("%s: extending the finished run from %d to %d epochs.", name, recorded_epochs(record), config.epochs)
        _remove_on_chief(final_path, strategy)
        return None
    log.info("%s: %s exists, training is finished; loading it.", name, final_path)
    try:
        with strategy.scope():
            return load_keras_file(final_path)
    except UnreadableFileError as error:
        if not tf.train.latest_checkpoint(os.path.join(output_dir, "checkpoints")):
            raise UnreadableFileError(f"{error} There is no checkpoint to rebuild it from: delete {output_dir} "
                                      "and train again.") from None
        log.warning("%s Rebuilding it from the last checkpoint.", error)
        _remove_on_chief(final_path, strategy)
        return None


def _remove_on_chief(path: str, strategy) -> None:
    """Removes a file of the run directory (only the chief writes there)."""
    if is_chief(strategy):
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


class _Run:
    """One training run: builds the trainer and checkpoint, restores, fits, saves."""

    def __init__(self, config: TrainConfig, info: DatasetInfo, name: str, output_dir: str,
                 strategy: tf.distribute.Strategy, batches: _Batches, validation_data, tensorboard,
                 callbacks: tuple = ()):
        self.config, self.info, self.name, self.output_dir = config, info, name, output_dir
        self.strategy, self.batches = strategy, batches
        self.validation_data, self.tensorboard = validation_data, tensorboard
        self.extra_callbacks = list(callbacks)
        self.files = worker_path(output_dir, strategy)  # where this worker writes (output_dir on the chief)
        self.state = RunState()

    def model_spec(self) -> ModelSpec:
        info = self.info
        return ModelSpec(self.config.arch, info.image_shape, info.num_classes, info.mean, info.std,
                         self.config.arch_options, info.name)

    def build(self, teacher, method_inputs: dict) -> None:
        """Builds student, trainer (with `method_inputs` from prepare_method), checkpoint."""
        config = self.config
        policy = MIXED_FLOAT16 if config.mixed_precision else keras.config.dtype_policy().name
        with dtype_policy(policy), self.strategy.scope():
            keras.utils.set_random_seed(config.seed)
            self.student = self.model_spec().build()
            self.trainer = build_trainer(config.method, self.student, teacher=teacher,
                                         **config.trainer_options(self.batches.steps_per_epoch), **method_inputs)
            self.trainer.compile(optimizer=config.make_optimizer(), jit_compile=False)
            self.trainer.optimizer.build(self.student.trainable_variables)
        self.metric_variables = [v for metric in self.trainer.metrics for v in metric.variables]
        self.checkpoint = tf.train.Checkpoint(student=self.student, optimizer=self.trainer.optimizer,
                                              state=self.state, metrics=self.metric_variables,
                                              **self.trainer.checkpoint_items())
        os.makedirs(self.files, exist_ok=True)
        self.manager = tf.train.CheckpointManager(self.checkpoint, os.path.join(self.files, "checkpoints"),
                                                  max_to_keep=2)

    def train(self) -> keras.Model:
        latest = _restore_latest(self.checkpoint, os.path.join(self.output_dir, "checkpoints"))
        restore_metrics = None
        if latest:
            log.info("%s: resuming from %s (epoch %d, step %d).", self.name, latest, *self.state.position())

            def restore_metrics():  # the partial-epoch sums of a mid-epoch checkpoint
                tf.train.Checkpoint(metrics=self.metric_variables).restore(latest).expect_partial()

        epoch, step = self.state.position()
        if epoch < self.config.epochs:
            log.info("%s: training %s for epochs %d-%d.", self.name, self.config.method, epoch + 1,
                     self.config.epochs)
        callbacks = self._callbacks(restore_metrics if step else None)
        # One fit call per epoch: each epoch's data is built for its own position (pipeline.py).
        for epoch in range(epoch, self.config.epochs):
            for callback in callbacks:
                if isinstance(callback, (ProgressLogger, RunCheckpoint)):
                    callback.offset = step
            data, steps = self.batches.fit_input(epoch, step)
            self.trainer.fit(data, epochs=epoch + 1, initial_epoch=epoch, steps_per_epoch=steps,
                             validation_data=self.validation_data, callbacks=callbacks, verbose=0)
            step = 0
        save_model(self.student, os.path.join(self.files, MODEL_FILE))
        if is_chief(self.strategy):
            log.info("%s: saved %s", self.name, os.path.join(self.output_dir, MODEL_FILE))
        else:  # remove this run's scratch copy, and the scratch folder once empty
            shutil.rmtree(self.files, ignore_errors=True)
            with contextlib.suppress(OSError):
                os.rmdir(os.path.dirname(self.files))
        return self.student

    def _callbacks(self, restore_metrics) -> list:
        """The run's callbacks, in the order they must run at an epoch's end: the schedule and
        best-model updates before the checkpoint that records them."""
        config, callbacks = self.config, []
        if config.plateau_patience is not None:
            callbacks.append(PlateauSchedule(self.state, config.monitor, config.plateau_patience))
        if self.validation_data is not None:
            callbacks.append(BestModel(self.state, self.student, config.monitor, self.files))
        if self.tensorboard is not None:
            options = self.tensorboard
            callbacks.append(TensorBoardLogger(
                os.path.join(self.files, "tensorboard"), {**options.hparams, "method": config.method},
                options.probe, options.evaluators, options.every_steps))
        return callbacks + [
            keras.callbacks.CSVLogger(os.path.join(self.files, "history.csv"), append=True),
            ProgressLogger(self.name, config.epochs, self.batches.steps_per_epoch),
            *self.extra_callbacks,
            RunCheckpoint(self.manager, self.state, self.trainer.optimizer, self.batches.steps_per_epoch,
                          config.checkpoint_every_steps, restore_metrics=restore_metrics),
        ]


def _restore_latest(checkpoint: tf.train.Checkpoint, directory: str) -> str | None:
    """Restores `checkpoint` from the newest readable checkpoint in `directory` (a corrupt one
    is skipped with a warning) and returns its path; None if there is none. The checkpoints are
    those the `checkpoint` state file lists or, if it cannot be read, the ckpt-N files there.
    UnreadableFileError if none can be read; ConfigError if they belong to another configuration."""
    state = tf.train.get_checkpoint_state(directory)  # None (with a warning) for a corrupt state file
    if state is not None:
        paths = [p if os.path.isabs(p) else os.path.join(directory, p) for p in state.all_model_checkpoint_paths]
    else:
        paths = sorted((name[:-len(".index")] for name in tf.io.gfile.glob(os.path.join(directory, "ckpt-*.index"))),
                       key=lambda prefix: int(prefix.rsplit("-", 1)[1]))
    for path in reversed(paths):
        try:
            _restore(checkpoint, path)
            return path
        except ConfigError:
            raise
        except Exception as error:  # a corrupt index raises OpError, corrupt data IndexError...
            log.warning("Checkpoint %s cannot be read (%s); trying the one before it.", path, error_summary(error))
    if paths:
        raise UnreadableFileError(f"No checkpoint in {directory} can be read ({', '.join(paths)}): delete "
                                  f"{os.path.dirname(directory)} and train again.")
    return None


def _restore(checkpoint: tf.train.Checkpoint, path: str) -> None:
    """Restores everything in `checkpoint` from `path`; ConfigError if the checkpoint has
    values this run lacks (a checkpoint of another configuration or igdtf version)."""
    try:
        checkpoint.restore(path).assert_consumed()
    except AssertionError as error:
        raise ConfigError(
            f"{path} does not match this run's model and optimizer, so it cannot be resumed exactly "
            f"({str(error).splitlines()[0][:300]}). Choose another --output_dir."
        ) from None
