"""The flags of `python -m igdtf.evaluate`: igdtf/evaluate.py calls define_evaluate_flags() and
adopts this module's key flags (its --help lists them)."""

from absl import flags

from igdtf.attacks import VERSIONS
from igdtf.attributions import ATTRIBUTIONS, DEFAULT_ATTRIBUTION
from igdtf.cli import data_flags
from igdtf.data.corruptions.names import ALL, CORRUPTIONS, NOISE_CORRUPTIONS, SEVERITIES
from igdtf.evaluation import INA_FRACTIONS, RN_FRACTIONS, SUITES
from igdtf.evaluation.evaluators.suites import DEFAULT_SUITES


def define_evaluate_flags() -> None:
    """Defines every flag of the evaluation command line (once per process)."""
    data_flags.define_data_flags(dataset="")
    flags.adopt_module_key_flags(data_flags)
    _define_models_and_data()
    _define_suites()
    _define_suite_settings()
    _define_output()


def _define_models_and_data() -> None:
    """The models and the data they are evaluated on."""
    flags.DEFINE_multi_string("model", None, "NAME=PATH of a model to compare: a .keras file, a SavedModel "
                              "folder, or a run folder of igdtf.training (its best.keras, else its final model; the "
                              "log says which); with --seed_runs a folder of seed runs. Repeat for every model.")
    flags.DEFINE_bool("seed_runs", False, "Every --model PATH is a folder of seed runs, PATH/seed_<s>/ (a recipe's "
                      "--seeds output): the models are compared once per seed (each run's best.keras, else its final "
                      "model) into OUTPUT_DIR/seed_<s>/, then OUTPUT_DIR/summary.json and summary.md give every metric "
                      "as mean ± std and min-max over the seeds. Every model needs the same seeds.")
    flags.DEFINE_integer("image_size", None, "Resize the images to this side with the dataset's evaluation "
                         "preprocessing (default: the models' input size).")
    flags.DEFINE_string("split", None, "Dataset split (default: the dataset's evaluation split: test, or "
                        "validation where there is no labelled test split).")
    flags.DEFINE_integer("max_samples", None, "Evaluate only the first N samples of the split.")
    flags.DEFINE_bool("robustbench_protocol", False, "Evaluate the first 10000 images of the evaluation split (5000 "
                      "on ImageNet datasets), as RobustBench does (not with --max_samples or another --split). Any "
                      "run with the autoattack suite writes OUTPUT_DIR/robustbench/<model>.json.")
    flags.DEFINE_integer("batch_size", 250, "Evaluation batch size. Random draws are seeded per batch, so "
                         "this is part of the protocol (recorded in the report).")


def _define_suites() -> None:
    """Which suites run, and their attacks."""
    flags.DEFINE_list("suite", list(DEFAULT_SUITES), f"Suites to run, comma-separated: {', '.join(SUITES)} "
                      "(autoattack and alignment are opt-in: slow on a CPU; on vector datasets only clean and "
                      "alignment). pgd and autoattack bring the sanity suite with them.")
    flags.DEFINE_list("attribution", [DEFAULT_ATTRIBUTION], "Attribution methods of the gini, ina and ioa "
                      f"suites and the figures: {', '.join(ATTRIBUTIONS)}.")
    flags.DEFINE_integer("seed", 0, "Seed of every random draw (PGD starts, noise, random baselines).")
    flags.DEFINE_float("epsilon", None, "L-inf radius of the PGD evaluation, in 1/255 units (default: the ε the "
                       "models were trained at, from the run.json beside each model; models trained at different ε "
                       "are refused without this flag; 8 when no model records one).")
    flags.DEFINE_float("step_size", None, "PGD step size, in 1/255 units (default: ε / 4).")
    flags.DEFINE_integer("pgd_steps", 20, "PGD steps.")
    flags.DEFINE_integer("alignment_steps", 40, "alignment suite: PGD steps per ε of its L∞/L2 robustness curves "
                         "(ε50%); ᾱ_Δx is measured where the dataset has a closed-form Δx (spheres, squares) or "
                         "with --delta_x_generator, ᾱ_x always.")
    flags.DEFINE_string("delta_x_generator", None, "alignment suite: a class-conditional generator G(z, class) "
                        "saved as .keras (inputs [z, class one-hot] or [z, class id], outputs images of the dataset's "
                        "shape); "
                        "ᾱ_Δx then uses Δx = G(z*, c̃(x)) − x, every evaluated image projected onto every class "
                        "(column alpha_dx, or alpha_dx_estimated beside a closed-form Δx).")
    flags.DEFINE_string("delta_x_projection_cache", None, ".npz file caching the projections onto --delta_x_generator "
                        "(reused for the same data, generator weights and settings).")
    flags.DEFINE_multi_string("delta_x_projection", [], "KEY=VALUE settings of the projections onto "
                              "--delta_x_generator (igdtf.generative.ProjectionSettings: steps, learning_rate, "
                              "prior_weight, tolerance, objective_tolerance, window, restart_ratio, checks); repeat "
                              "for several.")
    flags.DEFINE_enum("autoattack_version", "standard", list(VERSIONS), "AutoAttack version (autoattack suite).")
    flags.DEFINE_enum("autoattack_norm", "linf", ["linf", "l2"], "AutoAttack threat model (autoattack suite).")
    flags.DEFINE_float("autoattack_epsilon", None, "AutoAttack radius in 1/255 units (default: --epsilon; "
                       "L2 ε = 0.5 is 127.5).")
    flags.DEFINE_list("undefended", [], "Names of models trained without a defence: the sanity checks "
                      "require PGD to break them (accuracy <= 5%).")


def _define_suite_settings() -> None:
    """The settings of the INA, RN, Gini, IOA and corruptions suites."""
    flags.DEFINE_list("ina_fractions", [f"{f:g}" for f in INA_FRACTIONS], "INA fractions of input elements, in (0, 1].")
    flags.DEFINE_list("rn_fractions", [f"{f:g}" for f in RN_FRACTIONS], "RN fractions of input elements, in (0, 1].")
    flags.DEFINE_integer("gini_block", None, "Block side r of the regional Gini (default: the dataset's).")
    flags.DEFINE_string("gini_global_channels", "keep", "Channels of the global Gini: keep, sum or max.")
    flags.DEFINE_string("gini_regional_channels", "sum", "Channels of the regional Gini: keep, sum or max.")
    flags.DEFINE_integer("ioa_centres", 10, "IOA: most attributed pixels occluded (N).")
    flags.DEFINE_integer("ioa_radius", None, "IOA: largest square radius R (default 4 up to 64 px, else 20).")
    flags.DEFINE_list("corruptions", list(NOISE_CORRUPTIONS), f"Corruptions of the corruptions suite: '{ALL}' (the 15 "
                      f"ImageNet-C corruptions and its 4 extra ones) or some of {', '.join(CORRUPTIONS)}.")
    flags.DEFINE_string("mce_baseline", None, "corruptions suite: the --model name whose errors the mean corruption "
                        "error (mCE) is relative to (default: the first --model).")
    flags.DEFINE_list("severities", [str(s) for s in SEVERITIES], "Corruption severities (1-5).")
    flags.DEFINE_string("corruptions_dir", None, "Read corruptions from this ImageNet-C style folder "
                        "(ROOT/<corruption>/<severity>/<class folder>/<images>) instead of generating them.")
    flags.DEFINE_string("corruption_class_folders", None, "File listing the class folders of --corruptions_dir "
                        "in label order, one per line (default: its sorted subfolders).")


def _define_output() -> None:
    """Figures, progress and where the report goes."""
    flags.DEFINE_integer("figure_images", 6, "Images per attribution-map grid (0: no grids).")
    flags.DEFINE_bool("gradcam", True, "Also draw tf-keras-vis GradCAM maps (models with conv layers).")
    flags.DEFINE_bool("progress", True, "Show a progress bar on stderr.")
    flags.DEFINE_string("output_dir", None, "Where report.json, report.md, outcomes.npz and figures go (a new or "
                        "empty folder, unless --overwrite).")
    flags.DEFINE_bool("overwrite", False, "Write into a non-empty --output_dir, replacing an earlier report there.")
