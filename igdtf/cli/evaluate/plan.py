"""The checked plan of one evaluation, built from the flags before any model is loaded: the
dataset and split, the suites and their settings, the evaluators and the models' paths."""

import dataclasses
import os
import re

from absl import flags

from igdtf.attacks import PGD, AutoAttack
from igdtf.cli import check_output_dir
from igdtf.data.dataset_options import dataset_options
from igdtf.data.registry import DATASETS, DatasetInfo, dataset_info
from igdtf.data.sources.specs import FORMS
from igdtf.errors import ConfigError, checked
from igdtf.evaluation import SuiteSettings, build_evaluators
from igdtf.evaluation.reporting.robustbench import protocol_max_samples
from igdtf.evaluation.evaluators.suites import ROBUSTNESS_SUITES, VECTOR_SUITES, check_suites
from igdtf.generative import ConditionalGenerator, ProjectionSettings
from igdtf.cli.evaluate.delta_x import delta_x_generator_from_flags
from igdtf.cli.evaluate.runs import DEFAULT_EPSILON, evaluation_epsilon, seed_models
from igdtf.cli.pixel_flags import pixel_distance
from igdtf.models.saved_model_copy import SAVED_MODEL_FILE
from igdtf.runs.files import BEST_MODEL_FILE, CHECKPOINTS_DIR, MODEL_FILE, is_run_directory
from igdtf.validation import check_choice

FLAGS = flags.FLAGS
_MODEL_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")


def parse_models(specs, seed_runs: bool = False) -> dict[str, str]:
    """{name: path} from NAME=PATH specs (PATH: a .keras file, a SavedModel or a run folder; with
    `seed_runs`, folders of seed runs; a bare existing PATH is named after its last component);
    ConfigError on a malformed, duplicate or missing one."""
    if not specs:
        raise ConfigError("Give at least one --model NAME=PATH.")
    models = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep and os.path.exists(spec):  # --model RUN_DIR: named after the folder or file
            path, sep = spec, "="
            name = re.sub(r"[^A-Za-z0-9_.+-]", "_", os.path.splitext(os.path.basename(os.path.normpath(spec)))[0])
        if not sep or not _MODEL_NAME.match(name) or not path:
            raise ConfigError(f"--model must be NAME=PATH with NAME made of letters, digits and _.+-; "
                              f"received {spec!r}.")
        if name in models:
            raise ConfigError(f"--model name {name!r} is given twice.")
        if seed_runs and not os.path.isdir(path):
            raise ConfigError(f"--model {name}={path}: no such folder of seed runs (--seed_runs).")
        if not seed_runs and not (os.path.isfile(path) or os.path.isfile(os.path.join(path, SAVED_MODEL_FILE))
                                  or is_run_directory(path)):
            raise ConfigError(f"--model {name}={path}: no such .keras file, SavedModel folder or run folder of "
                              f"igdtf.training (one holding {MODEL_FILE}, {BEST_MODEL_FILE} or {CHECKPOINTS_DIR}/).")
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


def settings_from_flags(info, epsilon: float) -> SuiteSettings:
    """The suites' settings described by the flags at `epsilon` (1/255 units; ConfigError if invalid)."""
    class_folders = None
    if FLAGS.corruption_class_folders:
        if not os.path.isfile(FLAGS.corruption_class_folders):
            raise ConfigError(f"--corruption_class_folders={FLAGS.corruption_class_folders}: no such file.")
        with open(FLAGS.corruption_class_folders) as f:
            class_folders = tuple(line.strip() for line in f if line.strip())
    overrides = dict(
        attributions=tuple(FLAGS.attribution), seed=FLAGS.seed,
        gini_channels=(FLAGS.gini_global_channels, FLAGS.gini_regional_channels),
        pgd=checked(PGD, epsilon=pixel_distance("epsilon", epsilon), steps=FLAGS.pgd_steps,
                    step_size=epsilon / 4 / 255 if FLAGS.step_size is None else
                    pixel_distance("step_size", FLAGS.step_size)),
        ina_fractions=_numbers("ina_fractions", FLAGS.ina_fractions, float),
        rn_fractions=_numbers("rn_fractions", FLAGS.rn_fractions, float),
        ioa_centres=FLAGS.ioa_centres, corruptions=tuple(FLAGS.corruptions),
        severities=_numbers("severities", FLAGS.severities, int),
        corruptions_dir=FLAGS.corruptions_dir, corruption_class_folders=class_folders,
        alignment_steps=FLAGS.alignment_steps,
    )
    if FLAGS.autoattack_epsilon is not None:  # checked (and echoed as given) even when no AutoAttack runs
        pixel_distance("autoattack_epsilon", FLAGS.autoattack_epsilon, zero_allowed=False)
    if "autoattack" in FLAGS.suite:
        name, radius = ("epsilon", epsilon) if FLAGS.autoattack_epsilon is None else \
            ("autoattack_epsilon", FLAGS.autoattack_epsilon)
        overrides["autoattack"] = checked(AutoAttack, norm=FLAGS.autoattack_norm, version=FLAGS.autoattack_version,
                                          epsilon=pixel_distance(name, radius, zero_allowed=False))
    if FLAGS.gini_block is not None:
        overrides["gini_block"] = FLAGS.gini_block
    if FLAGS.ioa_radius is not None:
        overrides["ioa_radius"] = FLAGS.ioa_radius
    return checked(SuiteSettings.for_dataset, info, **overrides)


@dataclasses.dataclass(frozen=True)
class Plan:
    """What one evaluation runs. generator/projection: the --delta_x_generator and its
    ProjectionSettings, or None. epsilon: the PGD ε in 1/255 units, and where it comes from
    (evaluate_runs.evaluation_epsilon). seed_models: with --seed_runs, {seed: {name: run dir}}."""

    info: DatasetInfo
    options: dict
    split: str
    suites: tuple
    settings: SuiteSettings
    evaluators: list
    generator: ConditionalGenerator | None
    projection: ProjectionSettings | None
    model_paths: dict
    max_samples: int | None
    epsilon: float = DEFAULT_EPSILON
    epsilon_source: str = "default"
    seed_models: dict | None = None


def plan_from_flags() -> Plan:
    """The plan the flags describe, every setting checked (ConfigError naming the first bad one);
    also checks that --output_dir can be written."""
    options, info, suites, split = _dataset_from_flags()
    model_paths, max_samples = _run_options_from_flags(info, suites)
    seeds = seed_models(model_paths) if FLAGS.seed_runs else None
    runs = {f"{name} (seed {seed})": path for seed, paths in seeds.items() for name, path in paths.items()} \
        if seeds else model_paths
    epsilon, source = evaluation_epsilon(runs, FLAGS.epsilon)
    settings = settings_from_flags(info, epsilon)
    evaluators, generator, projection = _evaluators(info, suites, settings)
    check_output_dir(FLAGS.output_dir, overwrite=FLAGS.overwrite)
    return Plan(info, options, split, suites, settings, evaluators, generator, projection, model_paths, max_samples,
                epsilon, source, seeds)


def plan_at(plan: Plan, info: DatasetInfo) -> Plan:
    """`plan` for `info` (the dataset at the models' image size): its settings, evaluators and
    Δx generator made anew."""
    settings = settings_from_flags(info, plan.epsilon)
    evaluators, generator, projection = _evaluators(info, plan.suites, settings)
    return dataclasses.replace(plan, info=info, settings=settings, evaluators=evaluators, generator=generator,
                               projection=projection)


def _evaluators(info, suites, settings) -> tuple:
    """(evaluators of the suites, the Δx generator, its ProjectionSettings)."""
    return (checked(build_evaluators, suites, settings), *delta_x_generator_from_flags(info, suites))


def _dataset_from_flags() -> tuple:
    """(loader options, DatasetInfo, suites, split) of the flags, checked against each other."""
    if not FLAGS.output_dir:
        raise ConfigError("--output_dir is required.")
    if not FLAGS.dataset:
        raise ConfigError(f"--dataset is required: a built-in name ({', '.join(DATASETS)}), {FORMS}.")
    options = dataset_options(FLAGS.dataset, FLAGS.dataset_option, data_dir=FLAGS.data_dir, download=FLAGS.download)
    info = checked(dataset_info, FLAGS.dataset, **options)
    if FLAGS.image_size is not None:
        info = checked(info.with_image_size, FLAGS.image_size)
    suites = checked(check_suites, FLAGS.suite)
    if len(info.image_shape) != 3 and not set(suites) <= set(VECTOR_SUITES):
        raise ConfigError(f"Suites {', '.join(s for s in suites if s not in VECTOR_SUITES)} need image datasets; "
                          f"{info.name} holds vectors of shape {tuple(info.image_shape)}. On it choose among "
                          f"--suite={','.join(VECTOR_SUITES)}; image datasets: {', '.join(image_datasets())}.")
    split = FLAGS.split or info.evaluation_split
    checked(check_choice, f"split of {info.name}", split, info.splits)
    if any(name in suites for name in ROBUSTNESS_SUITES) and "sanity" not in suites:
        suites += ("sanity",)  # no robustness number without its sanity checks
    return options, info, suites, split


def _run_options_from_flags(info, suites) -> tuple:
    """({model name: path}, the number of samples to evaluate or None), checked."""
    model_paths = parse_models(FLAGS.model, FLAGS.seed_runs)
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
    return model_paths, max_samples
