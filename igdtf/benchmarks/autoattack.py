"""Throughput of AutoAttack and of each of its attacks, in images per second.

  python -m igdtf.benchmarks.autoattack [--model=path/model.keras] [--num_images=32]
      [--norm=linf] [--square_queries=5000] [--repeats=1]

Each attack of the standard version runs on the same batch of Shapes test images (full budget:
APGD 100 steps, APGD-T and FAB-T on every target, Square up to its queries, stopping for an image
once it is fooled), timed after a first call that traces the graph; then the whole ensemble
(later attacks only on points still robust). Without --model an untrained small CNN is used:
its images fall at once, so the ensemble figure is optimistic — pass a robust model (e.g. the
quickstart's pgdat/model.keras) for realistic numbers.
"""

import argparse
import time

import keras
import numpy as np
import tensorflow as tf

import igdtf  # noqa: F401  (selects the TensorFlow backend)
from igdtf.attacks import AutoAttack
from igdtf.data.registry import dataset_info, load_split
from igdtf.errors import ConfigError
from igdtf.models import build_model
from igdtf.user_paths import expand_path


def _parse(argv=None):
    parser = argparse.ArgumentParser(description="AutoAttack throughput (images/s)")
    parser.add_argument("--model", default=None, help="a .keras model on 32×32×3 Shapes images")
    parser.add_argument("--num_images", type=int, default=32)
    parser.add_argument("--norm", default="linf", choices=["linf", "l2"])
    parser.add_argument("--square_queries", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=1, help="timed calls per attack (after tracing)")
    args = parser.parse_args(argv)
    try:
        args.model = args.model and expand_path(args.model, "model")  # ~ and $VARS, as every path flag
    except ConfigError as error:
        parser.error(str(error))
    return args


def _timed(fn, repeats):
    fn()  # traces
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    return (time.perf_counter() - start) / repeats


def main(argv=None):
    args = _parse(argv)
    info = dataset_info("shapes")
    if args.model:
        model = keras.models.load_model(args.model)
    else:
        model = build_model("small_cnn", info.image_shape, info.num_classes, info.mean, info.std)
    x, y = next(iter(load_split("shapes", "test", num_samples=args.num_images).batch(args.num_images)))
    x, y = x.numpy(), y.numpy().astype(np.int32)
    epsilon = 8 / 255 if args.norm == "linf" else 0.5
    config = AutoAttack(norm=args.norm, epsilon=epsilon, square_queries=args.square_queries)
    bound = config.bind(model)
    seed = tf.constant([0, 1], tf.int64)
    ranked = np.argsort(-bound.predict(x), axis=1).astype(np.int32)
    print(f"model: {args.model or 'untrained small_cnn'}; {args.num_images} images 32×32×3; {args.norm} "
          f"ε = {epsilon:.4g}; TensorFlow {tf.__version__}, {len(tf.config.list_logical_devices('CPU'))} CPU device(s)")
    print(f"{'attack':<10} {'runs':>5} {'seconds':>9} {'images/s':>10}")
    for name in config.attack_names:
        runs = bound.num_targets if name in ("apgd-t", "fab-t") else config.restarts(name)

        def attack(name=name, runs=runs):
            for run in range(runs):
                targets = ranked[:, run + 1] if name in ("apgd-t", "fab-t") else y
                bound._runs[name](tf.constant(x), tf.constant(y), tf.constant(targets), seed)

        seconds = _timed(attack, args.repeats)
        print(f"{name:<10} {runs:>5} {seconds:>9.2f} {args.num_images / seconds:>10.2f}")
    seconds = _timed(lambda: bound(x, y, seed), args.repeats)
    result = bound(x, y, seed)
    print(f"{'ensemble':<10} {'':>5} {seconds:>9.2f} {args.num_images / seconds:>10.2f}   "
          f"(clean {result.clean_correct.mean():.3f}, robust {result.robust.mean():.3f})")


if __name__ == "__main__":
    main()
