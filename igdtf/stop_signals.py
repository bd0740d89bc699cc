"""Graceful stops on SIGTERM (what schedulers and preemptible VMs send, then SIGKILL after a grace
period) and SIGINT (Ctrl-C).

cli.run installs the handlers for the whole command (`handling_stop_signals`). While a training
loop runs (`deferring_stops`), the first signal only sets a flag: the loop finishes the step in
progress, writes a checkpoint with the exact data position and raises StopRequested
(training/callbacks.py, RunCheckpoint). Anywhere else the first signal raises StopRequested at
once: every artefact is written atomically, so nothing is left half written. A second signal
ends the process at once (os._exit), keeping the last checkpoint. cli.run prints StopRequested
as one line and exits with 128 + the signal number (STOPPED_BY: 143 for SIGTERM, 130 for SIGINT),
the code a shell reports for a process the signal ended. Python runs handlers in the main
thread only, between two bytecodes (so after a TensorFlow op in progress returns).
"""

import contextlib
import logging
import os
import signal
import sys
import threading

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
STOPPED_BY = {signal.SIGTERM: 128 + signal.SIGTERM, signal.SIGINT: 128 + signal.SIGINT}
log = logging.getLogger("igdtf")


class StopRequested(BaseException):
    """A stop signal ended the command; `where` says where training stopped (or is empty). A
    BaseException (as KeyboardInterrupt), so that no `except Exception` turns it into another error."""

    def __init__(self, signum: int, where: str = ""):
        self.signum, self.where = signum, where
        super().__init__(f"stopped by {signal_name(signum)}{' ' + where if where else ''}; rerun the same command "
                         "to resume")

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def signal_name(signum: int) -> str:
    return signal.Signals(signum).name


class _Stops:
    """The process's stop state: the first signal received, and whether a training loop defers it."""

    def __init__(self):
        self.received: int | None = None
        self.deferring = 0

    def handle(self, signum, frame) -> None:
        del frame
        name = signal_name(signum)
        if self.received is not None:
            print(f"second {name}: stopped at once, without a new checkpoint (the last one is kept); rerun the "
                  "same command to resume", file=sys.stderr, flush=True)
            os._exit(128 + signum)
        self.received = signum
        if not self.deferring:
            raise StopRequested(signum)
        log.warning("%s received: stopping after the current training step with a checkpoint (send it again to "
                    "stop at once).", name)


_STOPS = _Stops()


def requested_signal() -> int | None:
    """The stop signal this process received (if any) while handlers are installed."""
    return _STOPS.received


@contextlib.contextmanager
def handling_stop_signals():
    """Installs the stop handlers for the block (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _STOPS.handle) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _STOPS.received, _STOPS.deferring = None, 0


@contextlib.contextmanager
def deferring_stops():
    """Within the block the first stop signal only sets the flag (requested_signal) that the
    training loop checks after every step; a signal received before the block stops at its start."""
    if _STOPS.received is not None:
        raise StopRequested(_STOPS.received)
    _STOPS.deferring += 1
    try:
        yield
    finally:
        _STOPS.deferring -= 1
