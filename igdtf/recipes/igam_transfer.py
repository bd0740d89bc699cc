"""IGAM on Shapes: does matching a robust teacher's input gradients make a robust student?

Three models on the same Shapes data (3 000 training and 500 test images) and the same
small_cnn architecture: a PGD-trained teacher (L∞ 8/255, PGD-5 with an ε warm-up), a standard
student and an IGAM student (Chan et al., CVPR 2020) that learns from the frozen teacher, both
students trained for the same epochs. The teacher already solves Shapes, so IGAM's first stage
(finetuning the teacher's logit layer) is skipped (igam_finetune_steps = 0). IGAM follows the
authors' code in structure: the first half of the steps train on CE only (their code: 87.5 %),
every training batch gets uniform noise in [−8/255, 8/255], the discriminator is updated once
every 5 classifier steps; the weights λ_adv = 10, λ_diff = 4.9 per example (1 000× the authors'
γ = 10 in these units) are the best of the runs in BUILD.md ("Paper settings", IGAM): the
authors' schedule and weights themselves gave 76.2 % clean / 12.2 % PGD-20 here. Measured:
teacher 99.6 / 86.6, standard student 98.6 / 6.6, IGAM student 97.8 / 23.0: the target below is
not met. Every model is evaluated clean and under PGD-20 (L∞ 8/255, step 2/255). Writes
OUTPUT_DIR/report.json and report.md with the paper's Table 1 beside ours and the target check:
the IGAM student keeps at least 60 % of the teacher's PGD-20 accuracy (the paper: 95 %) at a
clean accuracy within 3 points of the standard student's.

Command:       python -m igdtf.recipes.igam_transfer --output_dir=runs/igam_transfer
Hardware:      a 2-core CPU.
Expected time: about 10 minutes on 2 cores (--smoke: seconds).
Re-running on the same OUTPUT_DIR reloads the trained models.
"""

import dataclasses
import logging
import os

from absl import flags

from igdtf.attacks import PGD
from igdtf.cli import checked, run
from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split
from igdtf.evaluation import PGDAccuracy, build_report, compare_models
from igdtf.recipes.recipe_report import write_recipe_report
from igdtf.training import TrainConfig, train_model
from igdtf.training.overrides import with_epsilon_warmup

flags.DEFINE_string("output_dir", "runs/igam_transfer", "Where models and the report go.")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
flags.DEFINE_float("epsilon_warmup_epochs", None, "Grow the adversarial models' training ε linearly over the "
                   "first W epochs (default: the recipe's own: 3 for the PGDAT teacher).")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.igam_transfer")

EPSILON = 8 / 255
PAPER_TABLE_1 = {  # Chan et al., Table 1: CIFAR-10 students (WRN 32-10), an MNIST teacher; clean and PGD-20 (%)
    "Standard": (95.0, 0.0), "FT-MNIST": (33.4, 0.12), "IGAM-MNIST": (93.6, 43.5), "PGD7-trained": (87.3, 45.9)}
TARGET_FRACTION, CLEAN_TOLERANCE = 0.6, 0.03
# The best of the runs in BUILD.md ("Paper settings", IGAM): the authors' code's structure (a CE-only
# warm-up, uniform input noise, D every 5 steps) with the warm-up and the weights that did best on Shapes.
IGAM_SETTINGS = dict(igam_finetune_steps=0, igam_warmup_fraction=0.5, igam_input_noise=True,
                     igam_discriminator_every=5, igam_lambda_adv=10.0, igam_lambda_diff=4.9)


@dataclasses.dataclass(frozen=True)
class IgamTransferConfig:
    num_train: int
    num_test: int
    teacher: TrainConfig
    standard: TrainConfig
    igam: TrainConfig
    eval_attack: PGD


def config(smoke: bool = False) -> IgamTransferConfig:
    """The recipe's settings; `smoke` shrinks data, width and epochs to seconds."""
    common = dict(arch="small_cnn", batch_size=64, optimizer="adam", learning_rate=1e-3, weight_decay=0.0,
                  epochs=16, attack=PGD(epsilon=EPSILON, step_size=2.5 * EPSILON / 5, steps=5))
    eval_attack = PGD(epsilon=EPSILON, step_size=2 / 255, steps=20)
    if smoke:
        common.update(arch_options={"width": 8}, batch_size=32, epochs=1, attack=PGD(steps=2))
        eval_attack = PGD(steps=2)
    return IgamTransferConfig(
        num_train=128 if smoke else 3_000, num_test=64 if smoke else 500,
        teacher=TrainConfig(method="pgdat", epsilon_warmup_epochs=0 if smoke else 3, **common),
        standard=TrainConfig(method="standard", **common),
        igam=TrainConfig.create(method="igam", **IGAM_SETTINGS, **common),
        eval_attack=eval_attack)


def results_table(summaries: dict) -> dict:
    """{model: {clean_acc, pgd_acc}} and the target check."""
    table = {name: {"clean_acc": s["clean_acc"], "pgd_acc": s["pgd_acc"]} for name, s in summaries.items()}
    igam, teacher, standard = table["igam student"], table["pgdat teacher"], table["standard student"]
    fraction = igam["pgd_acc"] / teacher["pgd_acc"] if teacher["pgd_acc"] > 0 else None
    return {"models": table, "target": {
        "igam_pgd_over_teacher_pgd": fraction,
        "clean_gap_to_standard": standard["clean_acc"] - igam["clean_acc"],
        "met": bool(fraction is not None and fraction >= TARGET_FRACTION
                    and abs(standard["clean_acc"] - igam["clean_acc"]) <= CLEAN_TOLERANCE)}}


def markdown(results: dict, cfg: IgamTransferConfig) -> str:
    lines = ["# IGAM on Shapes: robustness transferred through input gradients", "",
             f"{cfg.num_train} training and {cfg.num_test} test images, small_cnn, batch {cfg.teacher.batch_size}, "
             f"{cfg.teacher.epochs} epochs each; PGD-{cfg.eval_attack.steps} at L∞ {cfg.eval_attack.epsilon * 255:g}/255.",
             "", "IGAM student: " + ", ".join(f"{name} = {getattr(cfg.igam.method_options, name)}"
                                             for name in IGAM_SETTINGS) + ".",
             "", "| model | clean acc (%) | PGD acc (%) |", "|---|---|---|"]
    lines += [f"| {name} | {100 * r['clean_acc']:.1f} | {100 * r['pgd_acc']:.1f} |"
              for name, r in results["models"].items()]
    target = results["target"]
    fraction = target["igam_pgd_over_teacher_pgd"]
    lines += ["", f"Target: IGAM student's PGD accuracy ≥ {100 * TARGET_FRACTION:.0f} % of the teacher's "
                  f"(measured: {'n/a' if fraction is None else f'{100 * fraction:.0f} %'}; the paper: 95 %) at a clean "
                  f"accuracy within {100 * CLEAN_TOLERANCE:.0f} points of the standard student's (measured gap: "
                  f"{100 * target['clean_gap_to_standard']:+.1f} points): {'met' if target['met'] else 'NOT met'}.",
              "", "Paper (Chan et al., Table 1: CIFAR-10, WRN 32-10 students, a robust MNIST teacher):", "",
              "| model | clean (%) | PGD-20 (%) |", "|---|---|---|"]
    lines += [f"| {name} | {clean:g} | {pgd:g} |" for name, (clean, pgd) in PAPER_TABLE_1.items()]
    return "\n".join(lines) + "\n"


def main(argv):
    del argv
    cfg = config(FLAGS.smoke)
    cfg = checked(with_epsilon_warmup, cfg, FLAGS.epsilon_warmup_epochs)
    out = FLAGS.output_dir
    info = dataset_info("shapes")
    train = training_pipeline(load_split("shapes", "train", num_samples=cfg.num_train), cfg.teacher.batch_size, seed=0)
    test = evaluation_pipeline(load_split("shapes", "test", num_samples=cfg.num_test), 250)
    teacher = train_model(cfg.teacher, info, train, os.path.join(out, "teacher"), name="pgdat teacher")
    standard = train_model(cfg.standard, info, train, os.path.join(out, "standard"), name="standard student")
    igam = train_model(cfg.igam, info, train, os.path.join(out, "igam"), teacher=teacher, name="igam student")
    evaluators = [PGDAccuracy(cfg.eval_attack)]
    comparison = compare_models({"pgdat teacher": teacher, "standard student": standard, "igam student": igam},
                                test, evaluators)
    results = results_table(comparison.summaries)
    report = build_report(comparison, evaluators, dataset="shapes", paper_table_1=PAPER_TABLE_1,
                          training={name: dataclasses.asdict(c) for name, c in
                                    (("teacher", cfg.teacher), ("standard", cfg.standard), ("igam", cfg.igam))})
    report["results"] = results
    write_recipe_report(out, report, markdown(results, cfg))


if __name__ == "__main__":
    run(main)
