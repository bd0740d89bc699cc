"""Quickstart: the inequality phenomenon end to end on the embedded Shapes data.

Trains a standard teacher, PGDAT and IGD (λ = 6; small CNN, 32x32 Shapes with a faint class texture,
10 adversarial epochs, ε grown over the first 6, PGD-5 training attacks in bfloat16 where the
hardware has it natively, validated with PGD-10 for the overfitting guard), evaluates all three
on one test set in float32, checks the quickstart's claims (igdtf/recipes/quickstart_config.py: CLAIMS)
against this run's own numbers, and writes OUTPUT_DIR/report.json ("claims": the verdicts),
report.md, the figures (error_curves.png, attributions_saliency.png), TensorBoard logs
(OUTPUT_DIR/<model>/tensorboard) and the IGD model for TF Serving. Settings:
igdtf/recipes/quickstart_config.py.

Command:       python -m igdtf.recipes.quickstart --output_dir=runs/quickstart
               --seed=S: another seed (weights, data order, every random draw; same images);
               --seeds=0,1,2: one run per seed in OUTPUT_DIR/seed_<s>/, then OUTPUT_DIR/summary.md
               and summary.json (mean ± std, min–max, and in how many seeds each claim holds);
               --train_attack=n_fgsm: the same with single-step training attacks.
Hardware:      a 2-core CPU is enough.
Expected time: EXPECTED_TIME
Expected numbers: README.md ("What the quickstart shows"), from
               `python -m igdtf.recipes.quickstart --seeds=0,1,2` (its summary.md).
Re-running on the same OUTPUT_DIR resumes: finished models are reloaded (and evaluated again),
and an interrupted model continues from its last epoch.
"""

import dataclasses
import logging
import os

from absl import flags

from igdtf.attacks import ATTACK_PRECISIONS, TRAIN_ATTACKS
from igdtf.cli import check_output_dir, run, seed_flags
from igdtf.data.registry import dataset_info
from igdtf.errors import ConfigError, checked
from igdtf.evaluation import (
    AttributionGini, add_robustness_checks, build_evaluators, build_report, compare_models, markdown_report,
    write_report,
)
from igdtf.evaluation.evaluators.suites import complete_sanity_grid
from igdtf.evaluation.reporting.claims import check_claims, verdict_line
from igdtf.evaluation.reporting.figures import write_comparison_figures
from igdtf.evaluation.reporting.seed_summary import SUMMARY_MD, parse_seeds, seed_run_dir, write_seed_summary
from igdtf.evaluation.reporting.tensorboard import training_probes
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.native_bfloat16 import AUTO
from igdtf.recipes.quickstart_config import CLAIMS, EVALUATION_SUITES, MODELS, SUMMARY_METRICS, get_config
from igdtf.runs.lock import hold_folder
from igdtf.runs.overfitting_record import read_overfitting
from igdtf.training import TensorBoardOptions, train_model
from igdtf.training.overrides import with_epsilon_warmup
from igdtf.validation import check_non_negative_int

flags.DEFINE_string("output_dir", "runs/quickstart", "Where models, report and export go.")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
flags.DEFINE_bool("autoattack", False, "Also run AutoAttack (standard, L∞ 8/255) on every test image: "
                  "hours on 2 CPU cores (about 3.5 s per image for a robust model); minutes on a GPU.")
flags.DEFINE_enum("train_attack", "pgd", TRAIN_ATTACKS, "Training attack of PGDAT and IGD: pgd (the paper's "
                  "multi-step PGD), or single-step fgsm_rs or n_fgsm (faster; see README, 'Fast training').")
flags.DEFINE_enum("attack_precision", AUTO, [AUTO, *ATTACK_PRECISIONS], "Compute precision of the training "
                  "attack; auto: bfloat16 where the training hardware has it natively (CPU avx512_bf16 or "
                  "amx_bf16, GPU compute capability >= 8.0), else float32. Evaluation stays float32.")
flags.DEFINE_float("igd_lambda", None, "IGD's lambda (default: the quickstart's, see get_config()).")
flags.DEFINE_float("epsilon_warmup_epochs", None, "Grow the adversarial models' training ε linearly over the "
                   "first W epochs (default: the recipe's own: 6 epochs of 10).")
flags.DEFINE_integer("seed", 0, "Seed of the run: the models' weights, the training data order and every random "
                     "draw of training and evaluation (the Shapes images stay the same).")
seed_flags.define_seeds_flag("one run of the three models")
flags.adopt_module_key_flags(seed_flags)
flags.DEFINE_integer("probe_examples", 8, "Validation images logged to TensorBoard every epoch (saliency maps, "
                     "Gini); 0: none.")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.quickstart")


def main(argv):
    del argv
    cfg = checked(get_config, FLAGS.smoke, FLAGS.train_attack, FLAGS.attack_precision, FLAGS.igd_lambda)
    cfg = checked(with_epsilon_warmup, cfg, FLAGS.epsilon_warmup_epochs)
    out = FLAGS.output_dir
    check_output_dir(out)
    hold_folder(out)  # one run per folder
    checked(check_non_negative_int, "probe_examples", FLAGS.probe_examples)
    if FLAGS.seeds is None:
        seed = checked(check_non_negative_int, "seed", FLAGS.seed)
        run_quickstart(_config(seed), out)
        print(f"TensorBoard: tensorboard --logdir {out}")
        return
    if FLAGS["seed"].present:
        raise ConfigError("--seed and --seeds exclude each other: give one seed with --seed, or several with --seeds.")
    seeds = checked(parse_seeds, FLAGS.seeds)
    configs = {seed: _config(seed) for seed in seeds}  # every setting checked before any training
    reports = {seed: run_quickstart(cfg, seed_run_dir(out, seed)) for seed, cfg in configs.items()}
    summary = write_seed_summary(out, reports, SUMMARY_METRICS, title="Quickstart over seeds")
    for claim in summary["claims"].values():
        print(f"Claim in {claim['holds_in']} of {claim['of']} seeds: {claim['statement']}")
    print(f"Summary over seeds {', '.join(map(str, seeds))}: {os.path.join(out, SUMMARY_MD)}\n"
          f"Per seed: {seed_run_dir(out, '<s>')}/report.md and its figures\n"
          f"TensorBoard: tensorboard --logdir {out}")


def _config(seed: int):
    return checked(get_config, FLAGS.smoke, FLAGS.train_attack, FLAGS.attack_precision, FLAGS.igd_lambda, seed)


def run_quickstart(cfg, out: str) -> dict:
    """Trains (or resumes, or reloads) the three models of `cfg` in OUT/<model>/, evaluates them,
    writes the export, the figures and the report (report.json last) to OUT; returns the report."""
    attack = cfg.pgdat.method_options
    log.info("Seed %d in %s. Training attack of pgdat and igd: %s in %s (--attack_precision=%s); evaluation in "
             "float32.", cfg.seed, out, attack.train_attack, attack.attack_precision, FLAGS.attack_precision)
    info = dataset_info("shapes")
    train = cfg.training_data()
    validation = cfg.evaluation_data("validation", cfg.num_validation)
    test = cfg.evaluation_data("test", cfg.num_test)
    options = _tensorboard(cfg, validation)
    teacher = train_model(cfg.standard, info, train, os.path.join(out, "standard"), tensorboard=options["standard"])
    pgdat = train_model(cfg.pgdat, info, train, os.path.join(out, "pgdat"), validation_data=validation,
                        tensorboard=options["pgdat"])
    igd = train_model(cfg.igd, info, train, os.path.join(out, "igd"), teacher=teacher, validation_data=validation,
                      tensorboard=options["igd"])
    models = {"standard": teacher, "pgdat": pgdat, "igd": igd}
    export = export_saved_model(igd, os.path.join(out, "export", "igd"), overwrite=True,
                                class_names=info.class_names, preprocessing=ImagePreprocessing.for_dataset(info))
    report = _evaluate(cfg, info, models, test, out)
    print(markdown_report(report))
    for verdict in report["claims"].values():
        print(verdict_line(verdict))
    print(f"Report: {os.path.join(out, 'report.md')} (report.json)\n"
          f"Figures: {', '.join(os.path.join(out, name) for name in report['figures'])}\n"
          f"IGD SavedModel for TF Serving: {export}")
    return report


def _tensorboard(cfg, validation) -> dict:
    """{model: TensorBoardOptions}: training curves every 10 steps, the saliency maps and Gini of
    the first --probe_examples validation images every epoch, the model's settings as hparams."""
    probe = None
    if FLAGS.probe_examples:
        images, labels = next(iter(validation.unbatch().batch(FLAGS.probe_examples)))
        probe = (images.numpy(), labels.numpy())
    evaluators = (AttributionGini(block=dataset_info("shapes").gini_block),)
    return {name: TensorBoardOptions(probes=training_probes(probe, evaluators), every_steps=10,
                                     hparams={**dataclasses.asdict(getattr(cfg, name)), "dataset": "shapes"})
            for name in MODELS}


def _evaluate(cfg, info, models: dict, test, out: str) -> dict:
    """Evaluates `models` on `test`, checks the claims, draws the figures, writes the report."""
    settings = cfg.suite_settings()
    evaluators = build_evaluators(EVALUATION_SUITES + ("autoattack",) * FLAGS.autoattack, settings)
    log.info("Evaluating standard, pgdat and igd on %d test images.", cfg.num_test)
    comparison = compare_models(models, test, evaluators)
    report = build_report(
        comparison, evaluators, dataset="shapes", texture_amplitude=cfg.texture_amplitude, seed=cfg.seed,
        training={name: dataclasses.asdict(getattr(cfg, name)) for name in MODELS},
        catastrophic_overfitting={name: read_overfitting(os.path.join(out, name)) for name in ("pgdat", "igd")},
    )
    complete_sanity_grid(report, settings)  # the grid's ε point is PGD-20 at ε with the same attack and seed
    add_robustness_checks(report, undefended=("standard",))  # logs every failed check loudly
    report["claims"] = check_claims(CLAIMS, report["models"])
    report["figures"] = write_comparison_figures(report, comparison, models, test, out, class_names=info.class_names,
                                                 seed=cfg.seed)
    write_report(report, comparison, out)
    return report


if __name__ == "__main__":
    run(main)
