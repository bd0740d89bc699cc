"""Training one method end to end: config → trainer → fit with checkpoints → model.keras."""


import contextlib
import logging
import math
import os
import shutil

import keras
import tensorflow as tf

from igdtf.data.registry import DatasetInfo
from igdtf.distribute import in_multi_worker_mode, is_chief, worker_path
from igdtf.errors import ConfigError, UnreadableFileError, checked
from igdtf.methods import MethodContext, build_trainer
from igdtf.models.heads import head_layer
from igdtf.precision import MIXED_FLOAT16, dtype_policy
from igdtf.runs.artefacts import load_keras_file
from igdtf.runs.atomic import save_model
from igdtf.runs.files import CHECKPOINTS_DIR, HISTORY_FILE, MODEL_FILE, MODEL_SPEC_FILE, TENSORBOARD_DIR, has_checkpoint
from igdtf.runs.run_file import check_run_directory, read_run_file, recorded_epochs, write_run_file
from igdtf.runs.write_errors import writing
from igdtf.stop_signals import deferring_stops
from igdtf.training.batches import TrainingBatches
from igdtf.training.callbacks import (
    CHECKPOINT_TEMPORARIES, BestModel, CollapseDetector, OverfittingGuard, PlateauSchedule, ProgressLogger,
    RunCheckpoint,
)
from igdtf.training.checkpoints import RunState, restore_latest
from igdtf.training.config import TensorBoardOptions, TrainConfig, run_settings
from igdtf.training.history import HistoryFile
from igdtf.training.init_from import student_model
from igdtf.training.lr_warmup import LearningRateWarmup, warmup_steps
from igdtf.training.stops import DivergenceStop, StopCheck
from igdtf.training.tensorboard_logger import TensorBoardLogger

log = logging.getLogger("igdtf.training")
EPOCHS_PER_FIT = 10  # epochs per model.fit call (its input pipeline chains that many epochs)


def check_attack_bounds(config: TrainConfig, info: DatasetInfo) -> None:
    """Raises ValueError if an attack's input range differs from the dataset's (e.g. [0, 1]
    clipping on unbounded vector data would silently break every attack)."""
    attacks = {"eval_attack": config.eval_attack}
    if config.method_class.adversarial:
        attacks["attack"] = config.attack
    for name, attack in attacks.items():
        if attack is not None and attack.bounds != info.bounds:
            raise ValueError(f"{name} clips inputs to {attack.bounds}, but {info.name} inputs range over "
                             f"{info.bounds or 'all real numbers (no bounds)'}; build it with bounds={info.bounds}.")


def prepare_method(config: TrainConfig, info: DatasetInfo, batches: TrainingBatches, output_dir: str,
                   teacher: keras.Model | None, strategy: tf.distribute.Strategy):
    """(teacher, the method's prepared constructor inputs): its `prepare` hook (igdtf.methods)
    on the first epoch's batches. Raises ValueError for settings that cannot work, before any
    training."""
    context = MethodContext(config, info, batches.first_epoch(), output_dir, teacher, strategy,
                            batches.steps_per_epoch)
    inputs = dict(config.method_class.prepare(context))
    return inputs.pop("teacher", teacher), inputs


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
        finetuned here first), for kdiga and igdm, and for pag with pag_source="rigd".
      tensorboard: options of the TensorBoard logs; None writes none.
      callbacks: more Keras callbacks, run after the run's own (before its checkpoint).
      settings: more settings that change the result (data options, the teacher), recorded in
        run.json with the config's and compared with them on resume (igdtf/runs/run_file.py).
      extend_epochs: a run recorded with fewer epochs than config.epochs trains on (even when
        finished) instead of being refused; run.json records the new segment.
    Returns:
      The trained student classifier (after the last epoch; best.keras holds the best one).
    Raises: StopRequested after a stop signal, the step in progress checkpointed (stop_signals.py);
      TrainingDiverged at a NaN or infinite loss or weight; WriteError for a refused write (full disk).
    """
    name = name or config.method
    strategy = strategy or tf.distribute.get_strategy()
    identity, all_settings = config.identity(info), run_settings(config, info, settings)
    check_run_directory(output_dir, identity, resume, all_settings, extend_epochs)
    finished = _finished_model(output_dir, config, name, strategy)
    if finished is not None:
        return finished
    batches = _checked_batches(config, info, train_data, validation_data, strategy)
    teacher, method_inputs = prepare_method(config, info, batches, output_dir, teacher, strategy)
    run = _Run(config, info, name, output_dir, strategy, batches, validation_data, tensorboard, callbacks)
    run.build(teacher, method_inputs)
    if is_chief(strategy):
        write_run_file(output_dir, identity, all_settings)
        run.spec.save(os.path.join(output_dir, MODEL_SPEC_FILE))
    return run.train()


def _checked_batches(config: TrainConfig, info: DatasetInfo, train_data, validation_data,
                     strategy) -> TrainingBatches:
    """The run's TrainingBatches of `train_data`, after refusing (ConfigError, ValueError) settings
    the data cannot serve: a plateau schedule without validation data, attack bounds other than
    the data's, step-based settings on epochs of unknown length."""
    if config.plateau_patience is not None and validation_data is None:
        raise ConfigError("A plateau schedule (plateau_patience) needs validation data.")
    check_attack_bounds(config, info)
    batches = TrainingBatches(train_data, strategy)
    for setting in ("checkpoint_every_steps", "lr_warmup_epochs"):
        if getattr(config, setting) and not batches.steps_per_epoch:
            raise ConfigError(f"{setting} needs training data of known length.")
    return batches


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
        if not tf.train.latest_checkpoint(os.path.join(output_dir, CHECKPOINTS_DIR)):
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


def _random_states(model: keras.Model) -> list:
    """The states of the SeedGenerators of `model`'s layers (Keras Dropout, GaussianNoise, ...),
    which Keras keeps outside the model's weights, so tf.train.Checkpoint(model) misses them."""
    generators = [getattr(layer, "seed_generator", None) for layer in model._flatten_layers()]
    return [generator.state for generator in generators if isinstance(generator, keras.random.SeedGenerator)]


class _Run:
    """One training run: builds the trainer and checkpoint, restores, fits, saves."""

    def __init__(self, config: TrainConfig, info: DatasetInfo, name: str, output_dir: str,
                 strategy: tf.distribute.Strategy, batches: TrainingBatches, validation_data, tensorboard,
                 callbacks: tuple = ()):
        self.config, self.info, self.name, self.output_dir = config, info, name, output_dir
        self.strategy, self.batches = strategy, batches
        self.validation_data, self.tensorboard = validation_data, tensorboard
        self.extra_callbacks = list(callbacks)
        self.files = worker_path(output_dir, strategy)  # where this worker writes (output_dir on the chief)
        self.state = RunState()

    def build(self, teacher, method_inputs: dict) -> None:
        """Builds student (and its spec), trainer (with `method_inputs` from prepare_method), checkpoint."""
        config = self.config
        policy = MIXED_FLOAT16 if config.mixed_precision else keras.config.dtype_policy().name
        resuming = has_checkpoint(self.output_dir)
        with dtype_policy(policy), self.strategy.scope():
            keras.utils.set_random_seed(config.seed)
            os.makedirs(self.files, exist_ok=True)
            self.spec, self.student = checked(student_model, config, self.info, self.output_dir, self.files, resuming)
            self.trainer = build_trainer(config.method, self.student, teacher=teacher, options=config.method_options,
                                         **config.trainer_options(), **method_inputs)
            if config.freeze_backbone_epochs:
                head = checked(head_layer, self.student)
                self.trainer.train_only(head.trainable_variables, self._freeze_steps(config.freeze_backbone_epochs))
            self.trainer.compile(optimizer=config.make_optimizer(), jit_compile=False)
            self.trainer.optimizer.build(self.student.trainable_variables)
        self.metric_variables = [v for metric in self.trainer.metrics for v in metric.variables]
        randomness = _random_states(self.student)  # e.g. wide_resnet's dropout: an exact resume needs it
        self.checkpoint = tf.train.Checkpoint(student=self.student, optimizer=self.trainer.optimizer,
                                              state=self.state, metrics=self.metric_variables,
                                              **({"random_states": randomness} if randomness else {}),
                                              **self.trainer.checkpoint_items())
        self.manager = tf.train.CheckpointManager(self.checkpoint, os.path.join(self.files, CHECKPOINTS_DIR),
                                                  max_to_keep=2)

    def _freeze_steps(self, epochs: int) -> int:
        """The optimizer steps of the first `epochs` epochs (ConfigError if epochs have no known length)."""
        if not self.batches.steps_per_epoch:
            raise ConfigError("freeze_backbone_epochs needs training data of known length.")
        return epochs * self.batches.steps_per_epoch

    def train(self) -> keras.Model:
        latest = restore_latest(self.checkpoint, os.path.join(self.output_dir, CHECKPOINTS_DIR))
        if latest:
            log.info("%s: resuming from %s (epoch %d, step %d).", self.name, latest, *self.state.position())
        epoch, step = self.state.position()
        if epoch < self.config.epochs:
            log.info("%s: training %s for epochs %d-%d.", self.name, self.config.method, epoch + 1,
                     self.config.epochs)
        callbacks = self._callbacks(epoch, self._metrics_restorer(latest) if latest and step else None)
        checkpoints = os.path.join(self.files, CHECKPOINTS_DIR)
        # A stop signal: a checkpoint after the current step (stop_signals.py). A refused write
        # (TensorBoard, history, best model, checkpoint): one line, temporary files removed.
        with deferring_stops(), writing(self.files, kept=callbacks[-1].last_checkpoint,
                                        cleanup=[os.path.join(checkpoints, p) for p in CHECKPOINT_TEMPORARIES]):
            if step and epoch < self.config.epochs:  # the interrupted epoch: a fit call of its own
                self._fit(epoch, epoch + 1, step, callbacks)
                epoch += 1
            while epoch < self.config.epochs and not self.trainer.stop_training:
                end = min(self.config.epochs, epoch + EPOCHS_PER_FIT)
                self._fit(epoch, end, 0, callbacks)
                epoch = end
        if self.trainer.stop_training:  # the overfitting guard's "stop"
            log.warning("%s: training stopped after epoch %d.", self.name, self.state.position()[0])
        save_model(self.student, os.path.join(self.files, MODEL_FILE))
        if is_chief(self.strategy):
            log.info("%s: saved %s", self.name, os.path.join(self.output_dir, MODEL_FILE))
        else:  # remove this run's scratch copy, and the scratch folder once empty
            shutil.rmtree(self.files, ignore_errors=True)
            with contextlib.suppress(OSError):
                os.rmdir(os.path.dirname(self.files))
        return self.student

    def _fit(self, epoch: int, end_epoch: int, step: int, callbacks: list) -> None:
        """One model.fit call over epochs `epoch` … `end_epoch` − 1, from step `step` of the first.
        Its batches come from one pipeline (pipeline.py), so no input iterator is torn down and
        rebuilt between its epochs: on this CPU each teardown stalled a run for 2-9 s."""
        for callback in callbacks:
            if isinstance(callback, (ProgressLogger, RunCheckpoint, DivergenceStop)):
                callback.offset = step
        data, steps = self.batches.fit_input(epoch, step, end_epoch)
        self.trainer.fit(data, epochs=end_epoch, initial_epoch=epoch, steps_per_epoch=steps,
                         validation_data=self.validation_data, callbacks=callbacks, verbose=0)

    def _metrics_restorer(self, checkpoint_path: str):
        """A function restoring the partial-epoch metric sums of a mid-epoch checkpoint."""
        return lambda: tf.train.Checkpoint(metrics=self.metric_variables).restore(checkpoint_path).expect_partial()

    def _callbacks(self, first_epoch: int, restore_metrics) -> list:
        """The run's callbacks, in the order they must run at an epoch's end: the schedule and
        best-model updates before the checkpoint that records them, the divergence check before
        any checkpoint (`first_epoch`: the 0-based epoch training starts or resumes at)."""
        config, callbacks = self.config, []
        if config.lr_warmup_epochs:
            steps = warmup_steps(config.lr_warmup_epochs, self.batches.steps_per_epoch)
            callbacks.append(LearningRateWarmup(config.learning_rate, steps))
        if config.plateau_patience is not None:
            callbacks.append(PlateauSchedule(self.state, config.monitor, config.plateau_patience))
        if self.validation_data is not None:
            callbacks.append(BestModel(self.state, self.student, config.monitor, self.files))
            if config.eval_attack is not None and config.method_class.adversarial:
                callbacks.append(OverfittingGuard(self.trainer, self.files, config.overfitting_action))
        if self.tensorboard is not None:
            options = self.tensorboard
            callbacks.append(TensorBoardLogger(os.path.join(self.files, TENSORBOARD_DIR),
                                               {**options.hparams, "method": config.method}, options.every_steps,
                                               options.probes))
        checkpoint = RunCheckpoint(
            self.manager, self.state, self.trainer.optimizer, self.batches.steps_per_epoch,
            config.checkpoint_every_steps, restore_metrics=restore_metrics, stop=StopCheck(self.strategy),
            before_last_step=self.validation_data is not None and not in_multi_worker_mode(self.strategy))
        divergence = DivergenceStop(self.name, config.learning_rate, config.mixed_precision, self.student,
                                    checkpoint.last_checkpoint)
        checkpoint.before_save = divergence.check_weights  # no checkpoint of NaN weights
        return [divergence] + callbacks + [
            HistoryFile(os.path.join(self.files, HISTORY_FILE), first_epoch),
            ProgressLogger(self.name, config.epochs, self.batches.steps_per_epoch),
            CollapseDetector(self.files, self.name, self.info.num_classes, math.ceil(config.epsilon_warmup_epochs)),
            *self.extra_callbacks,
            checkpoint,
        ]
