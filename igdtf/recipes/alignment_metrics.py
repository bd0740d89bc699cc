"""Table 2 of Lanfredi et al. on Spheres: accuracy, ε50% (L∞, L2), ᾱ_Δx and ᾱ_x of a baseline,
a PGD-adversarially trained and an alignment-penalty model, and Δx estimated by a generator.

Spheres: two concentric 500-d spheres (radii 1.0 and 1.3) where Δx, the vector to the closest
point of the other class, is known exactly. Three MLPs (500→256→256→2) are trained: plain
cross-entropy (baseline), PGDAT (L2 PGD-5, ε = 0.04, ε warmed up over the first epoch) and the
alignment penalty (λ_α = 1). Each is evaluated on one test set: clean accuracy, ε50% under
PGD-20 for L∞ and L2, ᾱ_Δx with the analytic Δx, ᾱ_x (Etmann et al.) and, with
--estimate_delta_x, ᾱ_Δx with Δx from a direct generator G(x, ¬y) trained here (its cosine with
the analytic Δx is reported). Pearson correlations of the alignments with ε50% over the three
models close the report. Writes OUTPUT_DIR/report.json and report.md.

Command:       python -m igdtf.recipes.alignment_metrics --output_dir=runs/alignment_metrics
Hardware:      a 2-core CPU.
Expected time: about 6 minutes on 2 shared cores (README, one run; --smoke: under a minute).
Expected numbers: ᾱ_Δx(PGDAT) > ᾱ_Δx(baseline) (checked; report.json "checks"); see
docs/measurements/alignment_metrics.md for the measured table.
Re-running on the same OUTPUT_DIR reloads the trained models and generator.
"""

import dataclasses
import logging
import os

from absl import flags

from igdtf import errors
from igdtf.attacks import PGD
from igdtf.cli import check_output_dir, run
from igdtf.data.registry import load_split
from igdtf.errors import UnreadableFileError
from igdtf.evaluation import (
    DirectionAlignment, alignment_evaluators, alignment_markdown, alignment_table, build_report, compare_models,
    correlations,
)
from igdtf.generative import mean_cosine, train_direct_estimator
from igdtf.generative.direct import DirectDeltaX, residual_generator
from igdtf.recipes.recipe_report import write_recipe_report
from igdtf.recipes.spheres_common import PAPER, paper_table, spheres_batches
from igdtf.runs.atomic import atomic_path
from igdtf.runs.lock import hold_folder
from igdtf.training import TensorBoardOptions, TrainConfig, train_model
from igdtf.training.overrides import with_epsilon_warmup

flags.DEFINE_string("output_dir", "runs/alignment_metrics", "Where models and the report go.")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
flags.DEFINE_bool("estimate_delta_x", True, "Also train a direct Δx generator and report ᾱ_Δx with its estimate.")
flags.DEFINE_float("epsilon_warmup_epochs", None, "Grow the adversarial models' training ε linearly over the "
                   "first W epochs (default: the recipe's own: 1 for PGDAT).")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.alignment_metrics")

GENERATOR_WEIGHTS = "delta_x_generator.weights.h5"


@dataclasses.dataclass(frozen=True)
class GeneratorConfig:
    """The direct Δx estimator's training (igdtf.generative.train_direct_estimator)."""

    steps: int = 3000
    batch_size: int = 100
    norm_weight: float = 250.0
    width: int = 512
    learning_rate: float = 1e-3


@dataclasses.dataclass(frozen=True)
class AlignmentMetricsConfig:
    num_train: int
    num_test: int
    models: dict  # name → TrainConfig
    eval_steps: int
    generator: GeneratorConfig
    l2_epsilons: tuple | None = None  # None: the Spheres grid of igdtf.evaluation.evaluators.alignment_suite
    linf_epsilons: tuple | None = None


def config(smoke: bool = False) -> AlignmentMetricsConfig:
    """The recipe's settings; `smoke` shrinks data, epochs and attacks to seconds."""
    common = dict(arch="mlp", arch_options={"hidden": (32,) if smoke else (256, 256)}, batch_size=50,
                  optimizer="adam", learning_rate=1e-3, weight_decay=0.0, epochs=1 if smoke else 5)
    epsilon = 0.04
    attack = PGD("l2", epsilon, 2.5 * epsilon / 5, 5, True, None)
    models = {
        "baseline": TrainConfig(method="standard", **common),
        "pgdat": TrainConfig(method="pgdat", attack=attack, epsilon_warmup_epochs=1.0, **common),
        "alignment_penalty": TrainConfig.create(method="alignment_penalty", alignment_penalty_lambda=1.0, **common),
    }
    if smoke:
        return AlignmentMetricsConfig(300, 60, models, eval_steps=3, l2_epsilons=(0.05, 0.1), linf_epsilons=(0.004,),
                                      generator=GeneratorConfig(steps=5, batch_size=50, width=16))
    return AlignmentMetricsConfig(20_000, 500, models, eval_steps=20, generator=GeneratorConfig())


def delta_x_estimate(cfg: GeneratorConfig, info, out: str, num_train: int) -> DirectDeltaX:
    """The direct Δx generator, trained on the training split or reloaded from OUTPUT_DIR."""
    path = os.path.join(out, GENERATOR_WEIGHTS)
    if os.path.exists(path):
        log.info("Loading the Δx generator %s", path)
        generator = residual_generator(info.image_shape, info.num_classes, cfg.width)
        try:
            generator.load_weights(path)
        except (OSError, ValueError) as error:
            raise UnreadableFileError(f"{path} cannot be read ({type(error).__name__}); delete it to train the "
                                      "generator again.") from None
        return DirectDeltaX(generator, info.image_shape, info.bounds)
    log.info("Training the direct Δx generator for %d steps", cfg.steps)
    data = load_split(info.name, "train", num_samples=num_train).shuffle(num_train, seed=0)
    estimate, _ = train_direct_estimator(data.batch(cfg.batch_size, drop_remainder=True), info.image_shape, cfg.steps,
                                         cfg.norm_weight, info.bounds, cfg.width, cfg.learning_rate)
    with atomic_path(path) as temporary:
        estimate.generator.save_weights(temporary)
    return estimate


def estimate_cosine(estimate, info, test) -> float:
    """Mean cos(estimated Δx, analytic Δx) over the test batches."""
    values = [mean_cosine(estimate, info.delta_x, x, y) * int(x.shape[0]) for x, y in test]
    return sum(values) / sum(int(x.shape[0]) for x, _ in test)


def checks(table: dict) -> dict:
    """The paper's qualitative claim, checked on this run."""
    return {"alpha_dx(pgdat) > alpha_dx(baseline)": bool(table["pgdat"]["alpha_dx"] > table["baseline"]["alpha_dx"])}


def markdown(table: dict, pearson: dict, checked: dict, cosine: float | None, cfg: AlignmentMetricsConfig) -> str:
    estimated = "; ᾱ_Δx (estimated) with a direct generator's Δx." if cosine is not None else "."
    lines = ["# Gradient-direction metrics on Spheres (Lanfredi et al., Table 2 columns)", "",
             f"{cfg.num_test} test points; ε50%: where PGD-{cfg.eval_steps} misclassifies half of them; ᾱ_Δx "
             f"with the analytic Δx{estimated}", "", alignment_markdown(table, pearson)]
    if cosine is not None:
        lines += [f"Direct Δx estimate: mean cosine with the analytic Δx {cosine:.3f} (paper: 0.874).", ""]
    lines += ["Checks: " + ", ".join(f"{k}: {'yes' if v else 'NO'}" for k, v in checked.items()), ""]
    lines += paper_table()
    return "\n".join(lines) + "\n"


def main(argv):
    del argv
    cfg = config(FLAGS.smoke)
    cfg = errors.checked(with_epsilon_warmup, cfg, FLAGS.epsilon_warmup_epochs)
    out = FLAGS.output_dir
    check_output_dir(out)
    hold_folder(out)  # one run per folder
    info, train, test = spheres_batches(cfg.num_train, cfg.num_test, next(iter(cfg.models.values())).batch_size)
    models = {name: train_model(c, info, train, os.path.join(out, name), name=name, tensorboard=TensorBoardOptions())
              for name, c in cfg.models.items()}
    evaluators = alignment_evaluators(info, l2_epsilons=cfg.l2_epsilons, linf_epsilons=cfg.linf_epsilons,
                                      steps=cfg.eval_steps)
    cosine = None
    if FLAGS.estimate_delta_x:
        estimate = delta_x_estimate(cfg.generator, info, out, cfg.num_train)
        cosine = estimate_cosine(estimate, info, test)
        evaluators.append(DirectionAlignment(estimate, name="alpha_dx_estimated"))
    comparison = compare_models(models, test, evaluators)
    table = alignment_table(comparison.summaries)
    pearson = correlations(table)
    checked = checks(table)
    report = build_report(comparison, evaluators, dataset="spheres", paper=PAPER,
                          training={name: dataclasses.asdict(c) for name, c in cfg.models.items()},
                          delta_x_generator=dataclasses.asdict(cfg.generator) if cosine is not None else None)
    report.update(results=table, correlations=pearson, checks=checked, delta_x_estimate_cosine=cosine)
    write_recipe_report(out, report, markdown(table, pearson, checked, cosine, cfg))


if __name__ == "__main__":
    run(main)
