"""The gradient-alignment penalty on Spheres (Lanfredi et al.): does robustness grow with alignment?

Two concentric 500-d spheres (radii 1.0 and 1.3), where the vector Δx from a point to the
closest point of the other class is known exactly. An MLP (500→256→256→2) is trained with plain
cross-entropy (λ_α = 0) and with the alignment penalty −λ_α·cos(∇ℓ(x), Δx) at λ_α = 0.1 (the
authors' default) and 1. Each model is evaluated on one test set: clean accuracy, the mean
alignment ᾱ_Δx, and ε50% (the ε at which PGD-40 misclassifies half of the test set) for L2 and
L∞ attacks. Writes OUTPUT_DIR/report.json and report.md with the paper's numbers next to ours.

--paper_scale runs the paper's own configuration instead (Lanfredi et al., appendix and Table S1):
a 500→1000→1000 ReLU MLP with a scalar output, no batch norm, Adam at 1e-4, batch 50, 80 epochs
of 10 million samples drawn fresh at run time, λ_α = 0.1, and a PGD-trained model (L∞, ε = 0.005,
step 0.002, k = 40); the best epoch by PGD-40 (L∞) accuracy on 200 validation points; 1 000
test points. Its report checks ε50%(L2)/ᾱ_Δx against the paper's 0.15 (Table 2: 0.148–0.151).

Command:       python -m igdtf.recipes.spheres_alignment --output_dir=runs/spheres_alignment
Hardware:      a 2-core CPU.
Expected time: about two minutes on 2 cores (--smoke: seconds). --paper_scale: 16 million
               steps per model, a GPU job (the paper: 2.3 / 6.2 / 15.4 GPU hours, Table S1).
Expected numbers: ᾱ_Δx and both ε50% grow with λ_α (ours: ᾱ 0.27 → 0.39 → 0.56, L2 ε50% 0.039 →
0.061 → 0.090); the paper's baseline → L_α: ᾱ 0.659 → 0.886, L2 ε50% 0.099 → 0.133,
L∞ ε50% 0.0058 → 0.0076 (Table 2).
Re-running on the same OUTPUT_DIR reloads the trained models.
"""

import dataclasses
import logging
import os

import keras
from absl import flags

from igdtf.attacks import PGD
from igdtf.cli import check_output_dir, run
from igdtf.data.pipeline import evaluation_pipeline
from igdtf.data.registry import load_split
from igdtf.data.synthetic.spheres import fresh_spheres_batches
from igdtf.errors import checked
from igdtf.evaluation import DirectionAlignment, RobustnessCurve, build_report, compare_models, epsilon_50
from igdtf.evaluation.evaluators.alignment_suite import SPHERES_L2_EPSILONS, SPHERES_LINF_EPSILONS  # the authors' test grids
from igdtf.models.loading import load_classifier
from igdtf.recipes.recipe_report import write_recipe_report
from igdtf.recipes.spheres_common import PAPER, RHO_OVER_ALPHA, paper_table, spheres_batches
from igdtf.runs.lock import hold_folder
from igdtf.training import TensorBoardOptions, TrainConfig, train_model
from igdtf.training.overrides import with_epsilon_warmup

flags.DEFINE_string("output_dir", "runs/spheres_alignment", "Where models and the report go.")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
flags.DEFINE_bool("paper_scale", False, "The paper's own configuration (appendix, Table S1): 500→1000→1000→1 MLP, "
                                        "80 epochs of 10 million fresh samples, PGD-40; GPU-scale (see module doc).")
flags.DEFINE_float("epsilon_warmup_epochs", None, "Grow the adversarial models' training ε linearly over the "
                   "first W epochs (default: the recipe's own: none, as the paper).")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.spheres_alignment")

PAPER_SAMPLES_PER_EPOCH = 10_000_000  # Table S1


@dataclasses.dataclass(frozen=True)
class SpheresConfig:
    num_train: int | None  # None: fresh samples, steps_per_epoch batches per epoch
    num_test: int
    models: dict  # name → TrainConfig
    eval_steps: int
    l2_epsilons: tuple = SPHERES_L2_EPSILONS
    linf_epsilons: tuple = SPHERES_LINF_EPSILONS
    num_validation: int | None = None
    steps_per_epoch: int | None = None


def paper_config(smoke: bool = False) -> SpheresConfig:
    """The paper's Spheres setting (appendix, Table S1); `smoke` keeps it but shrinks the data
    and the epochs to seconds."""
    attack = PGD("linf", 0.005, 0.002, 40, bounds=None)
    common = dict(arch="mlp", arch_options={"hidden": (1000, 1000), "scalar_output": True}, batch_size=50,
                  optimizer="adam", learning_rate=1e-4, weight_decay=0.0, epochs=1 if smoke else 80,
                  eval_attack=dataclasses.replace(attack, steps=2) if smoke else attack)
    if smoke:
        common["arch_options"] = {"hidden": (64,), "scalar_output": True}
    models = {"lambda_0 (baseline)": TrainConfig(method="standard", **common),
              "lambda_0.1": TrainConfig.create(method="alignment_penalty", alignment_penalty_lambda=0.1, **common),
              "pgdat": TrainConfig(method="pgdat", attack=dataclasses.replace(attack, steps=2) if smoke else attack,
                                   **common)}
    steps = 4 if smoke else PAPER_SAMPLES_PER_EPOCH // 50
    return SpheresConfig(None, 100 if smoke else 1_000, models, eval_steps=5 if smoke else 40,
                         num_validation=50 if smoke else 200, steps_per_epoch=steps,
                         **(dict(l2_epsilons=SPHERES_L2_EPSILONS[2:4], linf_epsilons=SPHERES_LINF_EPSILONS[3:5])
                            if smoke else {}))


def config(smoke: bool = False) -> SpheresConfig:
    """The recipe's settings; `smoke` shrinks data and epochs to seconds."""
    common = dict(arch="mlp", arch_options={"hidden": (64,) if smoke else (256, 256)}, batch_size=50,
                  optimizer="adam", learning_rate=1e-3, weight_decay=0.0, epochs=1 if smoke else 5)
    models = {"lambda_0 (baseline)": TrainConfig(method="standard", **common)}
    for weight in (0.1, 1.0):
        models[f"lambda_{weight:g}"] = TrainConfig.create(method="alignment_penalty",
                                                          alignment_penalty_lambda=weight, **common)
    if smoke:
        return SpheresConfig(500, 100, models, eval_steps=5, l2_epsilons=SPHERES_L2_EPSILONS[2:4],
                             linf_epsilons=SPHERES_LINF_EPSILONS[3:5])
    return SpheresConfig(num_train=20_000, num_test=500, models=models, eval_steps=40)


def results_table(summaries: dict) -> dict:
    """{model: {clean_acc, alpha_dx, eps50_l2, eps50_linf}} from the comparison's summaries."""
    table = {name: {"clean_acc": s["clean_acc"], "alpha_dx": s["alpha_dx"],
                    "eps50_l2": epsilon_50(s["robust_acc_l2"], s["clean_acc"]),
                    "eps50_linf": epsilon_50(s["robust_acc_linf"], s["clean_acc"])}
             for name, s in summaries.items()}
    for row in table.values():  # section 2.1: ρ/ᾱ_Δx = ‖Δx‖/2 = 0.15 for a locally linear model
        ratio_defined = row["eps50_l2"] is not None and row["alpha_dx"] > 0
        row["eps50_l2_over_alpha_dx"] = row["eps50_l2"] / row["alpha_dx"] if ratio_defined else None
    return table


def _fmt(value, digits=4) -> str:
    return "> largest ε tested" if value is None else f"{value:.{digits}f}"


def markdown(results: dict, num_test: int, eval_steps: int) -> str:
    lines = ["# Alignment penalty on Spheres (500-d, radii 1.0 and 1.3)", "",
             f"{num_test} test points; ε50%: the ε at which PGD-{eval_steps} misclassifies half of them.", "",
             "| model | clean acc (%) | ᾱ_Δx | ε50% (L2) | ε50% (L∞) | ε50% (L2) / ᾱ_Δx |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {100 * r['clean_acc']:.1f} | {r['alpha_dx']:.3f} | {_fmt(r['eps50_l2'])} "
                     f"| {_fmt(r['eps50_linf'], 5)} | {_fmt(r['eps50_l2_over_alpha_dx'], 3)} |")
    lines += ["", f"ρ/ᾱ_Δx check: for a locally linear model ε50% (L2) / ᾱ_Δx = ‖Δx‖/2 = {RHO_OVER_ALPHA} "
                  "(section 2.1; the paper's rows: 0.148–0.151)."]
    return "\n".join(lines + [""] + paper_table()) + "\n"



def _train_and_load(name: str, train_config: TrainConfig, info, train, out: str, validation) -> keras.Model:
    """Trains one model; with validation data, returns its best epoch (best.keras), as the paper selects."""
    run_dir = os.path.join(out, name.split(" ")[0])
    model = train_model(train_config, info, train, run_dir, validation_data=validation, name=name,
                        tensorboard=TensorBoardOptions())
    return load_classifier(run_dir, best=True).model if validation is not None else model


def main(argv):
    del argv
    cfg = paper_config(FLAGS.smoke) if FLAGS.paper_scale else config(FLAGS.smoke)
    cfg = checked(with_epsilon_warmup, cfg, FLAGS.epsilon_warmup_epochs)
    out = FLAGS.output_dir
    check_output_dir(out)
    hold_folder(out)  # one run per folder
    batch_size = next(iter(cfg.models.values())).batch_size
    info, train, test = spheres_batches(cfg.num_train or batch_size, cfg.num_test, batch_size)
    validation = None
    if cfg.steps_per_epoch:
        train = fresh_spheres_batches(batch_size, cfg.steps_per_epoch, seed=0)
        validation = evaluation_pipeline(load_split("spheres", "validation", num_samples=cfg.num_validation), 200)
    models = {name: _train_and_load(name, c, info, train, out, validation) for name, c in cfg.models.items()}
    evaluators = [RobustnessCurve(cfg.l2_epsilons, "l2", steps=cfg.eval_steps, bounds=None),
                  RobustnessCurve(cfg.linf_epsilons, "linf", steps=cfg.eval_steps, bounds=None),
                  DirectionAlignment(info.delta_x)]
    comparison = compare_models(models, test, evaluators)
    results = results_table(comparison.summaries)
    report = build_report(comparison, evaluators, dataset="spheres", paper=PAPER, paper_scale=FLAGS.paper_scale,
                          training={name: dataclasses.asdict(c) for name, c in cfg.models.items()})
    report["results"] = results
    write_recipe_report(out, report, markdown(results, cfg.num_test, cfg.eval_steps))


if __name__ == "__main__":
    run(main)
