"""What makes a run resumable exactly: its state, and restoring it from the newest readable
checkpoint (its identity and settings are in runs/run_file.py; the callbacks that save it are in
callbacks.py).

RunState holds, as tf.Variables saved in every checkpoint, everything about a run that is not a
weight or an optimizer slot: the data position (epoch, step within it), the learning-rate
schedule's state (reduce-on-plateau best value and wait count) and the best validation value so
far. Random numbers need no state of their own: training draws from stateless seeds derived
from the seed and the optimizer's step counter (in the checkpoint), and data order and
augmentation from (seed, epoch, element index) (pipeline.EpochBatches).
"""

import logging
import os

import numpy as np
import tensorflow as tf

from igdtf.errors import ConfigError, UnreadableFileError
from igdtf.runs.artefacts import error_summary

log = logging.getLogger("igdtf.training")


class RunState(tf.Module):
    """Epoch, step in epoch, plateau best and wait, best validation value and its epoch."""

    def __init__(self):
        super().__init__(name="run_state")
        self.epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="epoch")
        self.step = tf.Variable(0, dtype=tf.int64, trainable=False, name="step_in_epoch")
        self.plateau_best = tf.Variable(-np.inf, dtype=tf.float64, trainable=False, name="plateau_best")
        self.plateau_wait = tf.Variable(0, dtype=tf.int64, trainable=False, name="plateau_wait")
        self.best_value = tf.Variable(-np.inf, dtype=tf.float64, trainable=False, name="best_value")
        self.best_epoch = tf.Variable(0, dtype=tf.int64, trainable=False, name="best_epoch")

    def position(self) -> tuple[int, int]:
        """(epoch, step within it) of the next training step."""
        return int(self.epoch.numpy()), int(self.step.numpy())


def restore_latest(checkpoint: tf.train.Checkpoint, directory: str) -> str | None:
    """Restores `checkpoint` from the newest readable checkpoint in `directory` (a corrupt one
    is skipped with a warning) and returns its path; None if there is none. The checkpoints are
    those the `checkpoint` state file lists or, if it cannot be read, the ckpt-N files there.
    UnreadableFileError if none can be read; ConfigError if they belong to another configuration."""
    state = tf.train.get_checkpoint_state(directory)  # None (with a warning) for a corrupt state file
    if state is not None:
        paths = list(state.all_model_checkpoint_paths)  # already joined to `directory` (relative or not)
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
