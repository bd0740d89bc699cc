"""Runs a script or module with a SIGKILL at a hook point: a crash with no clean-up at all; or,
with the prefix "enospc:", with a full disk there (the write raises ENOSPC as the OS would).

  python tests/kill_at.py [enospc:]HOOK SCRIPT.py ARGS...      (or: HOOK -m MODULE ARGS...)

HOOK:
  save:NAME      when the complete temporary copy of the artefact NAME (model.keras,
                 report.json, ...) is about to be renamed into place (igdtf.runs.atomic); NAME
                 "export" is a SavedModel version staged by igdtf.export
  checkpoint:N   in the N-th checkpoint save, after its files are written and before the
                 checkpoint state names it (enospc: while its data is written, leaving the
                 ckpt-K_temp folder TensorFlow leaves)
"""

import errno
import os
import runpy
import signal
import sys

import tensorflow as tf

import igdtf.runs.atomic
import igdtf.export.saved_model


def _kill(path: str) -> None:
    del path
    os.kill(os.getpid(), signal.SIGKILL)


def _no_space(path: str) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


def _checkpoint_without_space(manager, checkpoint_number=None, **kwargs) -> None:
    """What tf.train.CheckpointManager.save does on a full disk: a partial ckpt-N_temp folder and
    ResourceExhaustedError naming the file."""
    temporary = os.path.join(manager.directory, f"ckpt-{checkpoint_number}_temp")
    os.makedirs(temporary, exist_ok=True)
    part = os.path.join(temporary, "part-00000-of-00001.data-00000-of-00001.tempstate123")
    open(part, "wb").close()
    raise tf.errors.ResourceExhaustedError(None, None, f"{{{{function_node __wrapped__SaveV2}}}} {part}; "
                                           f"{os.strerror(errno.ENOSPC)} [Op:SaveV2]")


def install(hook: str) -> None:
    full = hook.startswith("enospc:")
    fail = _no_space if full else _kill
    kind, _, value = hook.removeprefix("enospc:").partition(":")
    if kind == "save":
        flush = igdtf.runs.atomic.fsync_tree
        marker = f"{os.sep}.export-" if value == "export" else f"{os.sep}.{value}.tmp-"

        def fsync_then_maybe_fail(path):
            flush(path)
            if marker in os.path.abspath(path):
                fail(path)

        igdtf.runs.atomic.fsync_tree = fsync_then_maybe_fail
        igdtf.export.saved_model.fsync_tree = fsync_then_maybe_fail  # imported by name there
    elif kind == "checkpoint" and full:
        save, calls = tf.train.CheckpointManager.save, []

        def save_or_fail(manager, *args, **kwargs):
            calls.append(None)
            if len(calls) == int(value):
                _checkpoint_without_space(manager, **kwargs)
            return save(manager, *args, **kwargs)

        tf.train.CheckpointManager.save = save_or_fail
    elif kind == "checkpoint":
        record = tf.train.CheckpointManager._record_state
        calls = []

        def record_or_kill(manager):
            calls.append(None)
            if len(calls) == 2 * int(value) - 1:  # the first of the two records of save N
                _kill(manager.directory)
            record(manager)

        tf.train.CheckpointManager._record_state = record_or_kill
    else:
        raise SystemExit(f"unknown hook {hook!r}")


if __name__ == "__main__":
    install(sys.argv[1])
    if sys.argv[2] == "-m":
        sys.argv = [sys.argv[3], *sys.argv[4:]]
        runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    else:
        sys.argv = sys.argv[2:]
        runpy.run_path(sys.argv[0], run_name="__main__")
