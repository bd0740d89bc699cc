"""Timing callables side by side: warm-up, then round-robin repeats, so that a change in machine
load during the run affects every candidate alike."""

import dataclasses
import logging
import os
import resource
import statistics
import time
from collections.abc import Callable

import tensorflow as tf

_LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Timing:
    """Seconds per timed call of one candidate (wall clock), seconds of its warm-up calls (tracing
    and compilation included), its peak accelerator memory (bytes, None on CPU), and the CPU
    seconds the whole process used during each timed call (all threads: on a shared machine a
    measure of the work done that waiting for a core does not inflate)."""

    seconds: tuple
    warmup_seconds: float
    peak_device_bytes: int | None = None
    cpu_seconds: tuple = ()

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu_seconds)


def gpu_device() -> str | None:
    """"GPU:0" when TensorFlow sees a GPU, else None."""
    return "GPU:0" if tf.config.list_physical_devices("GPU") else None


def round_robin(candidates: dict[str, Callable[[], None]], repeats: int, warmup: int = 1) -> dict[str, Timing]:
    """Calls every candidate `warmup` times (tracing, compilation), then `repeats` rounds of one
    call each, in order; returns each one's timed calls. A candidate must block until its work is
    done (e.g. read a result back with .numpy())."""
    warmup_seconds = {}
    for name, run in candidates.items():
        start = time.perf_counter()
        for _ in range(warmup):
            run()
        warmup_seconds[name] = time.perf_counter() - start
        _LOG.info("%s: %d warm-up call(s) in %.1f s", name, warmup, warmup_seconds[name])
    device = gpu_device()
    seconds = {name: [] for name in candidates}
    cpu_seconds = {name: [] for name in candidates}
    peaks = dict.fromkeys(candidates, 0)
    for _ in range(repeats):
        for name, run in candidates.items():
            if device:
                tf.config.experimental.reset_memory_stats(device)
            start, cpu_start = time.perf_counter(), time.process_time()
            run()
            seconds[name].append(time.perf_counter() - start)
            cpu_seconds[name].append(time.process_time() - cpu_start)
            if device:
                peaks[name] = max(peaks[name], tf.config.experimental.get_memory_info(device)["peak"])
    return {name: Timing(tuple(seconds[name]), warmup_seconds[name], peaks[name] if device else None,
                         tuple(cpu_seconds[name]))
            for name in candidates}


def peak_host_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages and the CPU count, as one short string."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"
