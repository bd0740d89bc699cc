"""Quickstart: the inequality phenomenon end to end on the embedded Shapes data.

Trains a standard teacher, PGDAT and IGD(lambda=2) (small CNN, 32x32 Shapes with a faint class
texture, 10 adversarial epochs, ε grown over the first 6, PGD-5 training attacks in bfloat16
where the hardware has it natively, validated with PGD-10 for the overfitting guard), evaluates
all three on one test set in float32, prints Table 1 and the INA error curves, writes
OUTPUT_DIR/report.json and report.md, and exports the IGD model for TF Serving. Settings:
igdtf/quickstart_config.py.

Command:       python -m igdtf.recipes.quickstart --output_dir=runs/quickstart
               (--train_attack=n_fgsm: the same with single-step training attacks)
Hardware:      a 2-core CPU is enough.
Expected time: 7 minutes on 2 idle cores with avx512_bf16 (412 s; --train_attack=n_fgsm:
               354 s); about 12 minutes with the cores shared; --smoke: under a minute.
Expected numbers: see README.md ("What the quickstart shows").
Re-running on the same OUTPUT_DIR resumes: finished models are reloaded, and an interrupted
model continues from its last epoch.
"""

import dataclasses
import logging
import os

from absl import flags

from igdtf.attacks import ATTACK_PRECISIONS, TRAIN_ATTACKS, AutoAttack
from igdtf.cli import check_output_dir, checked, run
from igdtf.data.registry import dataset_info
from igdtf.evaluation import (
    AttributionGini, AutoAttackAccuracy, InductiveNoise, PGDAccuracy, RobustnessChecks,
    add_robustness_checks, build_report, compare_models, markdown_report, write_report,
)
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.native_bfloat16 import AUTO
from igdtf.quickstart_config import EPSILON, config
from igdtf.run_lock import hold_folder
from igdtf.training import train_model
from igdtf.training.overrides import with_epsilon_warmup
from igdtf.training.overfitting_guard import read_overfitting

flags.DEFINE_string("output_dir", "runs/quickstart", "Where models, report and export go.")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
flags.DEFINE_bool("autoattack", False, "Also run AutoAttack (standard, L∞ 8/255) on every test image: "
                  "hours on 2 CPU cores (about 3.5 s per image for a robust model); minutes on a GPU.")
flags.DEFINE_enum("train_attack", "pgd", TRAIN_ATTACKS, "Training attack of PGDAT and IGD: pgd (the paper's "
                  "multi-step PGD), or single-step fgsm_rs or n_fgsm (faster; see README, 'Fast training').")
flags.DEFINE_enum("attack_precision", AUTO, [AUTO, *ATTACK_PRECISIONS], "Compute precision of the training "
                  "attack; auto: bfloat16 where the training hardware has it natively (CPU avx512_bf16 or "
                  "amx_bf16, GPU compute capability >= 8.0), else float32. Evaluation stays float32.")
flags.DEFINE_float("igd_lambda", None, "IGD's lambda (default: the quickstart's, see config()).")
flags.DEFINE_float("epsilon_warmup_epochs", None, "Grow the adversarial models' training ε linearly over the "
                   "first W epochs (default: the recipe's own: 6 epochs of 10).")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.quickstart")

def main(argv):
    del argv
    cfg = checked(config, FLAGS.smoke, FLAGS.train_attack, FLAGS.attack_precision, FLAGS.igd_lambda)
    cfg = checked(with_epsilon_warmup, cfg, FLAGS.epsilon_warmup_epochs)
    out = FLAGS.output_dir
    check_output_dir(out)
    hold_folder(out)  # one run per folder
    attack = cfg.pgdat.method_options
    log.info("Training attack of pgdat and igd: %s in %s (--attack_precision=%s); evaluation in float32.",
             attack.train_attack, attack.attack_precision, FLAGS.attack_precision)
    info = dataset_info("shapes")
    train = cfg.training_data()
    validation = cfg.evaluation_data("validation", cfg.num_validation)
    test = cfg.evaluation_data("test", cfg.num_test)

    teacher = train_model(cfg.standard, info, train, os.path.join(out, "standard"))
    pgdat = train_model(cfg.pgdat, info, train, os.path.join(out, "pgdat"), validation_data=validation)
    igd = train_model(cfg.igd, info, train, os.path.join(out, "igd"), teacher=teacher, validation_data=validation)

    evaluators = [
        PGDAccuracy(cfg.eval_attack),
        AttributionGini(block=info.gini_block),
        InductiveNoise(fractions=cfg.ina_fractions),
        RobustnessChecks(cfg.eval_attack, grid=(0.0, 0.5, 1.0)),
    ]
    if FLAGS.autoattack:
        evaluators.append(AutoAttackAccuracy(AutoAttack(epsilon=EPSILON)))
    log.info("Evaluating standard, pgdat and igd on %d test images.", cfg.num_test)
    comparison = compare_models({"standard": teacher, "pgdat": pgdat, "igd": igd}, test, evaluators)
    report = build_report(
        comparison, evaluators, dataset="shapes", texture_amplitude=cfg.texture_amplitude,
        training={name: dataclasses.asdict(c) for name, c in
                  (("standard", cfg.standard), ("pgdat", cfg.pgdat), ("igd", cfg.igd))},
        catastrophic_overfitting={name: read_overfitting(os.path.join(out, name)) for name in ("pgdat", "igd")},
    )
    add_robustness_checks(report, undefended=("standard",))  # logs every failed check loudly
    write_report(report, comparison, out)
    print(markdown_report(report))
    path = export_saved_model(igd, os.path.join(out, "export", "igd"), overwrite=True,
                              class_names=info.class_names, preprocessing=ImagePreprocessing.for_dataset(info))
    print(f"Report: {os.path.join(out, 'report.md')}\nIGD SavedModel for TF Serving: {path}")


if __name__ == "__main__":
    run(main)
