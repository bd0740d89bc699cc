"""Images per second of every evaluation suite, for ResNet-18 on 32×32 inputs.

Command:  python -m igdtf.benchmarks.evaluation [--batch_size 32] [--batches 2]
Prints one line per suite (the gini suite once per attribution method), then the gini and ina
suites run as separate evaluators versus sharing one attribution map per batch (IOA, whose
N·R·3 = 120 forward passes per image dwarf any map, is left out of that comparison).

Each figure is steady-state throughput: the suite's evaluators first run on one batch (which
traces their compiled steps, kept per model), then the timed run covers `batches` batches.
Two figures per line: images per wall-clock second, and images per CPU-second of this process
(all threads), which stays comparable on a machine shared with other jobs. The clean pass that
every comparison adds is not included. The model has random weights and the images are
uniform noise labelled with the model's own predictions, so every sample is in the
correct-by-all set and every test does its full work.
"""

import argparse
import dataclasses
import time

import keras
import numpy as np
import tensorflow as tf

from igdtf.attributions import ATTRIBUTIONS
from igdtf.evaluation import SuiteSettings, build_evaluators
from igdtf.evaluation.evaluators.suites import DEFAULT_SUITES
from igdtf.models import build_model

MAP_SUITES = ("gini", "ina", "ioa")
SHARED = ("gini", "ina")


def _dataset(model, images: np.ndarray, batch_size: int):
    labels = np.concatenate([np.argmax(model(images[i:i + batch_size], training=False), -1)
                             for i in range(0, len(images), batch_size)]).astype(np.int32)
    return tf.data.Dataset.from_tensor_slices((images, labels)).batch(batch_size)


def throughput(model, images, batch_size: int, evaluators) -> np.ndarray:
    """(images per wall-clock second, images per CPU-second) of running `evaluators` over
    `images`, after a one-batch warm-up that traces their compiled steps."""
    warm_up, data = _dataset(model, images[:batch_size], batch_size), _dataset(model, images, batch_size)
    for evaluator in evaluators:
        evaluator.run(model, warm_up)
    start = np.array([time.perf_counter(), time.process_time()])
    for evaluator in evaluators:
        evaluator.run(model, data)
    return len(images) / (np.array([time.perf_counter(), time.process_time()]) - start)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=2, help="timed batches")
    parser.add_argument("--suites", default=",".join(DEFAULT_SUITES), help="comma-separated suite names")
    args = parser.parse_args(argv)
    suites = [s for s in args.suites.split(",") if s]
    build_evaluators(suites, SuiteSettings(dataset="cifar10"))  # unknown names fail before any work

    keras.utils.set_random_seed(0)
    model = build_model("resnet18", (32, 32, 3), 10, [0.5] * 3, [0.25] * 3)
    images = np.random.default_rng(0).uniform(0, 1, (args.batches * args.batch_size, 32, 32, 3))
    images = images.astype(np.float32)
    settings = SuiteSettings(ioa_radius=4, dataset="cifar10")  # CIFAR-shaped: the alignment suite's ε grids
    print(f"ResNet-18, 32×32×3, batch {args.batch_size}, {args.batches} timed batches, "
          f"{tf.config.list_logical_devices()[-1].device_type}")
    print(f"{'suite':<34}{'images/s':>10}{'images/CPU-s':>14}")
    for suite in suites:
        attributions = ATTRIBUTIONS if suite == "gini" else ("saliency",)
        for attribution in attributions:
            chosen = dataclasses.replace(settings, attributions=(attribution,))
            rate = throughput(model, images, args.batch_size, build_evaluators([suite], chosen))
            label = suite if suite not in MAP_SUITES else f"{suite} [{attribution}]"
            print(f"{label:<34}{rate[0]:>10.2f}{rate[1]:>14.2f}", flush=True)
    chosen_map_suites = [s for s in SHARED if s in suites]
    if len(chosen_map_suites) > 1:
        print(f"\n{'+'.join(chosen_map_suites)}: maps shared per batch vs. computed by each suite")
        for attribution in ("saliency", "ig"):
            chosen = dataclasses.replace(settings, attributions=(attribution,))
            shared = throughput(model, images, args.batch_size, build_evaluators(chosen_map_suites, chosen))
            separate = throughput(model, images, args.batch_size,
                                  [e for s in chosen_map_suites for e in build_evaluators([s], chosen)])
            print(f"{attribution:<12} shared {shared[0]:7.2f} images/s ({shared[1]:.2f}/CPU-s)   "
                  f"separate {separate[0]:7.2f} images/s ({separate[1]:.2f}/CPU-s)   "
                  f"speed-up ×{shared[0] / separate[0]:.2f} (CPU ×{shared[1] / separate[1]:.2f})", flush=True)


if __name__ == "__main__":
    main()
