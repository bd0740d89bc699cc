"""Runs a script or module with a SIGKILL at a hook point: a crash with no clean-up at all.

  python tests/kill_at.py HOOK SCRIPT.py ARGS...      (or: HOOK -m MODULE ARGS...)

HOOK:
  save:NAME      when the complete temporary copy of the artefact NAME (model.keras,
                 report.json, ...) is about to be renamed into place (igdtf.atomic); NAME
                 "export" is a SavedModel version staged by igdtf.export
  checkpoint:N   in the N-th checkpoint save, after its files are written and before the
                 checkpoint state names it
"""

import os
import runpy
import signal
import sys

import tensorflow as tf

import igdtf.atomic
import igdtf.export.saved_model


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def install(hook: str) -> None:
    kind, _, value = hook.partition(":")
    if kind == "save":
        flush = igdtf.atomic.fsync_tree
        marker = f"{os.sep}.export-" if value == "export" else f"{os.sep}.{value}.tmp-"

        def fsync_then_maybe_kill(path):
            flush(path)
            if marker in os.path.abspath(path):
                _kill()

        igdtf.atomic.fsync_tree = fsync_then_maybe_kill
        igdtf.export.saved_model.fsync_tree = fsync_then_maybe_kill  # imported by name there
    elif kind == "checkpoint":
        record = tf.train.CheckpointManager._record_state
        calls = []

        def record_or_kill(manager):
            calls.append(None)
            if len(calls) == 2 * int(value) - 1:  # the first of the two records of save N
                _kill()
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
