"""How long a graceful SIGTERM stop takes at the CIFAR recipes' size: the time from the signal
to the process's exit, against the time of one training step.

  python scripts/stop_latency.py [--method=pgdat] [--batch_size=128] [--steps=4] [--signal_after=2]

A child process trains the CIFAR-10 recipes' setting (ResNet-18, 32×32×3, batch 128, SGD, PGD-10
at 8/255) on random images with validation, under igdtf's stop handlers, and prints a line
after every step. Half-way through step `signal_after + 1` (half the previous step's time after
its start) the parent sends SIGTERM and measures: the step times, signal → the stop line
(the step finished and its checkpoint written), and signal → process exit. A scheduler's grace
period must exceed the last figure; it is about half a step plus a checkpoint write.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time


def child(args) -> None:
    import keras
    import numpy as np
    import tensorflow as tf

    from igdtf.data.registry import dataset_info
    from igdtf.stop_signals import StopRequested, handling_stop_signals
    from igdtf.training import TrainConfig, train_model

    class Steps(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            print(f"step {batch + 1} {time.time():.3f}", flush=True)

    rng = np.random.default_rng(0)
    count = args.batch_size * args.steps
    images = rng.uniform(0, 1, (count + args.batch_size, 32, 32, 3)).astype("float32")
    labels = rng.integers(0, 10, count + args.batch_size).astype("int32")
    train = tf.data.Dataset.from_tensor_slices((images[:count], labels[:count])).batch(args.batch_size)
    validation = tf.data.Dataset.from_tensor_slices((images[count:], labels[count:])).batch(args.batch_size)
    config = TrainConfig.create(method=args.method, epochs=2, batch_size=args.batch_size,
                                eval_attack=TrainConfig().attack)
    try:
        with handling_stop_signals():
            train_model(config, dataset_info("cifar10"), train, args.output_dir, validation_data=validation,
                        callbacks=(Steps(),))
    except StopRequested as stop:
        print(f"stopped {time.time():.3f} {stop}", flush=True)
        sys.exit(stop.exit_code)


def measure(args) -> None:
    command = [sys.executable, __file__, "--child", f"--method={args.method}", f"--batch_size={args.batch_size}",
               f"--steps={args.steps}", f"--output_dir={args.output_dir}"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    ends, sent, stopped = [], None, None
    for line in process.stdout:
        words = line.split()
        if words[0] == "step":
            ends.append(float(words[2]))
            if len(ends) == args.signal_after + 1:  # step signal_after + 1 started at ends[-1]
                step = ends[-1] - ends[-2]
                time.sleep(max(0.0, ends[-1] + step / 2 - time.time()))
                sent = time.time()
                process.send_signal(signal.SIGTERM)
        elif words[0] == "stopped":
            stopped = float(words[1])
            print(" ".join(words[2:]))
    code = process.wait()
    exited = time.time()
    steps = [b - a for a, b in zip(ends, ends[1:])]
    print(f"exit code {code}; steps after the first: median {statistics.median(steps):.1f} s "
          f"(min {min(steps):.1f}, max {max(steps):.1f}); signal → stop line {stopped - sent:.1f} s; "
          f"signal → exit {exited - sent:.1f} s; load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="pgdat")
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=4, help="training steps per epoch")
    parser.add_argument("--signal_after", type=int, default=2, help="steps before the one the signal lands in")
    parser.add_argument("--output_dir", default=None, help="default: a new temporary folder")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    if args.output_dir is None:
        import tempfile

        args.output_dir = os.path.join(tempfile.mkdtemp(prefix="stop_latency-"), "run")
    measure(args)


if __name__ == "__main__":
    main()
