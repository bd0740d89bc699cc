"""Robustness against training wall time: a per-epoch clock for training runs, and the table and
plot of the time-to-robustness benchmark (time_to_robustness.py)."""

import json
import os
import time

import keras
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CLOCK_FILE = "epoch_seconds.json"


class EpochClock(keras.callbacks.Callback):
    """Appends each epoch's training seconds (from the epoch's start to the start of its
    validation pass, so validation is not counted) to RUN_DIR/epoch_seconds.json."""

    def __init__(self, run_dir: str):
        super().__init__()
        self.path = os.path.join(run_dir, CLOCK_FILE)
        self.start = self.seconds = None

    def on_epoch_begin(self, epoch, logs=None):
        self.start, self.seconds = time.perf_counter(), None

    def on_test_begin(self, logs=None):
        if self.start is not None and self.seconds is None:
            self.seconds = time.perf_counter() - self.start

    def on_epoch_end(self, epoch, logs=None):
        seconds = self.seconds if self.seconds is not None else time.perf_counter() - self.start
        recorded = read_epoch_seconds(os.path.dirname(self.path))[:epoch]
        with open(self.path, "w") as file:
            json.dump(recorded + [seconds], file)


def read_epoch_seconds(run_dir: str) -> list:
    """Training seconds per epoch recorded by EpochClock ([] if none)."""
    path = os.path.join(run_dir, CLOCK_FILE)
    if not os.path.exists(path):
        return []
    with open(path) as file:
        return json.load(file)


def timeline(epoch_seconds: list, accuracies: list) -> list:
    """[(cumulative training seconds, validation accuracy)] after each epoch."""
    total, points = 0.0, []
    for seconds, accuracy in zip(epoch_seconds, accuracies):
        total += seconds
        points.append((total, float(accuracy)))
    return points


def time_to_reach(points: list, target: float) -> float | None:
    """The first cumulative time at which the accuracy reaches `target`, or None."""
    return next((seconds for seconds, accuracy in points if accuracy >= target), None)


def markdown_table(runs: dict, targets: dict, metric: str) -> str:
    """One row per run ({label: {"method", "points"}}): final and best `metric`, training
    seconds, and the time to reach its method's target ({method: accuracy})."""
    lines = [f"| run | epochs | training s | final {metric} | best {metric} | s to reach target (target) |",
             "|---|---|---|---|---|---|"]
    for label, run in runs.items():
        points, target = run["points"], targets[run["method"]]
        reached = time_to_reach(points, target)
        lines.append(f"| {label} | {len(points)} | {points[-1][0]:.0f} | {100 * points[-1][1]:.1f} | "
                     f"{100 * max(a for _, a in points):.1f} | {'—' if reached is None else f'{reached:.0f}'} "
                     f"({100 * target:.1f}) |")
    return "\n".join(lines)


def plot(runs: dict, path: str, metric: str) -> None:
    """Accuracy (%) against cumulative training minutes, one line per run, to a PNG."""
    figure, axis = plt.subplots(figsize=(6.4, 4.2))
    for label, run in runs.items():
        minutes = [seconds / 60 for seconds, _ in run["points"]]
        axis.plot(minutes, [100 * a for _, a in run["points"]], marker="o", markersize=3, label=label)
    axis.set_xlabel("training wall time (min, validation excluded)")
    axis.set_ylabel(f"{metric} (%)")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
