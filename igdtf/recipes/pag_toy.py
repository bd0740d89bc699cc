"""The PAG paper's 2-D toy problem (Ganz et al., ICML 2023, section 5.1 and appendix C.1): do
perceptually aligned gradients give robustness?

Appendix C.1, followed exactly: 6 000 training points, two classes of three Gaussian modes on
the line x₂ = 2·x₁ (igdtf.data.synthetic.line_modes), raw coordinates; a 2→32→2 ReLU MLP
(initialised as PyTorch's nn.Linear, the authors' framework: see scripts/pag_toy_init_check.py)
trained for 100 epochs, batch 128, Adam at lr 0.01, the same seed for every model; 600 test
points, clean and under L2 PGD-10 with ε = 15 and step 2. Models: vanilla (cross-entropy) and PAG with each data
target source (one image per class, class mean, nearest neighbour; the paper's toy uses the
nearest neighbour), over three seeds. The appendix states neither PAG's λ nor the
nearest-neighbour pool size for the toy: λ = PAG_WEIGHT and POOL_SIZE below are ours.
Writes OUTPUT_DIR/report.json and report.md (the paper's numbers beside ours) and
OUTPUT_DIR/boundaries_seed<S>.png (decision regions of every model, like the paper's Figure 3).

Command:       python -m igdtf.recipes.pag_toy --output_dir=runs/pag_toy
Hardware:      a 2-core CPU.
Expected time: about 6 minutes on 2 shared cores (12 runs of 4 700 steps); --paper_scale (the
               paper's own two runs, vanilla and nearest neighbour on seed 0): about 1 minute;
               --smoke: seconds.
Expected numbers: see README.md ("Toy recipes"); the paper: both models 100 % clean, vanilla
0.0 % and nearest-neighbour PAG 75.5 % robust.
Re-running on the same OUTPUT_DIR reloads the trained models.
"""

import dataclasses
import logging
import os

import numpy as np
from absl import flags

from igdtf.cli import check_output_dir, run
from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split
from igdtf.evaluation import RobustnessCurve, build_report, compare_models
from igdtf.evaluation.reporting.decision_boundaries import plot_decision_boundaries
from igdtf.recipes.recipe_report import write_recipe_report
from igdtf.runs.lock import hold_folder
from igdtf.training import TensorBoardOptions, TrainConfig, train_model

flags.DEFINE_string("output_dir", "runs/pag_toy", "Where models, the report and the boundary plots go.")
flags.DEFINE_bool("smoke", False, "A tiny, fast run that checks the pipeline (numbers meaningless).")
flags.DEFINE_bool("paper_scale", False, "Only the paper's own two runs: vanilla and nearest-neighbour PAG, "
                                        "both on seed 0 (appendix C.1).")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.pag_toy")

EPSILON, PGD_STEPS, PGD_STEP_SIZE = 15.0, 10, 2.0  # appendix C.1
PAG_WEIGHT, POOL_SIZE = 3.0, 256  # not stated for the toy in the paper
PAPER = {"vanilla": {"clean_acc": 1.0, "robust_acc": 0.0},
         "pag_nearest_neighbor": {"clean_acc": 1.0, "robust_acc": 0.755}}
PAPER_NOTE = ("Ganz et al. (ICML 2023), section 5.1 and appendix C.1: both models reach 100 % test accuracy; "
              "under L2 PGD-10 at ε = 15 (step 2) vanilla keeps 0.0 % and nearest-neighbour PAG 75.5 % (one seed).")


@dataclasses.dataclass(frozen=True)
class PagToyConfig:
    num_train: int
    num_test: int
    methods: dict  # name → TrainConfig (its seed is replaced by each of `seeds`)
    seeds: tuple
    eval_steps: int


def config(smoke: bool = False, paper_scale: bool = False) -> PagToyConfig:
    """The recipe's settings: appendix C.1; `paper_scale` keeps the paper's two runs only;
    `smoke` shrinks data, epochs and seeds to seconds."""
    common = dict(arch="mlp", arch_options={"hidden": (32,), "init": "pytorch"}, batch_size=128, optimizer="adam",
                  learning_rate=1e-2, weight_decay=0.0, epochs=2 if smoke else 100)
    methods = {"vanilla": TrainConfig(method="standard", **common)}
    sources = ("nearest_neighbor",) if paper_scale else ("one_image", "class_mean", "nearest_neighbor")
    for source in sources:
        methods[f"pag_{source}"] = TrainConfig.create(method="pag", pag_source=source, pag_lambda=PAG_WEIGHT,
                                                      pag_pool_size=POOL_SIZE, **common)
    seeds = (0,) if smoke or paper_scale else (0, 1, 2)
    if smoke:
        return PagToyConfig(num_train=600, num_test=120, methods=methods, seeds=seeds, eval_steps=2)
    return PagToyConfig(num_train=6_000, num_test=600, methods=methods, seeds=seeds, eval_steps=PGD_STEPS)


def summarize_seeds(summaries: dict, methods, seeds) -> dict:
    """{method: {clean_acc, robust_acc (means over seeds), per_seed: {seed: {...}}}}."""
    key = f"{EPSILON:g}"
    result = {}
    for method in methods:
        per_seed = {seed: {"clean_acc": summaries[f"{method}/seed{seed}"]["clean_acc"],
                           "robust_acc": summaries[f"{method}/seed{seed}"]["robust_acc_l2"][key]} for seed in seeds}
        result[method] = {name: float(np.mean([v[name] for v in per_seed.values()]))
                          for name in ("clean_acc", "robust_acc")}
        result[method]["per_seed"] = per_seed
    return result


def _paper_cell(method: str, key: str) -> str:
    return f"{100 * PAPER[method][key]:.1f}" if method in PAPER else "—"


def markdown(results: dict, cfg: PagToyConfig, figures: list) -> str:
    lines = ["# PAG toy problem (appendix C.1: two classes × three modes on x₂ = 2·x₁, 2→32→2 MLP)", "",
             f"{cfg.num_test} test points; robust accuracy under L2 PGD-{cfg.eval_steps} with ε = {EPSILON:g}, "
             f"step {PGD_STEP_SIZE:g}; means over seeds {', '.join(map(str, cfg.seeds))} (per seed in brackets).", "",
             "| model | clean acc (%) | robust acc (%) at ε = 15 | paper: clean | paper: robust |",
             "|---|---|---|---|---|"]
    for name, r in results.items():
        seeds = ", ".join(f"{100 * v['robust_acc']:.1f}" for v in r["per_seed"].values())
        lines.append(f"| {name} | {100 * r['clean_acc']:.1f} | {100 * r['robust_acc']:.1f} ({seeds}) | "
                     f"{_paper_cell(name, 'clean_acc')} | {_paper_cell(name, 'robust_acc')} |")
    lines += ["", f"Paper: {PAPER_NOTE}", "", "Decision boundaries: " + ", ".join(figures), ""]
    return "\n".join(lines)


def main(argv):
    del argv
    cfg = config(FLAGS.smoke, FLAGS.paper_scale)
    out = FLAGS.output_dir
    check_output_dir(out)
    hold_folder(out)  # one run per folder
    info = dataset_info("line_modes")
    batch_size = next(iter(cfg.methods.values())).batch_size
    train_split = load_split("line_modes", "train", num_samples=cfg.num_train)
    train = training_pipeline(train_split, batch_size, seed=0)
    test = evaluation_pipeline(load_split("line_modes", "test", num_samples=cfg.num_test), 600)
    models = {}
    for name, method_config in cfg.methods.items():
        for seed in cfg.seeds:
            run_config = dataclasses.replace(method_config, seed=seed)
            models[f"{name}/seed{seed}"] = train_model(run_config, info, train, os.path.join(out, name, f"seed{seed}"),
                                                       name=f"{name}/seed{seed}", tensorboard=TensorBoardOptions())
    curve = RobustnessCurve([EPSILON], norm="l2", steps=cfg.eval_steps, bounds=None,
                            step_factor=PGD_STEP_SIZE * cfg.eval_steps / EPSILON)
    comparison = compare_models(models, test, [curve])
    results = summarize_seeds(comparison.summaries, cfg.methods, cfg.seeds)
    points, labels = (np.concatenate(a) for a in zip(*train_split.batch(10_000).as_numpy_iterator()))
    figures = []
    for seed in cfg.seeds:
        figures.append(f"boundaries_seed{seed}.png")
        plot_decision_boundaries({name: models[f"{name}/seed{seed}"] for name in cfg.methods}, points, labels,
                                 os.path.join(out, figures[-1]), f"PAG toy, seed {seed}: decision regions and "
                                                                 "training data")
    report = build_report(comparison, [curve], dataset="line_modes", seeds=list(cfg.seeds), paper=PAPER,
                          paper_note=PAPER_NOTE, figures=figures,
                          training={name: dataclasses.asdict(c) for name, c in cfg.methods.items()})
    report["results"] = results
    write_recipe_report(out, report, markdown(results, cfg, figures))


if __name__ == "__main__":
    run(main)
