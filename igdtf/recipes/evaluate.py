"""Evaluate and compare trained models: the IGD paper's robustness suite as one command.

Command:
  python -m igdtf.evaluate --model standard=runs/qs/standard/model.keras \
      --model igd=runs/qs/igd/model.keras --dataset shapes --output_dir runs/eval
Writes OUTPUT_DIR/report.json, report.md (Tables 1-3, 5-7 and the curves), outcomes.npz
(per-sample values) and PNG figures (error curves, attribution-map grids).
Robustness error rates are measured on the test samples that every model classifies correctly.
Hardware: any. Expected time: on a shared 2-core CPU, every suite with saliency and IG maps
took about 10 minutes per quickstart model on 1000 Shapes images (IOA, IG and PGD-20 dominate);
--suite clean,pgd,gini,ina with saliency alone about 3 minutes.
Every setting is checked before a model is loaded: a bad flag exits at once with code 2, as does
a --output_dir that cannot be written or already holds files (without --overwrite). report.json
is written last, each file atomically: a killed evaluation leaves no report claiming to be whole.
"""

import dataclasses
import logging
import os
import re
import sys

import numpy as np
from absl import flags

from igdtf.attacks import PGD, VERSIONS, AutoAttack
from igdtf.attributions import ATTRIBUTIONS, DEFAULT_ATTRIBUTION
from igdtf.cli import check_output_dir, checked, run
from igdtf.data.corruptions import ALL, CORRUPTIONS, NOISE_CORRUPTIONS, SEVERITIES
from igdtf.data.dataset_options import dataset_options
from igdtf.data.pipeline import evaluation_pipeline
from igdtf.data.registry import DATASETS, dataset_info, load_split
from igdtf.data.specs import FORMS
from igdtf.errors import ConfigError
from igdtf.evaluation import (
    INA_FRACTIONS, RN_FRACTIONS, SUITES, SuiteSettings, add_robustness_checks, build_evaluators, build_report,
    compare_models, markdown_report, write_report,
)
from igdtf.evaluation.figures import write_attribution_grid, write_curve_figures
from igdtf.evaluation.protocol import check_comparable
from igdtf.evaluation.robustbench import protocol_max_samples
from igdtf.evaluation.alignment_suite import alignment_table, correlations
from igdtf.evaluation.alignment import TabulatedDirectionAlignment
from igdtf.evaluation.suites import DEFAULT_SUITES, ROBUSTNESS_SUITES, VECTOR_SUITES, check_suites
from igdtf.generative import ProjectionError, ProjectionSettings, load_conditional_generator, project_dataset
from igdtf.methods.teacher import load_teacher
from igdtf.validation import check_choice

flags.DEFINE_multi_string("model", None, "NAME=PATH of a model to compare (.keras file or SavedModel "
                          "folder); repeat for every model.")
flags.DEFINE_string("dataset", None, f"Dataset spec: a built-in name ({', '.join(DATASETS)}), {FORMS} "
                    "(README: Your own data).")
flags.DEFINE_integer("image_size", None, "Resize the images to this side with the dataset's evaluation "
                     "preprocessing (default: the models' input size).")
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory of tfds: specs and built-in datasets "
                    "(default: ~/tensorflow_datasets).")
flags.DEFINE_bool("download", False, "Let tensorflow-datasets download a tfds: or built-in dataset that is not "
                  "prepared.")
flags.DEFINE_string("split", None, "Dataset split (default: the dataset's evaluation split: test, or "
                    "validation where there is no labelled test split).")
flags.DEFINE_multi_string("dataset_option", [], "KEY=VALUE passed to the dataset's loader (Python literal "
                          "values), e.g. num_samples=1000 or holdout=0.1; repeat for several.")
flags.DEFINE_integer("max_samples", None, "Evaluate only the first N samples of the split.")
flags.DEFINE_bool("robustbench_protocol", False, "Evaluate the first 10000 images of the evaluation split (5000 "
                  "on ImageNet datasets), as RobustBench does (not with --max_samples or another --split). Any "
                  "run with the autoattack suite writes OUTPUT_DIR/robustbench/<model>.json.")
flags.DEFINE_integer("batch_size", 250, "Evaluation batch size. Random draws are seeded per batch, so "
                     "this is part of the protocol (recorded in the report).")
flags.DEFINE_list("suite", list(DEFAULT_SUITES), f"Suites to run, comma-separated: {', '.join(SUITES)} "
                  "(autoattack and alignment are opt-in: slow on a CPU; on vector datasets only clean and "
                  "alignment). pgd and autoattack bring the sanity suite with them.")
flags.DEFINE_list("attribution", [DEFAULT_ATTRIBUTION], "Attribution methods of the gini, ina and ioa "
                  f"suites and the figures: {', '.join(ATTRIBUTIONS)}.")
flags.DEFINE_integer("seed", 0, "Seed of every random draw (PGD starts, noise, random baselines).")
flags.DEFINE_float("epsilon", 8.0, "L-inf radius of the PGD evaluation, in 1/255 units.")
flags.DEFINE_float("step_size", 2.0, "PGD step size, in 1/255 units.")
flags.DEFINE_integer("pgd_steps", 20, "PGD steps.")
flags.DEFINE_integer("alignment_steps", 40, "alignment suite: PGD steps per ε of its L∞/L2 robustness curves "
                     "(ε50%); ᾱ_Δx is measured where the dataset has a closed-form Δx (spheres, squares) or "
                     "with --delta_x_generator, ᾱ_x always.")
flags.DEFINE_string("delta_x_generator", None, "alignment suite: a class-conditional generator G(z, class) saved "
                    "as .keras (inputs [z, class one-hot] or [z, class id], outputs images of the dataset's shape); "
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
flags.DEFINE_integer("figure_images", 6, "Images per attribution-map grid (0: no grids).")
flags.DEFINE_bool("gradcam", True, "Also draw tf-keras-vis GradCAM maps (models with conv layers).")
flags.DEFINE_bool("progress", True, "Show a progress bar on stderr.")
flags.DEFINE_string("output_dir", None, "Where report.json, report.md, outcomes.npz and figures go (a new or "
                    "empty folder, unless --overwrite).")
flags.DEFINE_bool("overwrite", False, "Write into a non-empty --output_dir, replacing an earlier report there.")
FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.evaluate")

_MODEL_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")


def parse_models(specs) -> dict[str, str]:
    """{name: path} from NAME=PATH specs; ConfigError on a malformed, duplicate or missing one."""
    if not specs:
        raise ConfigError("Give at least one --model NAME=PATH.")
    models = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not _MODEL_NAME.match(name) or not path:
            raise ConfigError(f"--model must be NAME=PATH with NAME made of letters, digits and _.+-; "
                              f"received {spec!r}.")
        if name in models:
            raise ConfigError(f"--model name {name!r} is given twice.")
        if not (os.path.isfile(path) or os.path.isfile(os.path.join(path, "saved_model.pb"))):
            raise ConfigError(f"--model {name}={path}: no such .keras file or SavedModel folder.")
        models[name] = path
    return models


def image_datasets() -> list[str]:
    """The registry datasets whose inputs are images [H, W, C]."""
    return [name for name, info in DATASETS.items() if len(info.image_shape) == 3]


def _numbers(name, values, kind):
    try:
        return tuple(kind(v) for v in values)
    except ValueError:
        raise ConfigError(f"--{name} takes comma-separated numbers, received {','.join(values)!r}.") from None


def settings_from_flags(info) -> SuiteSettings:
    """The suites' settings described by the flags (ConfigError if invalid)."""
    class_folders = None
    if FLAGS.corruption_class_folders:
        if not os.path.isfile(FLAGS.corruption_class_folders):
            raise ConfigError(f"--corruption_class_folders={FLAGS.corruption_class_folders}: no such file.")
        with open(FLAGS.corruption_class_folders) as f:
            class_folders = tuple(line.strip() for line in f if line.strip())
    overrides = dict(
        attributions=tuple(FLAGS.attribution), seed=FLAGS.seed,
        gini_channels=(FLAGS.gini_global_channels, FLAGS.gini_regional_channels),
        pgd=checked(PGD, epsilon=FLAGS.epsilon / 255, step_size=FLAGS.step_size / 255, steps=FLAGS.pgd_steps),
        ina_fractions=_numbers("ina_fractions", FLAGS.ina_fractions, float),
        rn_fractions=_numbers("rn_fractions", FLAGS.rn_fractions, float),
        ioa_centres=FLAGS.ioa_centres, corruptions=tuple(FLAGS.corruptions),
        severities=_numbers("severities", FLAGS.severities, int),
        corruptions_dir=FLAGS.corruptions_dir, corruption_class_folders=class_folders,
        alignment_steps=FLAGS.alignment_steps,
    )
    if "autoattack" in FLAGS.suite:
        epsilon = FLAGS.epsilon if FLAGS.autoattack_epsilon is None else FLAGS.autoattack_epsilon
        overrides["autoattack"] = checked(AutoAttack, norm=FLAGS.autoattack_norm, version=FLAGS.autoattack_version,
                                          epsilon=epsilon / 255)
    if FLAGS.gini_block is not None:
        overrides["gini_block"] = FLAGS.gini_block
    if FLAGS.ioa_radius is not None:
        overrides["ioa_radius"] = FLAGS.ioa_radius
    return checked(SuiteSettings.for_dataset, info, **overrides)


def projection_settings_from_flags() -> ProjectionSettings:
    """The projection settings of --delta_x_projection KEY=VALUE (ConfigError if invalid)."""
    types = {field.name: field.type for field in dataclasses.fields(ProjectionSettings)}
    values = {}
    for spec in FLAGS.delta_x_projection:
        key, sep, raw = spec.partition("=")
        if not sep or key not in types:
            raise ConfigError(f"--delta_x_projection must be KEY=VALUE with KEY one of {', '.join(types)}; "
                              f"received {spec!r}.")
        try:
            values[key] = types[key](raw)
        except ValueError:
            kind = "an integer" if types[key] is int else "a number"
            raise ConfigError(f"--delta_x_projection {key} takes {kind}, received {raw!r}.") from None
    return checked(ProjectionSettings, **values)


def delta_x_generator_from_flags(info, suites):
    """(the ConditionalGenerator of --delta_x_generator, its ProjectionSettings), or (None, None)
    without it; ConfigError for a generator that does not fit the dataset or unused flags."""
    if not FLAGS.delta_x_generator:
        if FLAGS.delta_x_projection or FLAGS.delta_x_projection_cache:
            raise ConfigError("--delta_x_projection and --delta_x_projection_cache need --delta_x_generator.")
        return None, None
    if "alignment" not in suites:
        raise ConfigError("--delta_x_generator estimates the Δx of the alignment suite; add it: "
                          "--suite=...,alignment.")
    if not os.path.isfile(FLAGS.delta_x_generator):
        raise ConfigError(f"--delta_x_generator={FLAGS.delta_x_generator}: no such .keras file.")
    settings = projection_settings_from_flags()
    return checked(load_conditional_generator, FLAGS.delta_x_generator, info.image_shape, info.num_classes), settings


def estimated_alignment(generator, settings, data, info) -> TabulatedDirectionAlignment:
    """ᾱ_Δx with Δx from projections of `data` onto `generator` (ConfigError if any did not converge)."""
    try:
        table = project_dataset(generator, data, settings, FLAGS.delta_x_projection_cache)
    except ProjectionError as error:
        raise ConfigError(f"{error} (--delta_x_projection steps=N, learning_rate=R or prior_weight=W)") from error
    return TabulatedDirectionAlignment(table, name="alpha_dx" if info.delta_x is None else "alpha_dx_estimated")


def fit_image_size(models: dict, info):
    """`info` at the models' input side, or at --image_size if given (ConfigError naming both
    sizes when the models take another); vector datasets unchanged."""
    shape = tuple(next(iter(models.values())).input_shape[1:])
    if len(info.image_shape) != 3 or len(shape) != 3:
        return info
    if FLAGS.image_size is not None and FLAGS.image_size != shape[0]:
        raise ConfigError(f"--image_size={FLAGS.image_size} resizes {info.name} to {FLAGS.image_size}x"
                          f"{FLAGS.image_size}, but the models take {shape[0]}x{shape[1]} images; drop --image_size "
                          f"(the default is the models' size) or pass --image_size={shape[0]}.")
    return checked(info.with_image_size, shape[0])


def check_models_fit(models: dict, info) -> None:
    """ConfigError unless every model takes the dataset's images and predicts its classes."""
    checked(check_comparable, models)
    for name, model in models.items():
        shape, classes = tuple(model.input_shape[1:]), model.output_shape[-1]
        if shape != tuple(info.image_shape) or classes != info.num_classes:
            raise ConfigError(f"Model {name} takes {shape} images with {classes} classes, but dataset "
                              f"{info.name} has {tuple(info.image_shape)} images with {info.num_classes} classes.")


def example_images(dataset, keep: np.ndarray, count: int):
    """The first `count` samples with keep[i] True (or the first `count` if there are none)."""
    chosen = np.flatnonzero(keep)[:count] if keep.any() else np.arange(min(count, keep.size))
    if not chosen.size:
        return None, None
    images, labels, start = [], [], 0
    for x, y in dataset:
        y = np.reshape(np.asarray(y), [-1])
        inside = chosen[(chosen >= start) & (chosen < start + len(y))] - start
        images.append(np.asarray(x)[inside])
        labels.append(y[inside])
        start += len(y)
        if start > chosen.max():
            break
    return np.concatenate(images), np.concatenate(labels)


def main(argv):
    del argv  # cli.run refuses positional arguments
    # Everything is checked before the first model is loaded.
    if not FLAGS.output_dir:
        raise ConfigError("--output_dir is required.")
    if not FLAGS.dataset:
        raise ConfigError(f"--dataset is required: a built-in name ({', '.join(DATASETS)}), {FORMS}.")
    options = dataset_options(FLAGS.dataset, FLAGS.dataset_option, data_dir=FLAGS.data_dir, download=FLAGS.download)
    info = checked(dataset_info, FLAGS.dataset, **options)
    if FLAGS.image_size is not None:
        info = checked(info.with_image_size, FLAGS.image_size)
    suites = checked(check_suites, FLAGS.suite)
    is_image = len(info.image_shape) == 3
    if not is_image and not set(suites) <= set(VECTOR_SUITES):
        raise ConfigError(f"Suites {', '.join(s for s in suites if s not in VECTOR_SUITES)} need image datasets; "
                          f"{info.name} holds vectors of shape {tuple(info.image_shape)}. On it choose among "
                          f"--suite={','.join(VECTOR_SUITES)}; image datasets: {', '.join(image_datasets())}.")
    split = FLAGS.split or info.evaluation_split
    checked(check_choice, f"split of {info.name}", split, info.splits)
    if any(name in suites for name in ROBUSTNESS_SUITES) and "sanity" not in suites:
        suites += ("sanity",)  # no robustness number without its sanity checks
    settings = settings_from_flags(info)
    model_paths = parse_models(FLAGS.model)
    unknown = [name for name in FLAGS.undefended if name not in model_paths]
    if unknown:
        raise ConfigError(f"--undefended names {', '.join(unknown)}, not among the --model names "
                          f"({', '.join(model_paths)}).")
    if FLAGS.mce_baseline is not None and (FLAGS.mce_baseline not in model_paths or "corruptions" not in suites):
        raise ConfigError(f"--mce_baseline={FLAGS.mce_baseline} must name one of the --model names "
                          f"({', '.join(model_paths)}) and needs --suite=...,corruptions.")
    for name in ("batch_size", "max_samples"):
        if FLAGS[name].value is not None and FLAGS[name].value < 1:
            raise ConfigError(f"--{name} must be >= 1, received {FLAGS[name].value}.")
    if FLAGS.figure_images < 0:
        raise ConfigError(f"--figure_images must be >= 0, received {FLAGS.figure_images}.")
    max_samples = FLAGS.max_samples
    if FLAGS.robustbench_protocol:
        max_samples = checked(protocol_max_samples, info.name, FLAGS.split, info.evaluation_split, max_samples)
    evaluators = checked(build_evaluators, suites, settings)
    generator, projection = delta_x_generator_from_flags(info, suites)
    check_output_dir(FLAGS.output_dir, overwrite=FLAGS.overwrite)

    samples = checked(load_split, info.name, split, image_size=info.image_shape[0], **options)  # fails fast
    models = {name: checked(load_teacher, path) for name, path in model_paths.items()}
    checked(check_comparable, models)
    sized = fit_image_size(models, info)
    if sized is not info:  # the settings and Δx generator of the models' size
        info = sized
        settings = settings_from_flags(info)
        evaluators = checked(build_evaluators, suites, settings)
        generator, projection = delta_x_generator_from_flags(info, suites)
        samples = checked(load_split, info.name, split, image_size=info.image_shape[0], **options)
    check_models_fit(models, info)
    if max_samples:
        samples = samples.take(max_samples)
    data = evaluation_pipeline(samples, FLAGS.batch_size)
    if generator is not None:  # after the models fit: the projections take a while
        evaluators.append(estimated_alignment(generator, projection, data, info))

    comparison = compare_models(models, data, evaluators, progress=FLAGS.progress)
    report = build_report(
        comparison, evaluators, dataset=info.name, split=split, dataset_options=options, data=info.describe(),
        max_samples=max_samples, robustbench_protocol=FLAGS.robustbench_protocol, batch_size=FLAGS.batch_size,
        seed=FLAGS.seed, models=model_paths,
        suites=list(suites), settings=dataclasses.asdict(settings), command=sys.argv,
        delta_x_generator=FLAGS.delta_x_generator, mce_baseline=FLAGS.mce_baseline,
    )
    if "alignment" in suites:
        table = alignment_table(comparison.summaries)
        report["alignment"] = {"table": table, "correlations": correlations(table)}
    if "sanity" in suites:
        add_robustness_checks(report, undefended=FLAGS.undefended)  # logs every failed check loudly
    report["figures"] = write_curve_figures(report, FLAGS.output_dir)
    images, labels = example_images(data, comparison.correct_by_all, FLAGS.figure_images if is_image else 0)
    if images is not None:
        for attribution in list(settings.attributions) + (["gradcam"] if FLAGS.gradcam else []):
            file_name = f"attributions_{attribution}.png"
            if write_attribution_grid(models, images, labels, attribution, os.path.join(FLAGS.output_dir, file_name),
                                      info.class_names, FLAGS.seed):
                report["figures"].append(file_name)
    write_report(report, comparison, FLAGS.output_dir)
    print(markdown_report(report))
    print(f"Report: {os.path.join(FLAGS.output_dir, 'report.md')}")


if __name__ == "__main__":
    run(main)
