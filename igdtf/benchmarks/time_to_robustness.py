"""Time-to-robustness benchmark: validation PGD-20 accuracy against training wall time, for
PGD-10, FGSM-RS and N-FGSM training of PGDAT and IGD on the quickstart's Shapes data.

Command (BUILD.md, "Fast training"):
  python -m igdtf.benchmarks.time_to_robustness --output_dir=runs/time_to_robustness
  python -m igdtf.benchmarks.time_to_robustness --smoke --output_dir=/tmp/ttr   # seconds, numbers meaningless
  python -m igdtf.benchmarks.time_to_robustness --train_attack=pgd,n_fgsm --single_step_epochs=30   # equal wall time
The quickstart's models, data, optimizer and ε warm-up (igdtf/recipes/quickstart_config.py), with
IGD at the paper's λ = 2 (TTR_IGD_LAMBDA: the results in recipes/time_to_robustness/ were
measured with it; the quickstart now uses 6), except the training attack: "pgd" here is PGD-10 with step 2/255 (the papers'), and every run is
validated after each epoch with PGD-20 (ε 8/255, step 2/255) on --num_validation held-out
images. IGD's standard teacher is trained once. Each run's epoch times exclude validation
(benchmarks/wall_time.py). Writes OUTPUT_DIR/time_to_robustness.{json,md,png}: per run the
(seconds, accuracy) points, and a table with the time each run needs to reach its method's
target, the PGD-10 run's final accuracy minus 2 points. Runs resume like any training run.
"""

import dataclasses
import json
import os

from absl import flags

from igdtf.attacks import ATTACK_PRECISIONS, PGD, TRAIN_ATTACKS
from igdtf.benchmarks.timing import load_average
from igdtf.benchmarks.wall_time import EpochClock, markdown_table, plot, read_epoch_seconds, timeline
from igdtf.cli import check_output_dir, run
from igdtf.data.registry import dataset_info
from igdtf.errors import ConfigError, checked
from igdtf.native_bfloat16 import AUTO, resolve_attack_precision
from igdtf.recipes.quickstart_config import EPSILON, get_config
from igdtf.runs.files import HISTORY_FILE
from igdtf.runs.lock import hold_folder
from igdtf.runs.overfitting_record import read_overfitting
from igdtf.training import train_model
from igdtf.training.overrides import with_epsilon_warmup
from igdtf.validation import check_choice, check_positive_int

flags.DEFINE_string("output_dir", "runs/time_to_robustness", "Where the runs, table and plot go.")
flags.DEFINE_list("method", ["pgdat", "igd"], "Methods among pgdat, igd.")
flags.DEFINE_list("train_attack", list(TRAIN_ATTACKS), f"Training attacks among {', '.join(TRAIN_ATTACKS)}.")
flags.DEFINE_enum("attack_precision", AUTO, [AUTO, *ATTACK_PRECISIONS], "Compute precision of the training attacks "
                  "(auto: bfloat16 where the hardware has it natively, else float32; the resolved value is recorded).")
flags.DEFINE_integer("epochs", None, "Epochs of every adversarial run (default: the quickstart's).")
flags.DEFINE_integer("single_step_epochs", None, "Epochs of the fgsm_rs and n_fgsm runs (default: --epochs). A "
                     "single-step epoch costs about a third of a PGD-10 one: 3x --epochs gives them its wall time.")
flags.DEFINE_integer("num_train", None, "Training images (default: the quickstart's).")
flags.DEFINE_integer("num_validation", 250, "Held-out images of the per-epoch PGD-20 validation.")
flags.DEFINE_bool("smoke", False, "Tiny data, models and epochs (seconds; numbers meaningless).")
flags.DEFINE_float("epsilon_warmup_epochs", None, "Grow the adversarial models' training ε linearly over the "
                   "first W epochs (default: the recipe's own: the quickstart's, 6 epochs).")
FLAGS = flags.FLAGS

METHODS = ("pgdat", "igd")
TARGET_MARGIN = 0.02  # a run reaches its method's robustness when within 2 points of PGD-10's final
TTR_IGD_LAMBDA = 2.0


def _runs(cfg, methods, attacks, epochs, single_step_epochs):
    """{label: TrainConfig} for every method and training attack; epochs (None: the
    quickstart's) for PGD-10, single_step_epochs (None: epochs) for FGSM-RS and N-FGSM."""
    validation_attack = PGD(steps=2) if FLAGS.smoke else PGD(epsilon=EPSILON, step_size=2 / 255, steps=20)
    pgd10 = cfg.pgdat.attack if FLAGS.smoke else PGD(epsilon=EPSILON, step_size=2 / 255, steps=10)
    runs = {}
    for method in methods:
        base = getattr(cfg, method)
        for kind in attacks:
            label = f"{method}+{'pgd10' if kind == 'pgd' else kind}"
            options = dataclasses.replace(base.method_options, train_attack=kind,
                                          attack_precision=FLAGS.attack_precision)
            run_epochs = epochs or base.epochs
            if kind != "pgd":
                run_epochs = single_step_epochs or run_epochs
            runs[label] = dataclasses.replace(base, attack=pgd10, method_options=options,
                                              eval_attack=validation_attack, epochs=run_epochs)
    return runs


def main(argv):
    del argv
    methods = [checked(check_choice, "method", m, METHODS) for m in FLAGS.method]
    attacks = [checked(check_choice, "training attack", a, TRAIN_ATTACKS) for a in FLAGS.train_attack]
    if "pgd" not in attacks:
        raise ConfigError("--train_attack must include pgd: the targets are the PGD-10 runs' final accuracies.")
    for name in ("epochs", "single_step_epochs"):
        if FLAGS[name].value is not None:
            checked(check_positive_int, name, FLAGS[name].value)
    checked(check_positive_int, "num_validation", FLAGS.num_validation)
    FLAGS.attack_precision = resolve_attack_precision(FLAGS.attack_precision)  # recorded and printed resolved
    cfg = get_config(FLAGS.smoke, igd_lambda=TTR_IGD_LAMBDA)
    cfg = checked(with_epsilon_warmup, cfg, FLAGS.epsilon_warmup_epochs)
    if FLAGS.num_train is not None:
        cfg = dataclasses.replace(cfg, num_train=checked(check_positive_int, "num_train", FLAGS.num_train))
    out = FLAGS.output_dir
    check_output_dir(out)
    hold_folder(out)  # one run per folder
    info = dataset_info("shapes")
    train = cfg.training_data()
    validation = cfg.evaluation_data("validation", FLAGS.num_validation)
    teacher = train_model(cfg.standard, info, train, os.path.join(out, "standard")) if "igd" in methods else None
    load_before = load_average()
    results = {}
    for label, run_config in _runs(cfg, methods, attacks, FLAGS.epochs, FLAGS.single_step_epochs).items():
        run_dir = os.path.join(out, label)
        train_model(run_config, info, train, run_dir, validation_data=validation, name=label,
                    teacher=teacher if run_config.method == "igd" else None, callbacks=(EpochClock(run_dir),))
        accuracies = _history_column(run_dir, "val_pgd_acc")
        results[label] = {"method": run_config.method, "train_attack": run_config.method_options.train_attack,
                          "points": timeline(read_epoch_seconds(run_dir), accuracies),
                          "catastrophic_overfitting": read_overfitting(run_dir)}
    targets = {method: results[f"{method}+pgd10"]["points"][-1][1] - TARGET_MARGIN for method in methods}
    metric = "val PGD-20 acc"
    table = markdown_table(results, targets, metric)
    summary = {"runs": results, "targets": targets, "attack_precision": FLAGS.attack_precision,
               "num_validation": FLAGS.num_validation, "load_before": load_before, "load_after": load_average()}
    with open(os.path.join(out, "time_to_robustness.json"), "w") as file:
        json.dump(summary, file, indent=1)
    with open(os.path.join(out, "time_to_robustness.md"), "w") as file:
        file.write(table + "\n")
    plot(results, os.path.join(out, "time_to_robustness.png"), metric)
    print(f"time_to_robustness: shapes, {cfg.num_train} training images, {FLAGS.num_validation} validation images, "
          f"attack precision {FLAGS.attack_precision}; {load_before}; after: {load_average()}")
    print(table)
    print(f"Plot: {os.path.join(out, 'time_to_robustness.png')}")


def _history_column(run_dir: str, column: str) -> list:
    """One column of RUN_DIR/history.csv, as floats."""
    with open(os.path.join(run_dir, HISTORY_FILE)) as file:
        header, *rows = [line.strip().split(",") for line in file if line.strip()]
    return [float(row[header.index(column)]) for row in rows]


if __name__ == "__main__":
    run(main)
