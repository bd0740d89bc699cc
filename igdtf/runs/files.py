"""The files of a run directory: every name below is defined here and only here.

A run directory holds:
  run.json       the run's identity (method, architecture, dataset, batch, seed, precision),
                 settings and epoch segments; a directory is resumed only by the same run with
                 the same settings (run_file.py)
  checkpoints/   tf.train checkpoints (the last two) after every epoch and, with
                 checkpoint_every_steps, within epochs: weights, optimizer slots, learning rate,
                 loss scale, step counter, partial-epoch metric sums and the RunState (data
                 position, reduce-on-plateau state, best value; see checkpoints.py)
  history.csv    one row of metrics per epoch (epochs numbered from 1)
  collapse.json  the collapse check of every epoch (collapse_record.py)
  model_spec.json  architecture, input shape, classes, normalisation, dataset (igdtf.models.ModelSpec),
                 to rebuild the model around a checkpoint (igdtf.export); the modules a factory's
                 model needs imported; for --init_from the source and a hash of its weights
  initial.keras  with --init_from: the model training started from (its head replaced), so the
                 run never needs the source file again (init_from.py)
  best.keras     with validation data: the student at its best validation metric
  best.json      (val_pgd_acc for adversarial methods, val_acc otherwise) and that epoch
  overfitting.json  catastrophic-overfitting events, if any (overfitting_record.py)
  tensorboard/   with tensorboard options: event files (callbacks.TensorBoardLogger)
  teacher_finetuned.keras, teacher_finetuned.json, teacher_adapter.weights.h5
                 igam only: the finetuned teacher, its training accuracy, a learned input
                 adapter's weights (methods/igam_stage.py)
  teacher/       the dataset recipes' standard teacher run, when a distillation method trains
                 its own (itself a run directory)
  model.keras    the trained classifier after the last epoch (written last; means "done")
Every file is written atomically (atomic.py): a kill leaves the old file or the new one. A
model.keras that cannot be read is rebuilt from the last checkpoint; a corrupt checkpoint
falls back to the one before it.
Running again on the same directory resumes from the last checkpoint. With EpochBatches
training data (pipeline.py) the resumed run sees the same batches and draws the same random
numbers as an uninterrupted one, so in deterministic mode it ends with the same weights.

igdtf.models.loading.load_classifier reads the trained classifier back from a run directory or a model
file.
"""

import os

import tensorflow as tf

RUN_FILE = "run.json"
CHECKPOINTS_DIR = "checkpoints"
HISTORY_FILE = "history.csv"
COLLAPSE_FILE = "collapse.json"
MODEL_SPEC_FILE = "model_spec.json"
INITIAL_MODEL_FILE = "initial.keras"
BEST_MODEL_FILE = "best.keras"
BEST_FILE = "best.json"
OVERFITTING_FILE = "overfitting.json"
TENSORBOARD_DIR = "tensorboard"
FINETUNED_TEACHER_FILE = "teacher_finetuned.keras"
TEACHER_REPORT_FILE = "teacher_finetuned.json"  # {"finetune_steps", "train_acc"}
ADAPTER_WEIGHTS_FILE = "teacher_adapter.weights.h5"  # a learned input adapter
TEACHER_DIR = "teacher"
MODEL_FILE = "model.keras"


def is_run_directory(path: str) -> bool:
    """Whether `path` is a folder holding a run of igdtf.training (a model or checkpoints)."""
    models = (os.path.isfile(os.path.join(path, name)) for name in (MODEL_FILE, BEST_MODEL_FILE))
    return os.path.isdir(path) and (any(models) or os.path.isdir(os.path.join(path, CHECKPOINTS_DIR)))


def has_checkpoint(run_dir: str) -> bool:
    """Whether run_dir/checkpoints names a checkpoint (the run has started)."""
    return tf.train.latest_checkpoint(os.path.join(run_dir, CHECKPOINTS_DIR)) is not None
