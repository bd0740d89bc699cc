"""Restoring a run's newest readable checkpoint."""

import logging
import os

import tensorflow as tf

from igdtf.artefacts import error_summary
from igdtf.errors import ConfigError, UnreadableFileError

log = logging.getLogger("igdtf.training")


def restore_latest(checkpoint: tf.train.Checkpoint, directory: str) -> str | None:
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
