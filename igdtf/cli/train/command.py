"""The training command line every dataset recipe and `python -m igdtf.recipes.train` share:
flags → data → teacher → training → evaluation → report → SavedModel. A dataset's recipe module
(igdtf/recipes/<dataset>.py) is its docstring and one call to recipes/dataset_entry.py.

Run directory (--output_dir; with --seeds one per seed, OUTPUT_DIR/seed_<s>/, plus
OUTPUT_DIR/summary.json and summary.md over the seeds):
  run.json, checkpoints/, history.csv, best.keras, best.json, model.keras, tensorboard/
                 the student's run (igdtf/training/), validated on --validation (default: a
                 holdout of the training split; cli/train/data.py)
  teacher/       the standard teacher's run, with --teacher=train
  report.json, report.md, outcomes.npz, error_curves.png, attributions_saliency.png
                 the final evaluation of the best checkpoint (and of the teacher) on the test
                 split: clean and PGD accuracy, Gini of saliency maps, inductive noise, the
                 robustness sanity checks (--eval_sanity_checks) and, with --eval_autoattack,
                 AutoAttack; the figures (final_report.py)
  export/<method>/1/   the best checkpoint as a SavedModel for TF Serving
"""

import dataclasses
import logging
import os

import tensorflow as tf
from absl import flags

from igdtf.attacks import AutoAttack
from igdtf.cli import check_output_dir, data_flags, seed_flags, training_flags
from igdtf.cli.method_flags import given_flags
from igdtf.cli.pixel_flags import pixel_distance
from igdtf.cli.seed_flags import define_seeds_flag, seed_runs, write_summary
from igdtf.cli.train import data as train_data
from igdtf.cli.train.data import RecipeData, define_validation_flag, load_recipe_data
from igdtf.cli.train.report import ReportSettings, write_final_report
from igdtf.cli.train.teacher import (
    check_teacher_flags, recipe_teacher, standard_teacher_config, teacher_path, teacher_settings,
)
from igdtf.data.dataset_options import dataset_options
from igdtf.data.holdout import parse_validation
from igdtf.data.pipeline import EpochBatches, evaluation_pipeline
from igdtf.data.registry import DatasetInfo, dataset_info
from igdtf.distribute import is_chief, make_strategy
from igdtf.errors import ConfigError, checked
from igdtf.evaluation import AttributionGini
from igdtf.evaluation.reporting.tensorboard import training_probes
from igdtf.runs.files import TEACHER_DIR
from igdtf.runs.lock import hold_folder
from igdtf.runs.run_file import check_run_directory
from igdtf.training import TensorBoardOptions, run_settings, train_model
from igdtf.training.fitted_defaults import FITTED, fit_config, has_batchnorm
from igdtf.training.init_from import check_student, recorded_initial_model, untrained_student
from igdtf.validation import check_fraction, check_positive_int

FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.recipes")

# Loader options beyond manual_dir and data_dir, per dataset (None: the general entry, any spec).
_EXTRA_DATA_FLAGS = {"cifar10": ("download",), "cifar100": ("download",), "stl10": ("download",),
                     "imagenet100": ("class_list",), "tinyimagenet": (), None: ("download", "class_list")}
_DATA_FLAGS = ("manual_dir", "data_dir", "download", "class_list")


def define_flags(dataset: str | None, defaults: dict) -> None:
    """Defines the shared training flags (with this dataset's `defaults`) and the data flags;
    dataset None (igdtf.recipes.train) adds --dataset=SPEC and --dataset_option."""
    training_flags.define_training_flags(defaults)
    define_validation_flag()
    define_seeds_flag()
    flags.adopt_module_key_flags(train_data)  # recipes adopting this module's flags list them in --help
    flags.adopt_module_key_flags(seed_flags)
    if dataset is None:
        for name in FITTED:  # igdtf.recipes.train fits these to the data (fitted_defaults.py)
            flags.FLAGS[name].help += (" igdtf.recipes.train: unless given, fitted to the data size and the "
                                       "architecture (README, 'Your own data'); the flag's default is not used.")
        image_size, image_size_default = None, "default: the dataset's"
    else:
        image_size = dataset_info(dataset).image_shape[0]
        image_size_default = f"default {image_size}"
    flags.DEFINE_string("output_dir", f"runs/{dataset or 'train'}", "Run directory (checkpoints, logs, report, "
                        "export).")
    flags.DEFINE_integer("image_size", image_size, f"Side of the (square) training images in pixels, resized "
                         f"with the dataset's evaluation preprocessing ({image_size_default}).")
    flags.DEFINE_bool("prepare_only", False, "Build or check the dataset's records, then exit (run this "
                      "once before a multi-worker run).")
    extra = _EXTRA_DATA_FLAGS[dataset]
    data_flags.define_data_flags(dataset="" if dataset is None else None, dataset_option=dataset is None,
                                 download="download" in extra, manual_dir=data_flags.MANUAL_DIR_DEFAULT,
                                 class_list="class_list" in extra)
    flags.adopt_module_key_flags(data_flags)
    if dataset is None:
        flags.mark_flag_as_required("dataset")


def recipe_main(dataset: str | None):
    """The absl main function of `dataset`'s recipe (None: of the spec --dataset names)."""

    def main(argv):
        del argv
        run_recipe(dataset or FLAGS.dataset, fit_defaults=dataset is None)

    return main


def _report_settings(config) -> ReportSettings:
    examples = FLAGS.eval_examples
    if examples is not None:
        checked(check_positive_int, "eval_examples", examples)
    try:
        fractions = tuple(check_fraction("INA fraction", float(f)) for f in FLAGS.ina_fractions)
    except ValueError as error:
        raise ConfigError(f"--ina_fractions: {error}") from None
    steps = checked(check_positive_int, "eval_pgd_steps", FLAGS.eval_pgd_steps)
    step_size = config.attack.epsilon / 4 if FLAGS.eval_step_size is None else \
        pixel_distance("eval_step_size", FLAGS.eval_step_size)
    attack = checked(dataclasses.replace, config.attack, steps=steps, step_size=step_size)
    batch_size = checked(check_positive_int, "eval_batch_size", FLAGS.eval_batch_size)
    autoattack = None
    if FLAGS.eval_autoattack:
        if not config.attack.epsilon > 0:
            raise ConfigError(f"--eval_autoattack needs --epsilon > 0, received {FLAGS.epsilon}.")
        autoattack = checked(AutoAttack, norm="linf", epsilon=config.attack.epsilon,
                             version=FLAGS.eval_autoattack_version)
    return ReportSettings(batch_size, examples, attack, fractions, FLAGS.eval_sanity_checks, autoattack)


def _data_options(dataset: str) -> dict:
    """--dataset_option (general entry) and the data flags the dataset's loader takes."""
    values = {name: FLAGS[name].value for name in _DATA_FLAGS if name in FLAGS}
    return dataset_options(dataset, FLAGS["dataset_option"].value if "dataset_option" in FLAGS else [], **values)


def run_recipe(dataset: str, fit_defaults: bool = False) -> None:
    """One run per seed of --seeds (or of --seed) of the recipe; `fit_defaults` (the general entry)
    fits the optimisation settings not given on the command line to the data and architecture."""
    strategy = checked(make_strategy, FLAGS.strategy)  # first: multi_worker must precede other TF ops
    config = training_flags.config_from_flags(FLAGS)
    report_settings = _report_settings(config)
    choice = checked(parse_validation, FLAGS.validation)
    options = _data_options(dataset)
    info = checked(checked(dataset_info, dataset, **options).with_image_size, FLAGS.image_size)
    check_teacher_flags(config)
    output_dir = FLAGS.output_dir
    check_output_dir(output_dir)
    hold_folder(output_dir, strategy=strategy)  # one run per folder: the chief holds it, workers check
    seeds = seed_runs(FLAGS, output_dir)
    if FLAGS.deterministic:
        tf.config.experimental.enable_op_determinism()
    examples = info.loader("train", **options)  # builds the records if needed; fails fast on bad data
    info = info.with_recorded_class_names(**options)
    if FLAGS.prepare_only:
        log.info("%s: records ready (%d training examples).", dataset, int(examples.cardinality()))
        return
    data = load_recipe_data(dataset, info, options, examples, choice, report_settings.examples)
    protocol = {"validation": data.report_entry()}
    if fit_defaults:
        config, protocol["fitted_settings"] = _fitted(config, info, data, seeds[0][1])
    # Before any training: every run directory must hold its run with these settings (or nothing).
    runs = [_seed_run(dataclasses.replace(config, seed=seed), info, data, run_dir) for seed, run_dir in seeds]
    for run in runs:
        _train_and_report(dataset, run, info, data, report_settings, strategy, protocol)
    if FLAGS.seeds is not None and is_chief(strategy):
        path = write_summary(output_dir, [seed for seed, _ in seeds], f"{dataset}: {config.method} over seeds")
        print(f"Summary over seeds: {path} (and summary.json); per seed: {output_dir}/seed_<s>/report.md\n"
              f"Training curves and probes of every seed: tensorboard --logdir {output_dir}")


def _fitted(config, info: DatasetInfo, data: RecipeData, run_dir: str) -> tuple:
    """(config, record): the optimisation settings not given on the command line fitted to the
    number of training examples and to whether the architecture has BatchNorm (fitted_defaults.py)."""
    num_examples = int(data.training.cardinality())
    batchnorm = has_batchnorm(_untrained_student(config, info, run_dir))
    config, record = checked(fit_config, config, num_examples, batchnorm, given_flags(FLAGS))
    log.info("Settings fitted to %d training images and %s (architecture %s BatchNorm): %s; given on the command "
             "line: %s.", num_examples, config.arch, "with" if record["architecture_has_batchnorm"] else "without",
             ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in record["fitted"].items()),
             ", ".join(record["given"]) or "none")
    return config, record


def _untrained_student(config, info: DatasetInfo, run_dir: str):
    """The student of `config` before training: a model that cannot train on this data is refused
    naming its flag (check_student); a started --init_from run in `run_dir` gives its recorded
    initial model (resuming needs no source)."""
    checked(check_student, config, info, run_dir)
    recorded = recorded_initial_model(config, run_dir)
    if recorded is not None:
        return checked(recorded.build, run_dir)
    return checked(untrained_student, config, info)


@dataclasses.dataclass(frozen=True)
class _SeedRun:
    """One seed's run: its config, its teacher's (None unless --teacher=train), its directory
    and the settings run.json records beside the config."""

    config: object
    teacher_config: object
    run_dir: str
    settings: dict


def _seed_run(config, info: DatasetInfo, data: RecipeData, run_dir: str) -> _SeedRun:
    """The run of one seed, its directories checked (ConfigError before any work)."""
    teacher_config = standard_teacher_config(config, os.path.join(run_dir, TEACHER_DIR))
    checked(check_student, config, info, run_dir)  # a model that cannot train on this data stops the run now
    if teacher_config is not None:
        checked(check_student, teacher_config, info, os.path.join(run_dir, TEACHER_DIR), "teacher_arch")
    settings = _recorded_settings(info, teacher_config, data.record)
    check_run_directory(run_dir, config.identity(info), FLAGS.resume, run_settings(config, info, settings),
                        FLAGS.extend_epochs)
    if teacher_config is not None:
        check_run_directory(os.path.join(run_dir, TEACHER_DIR), teacher_config.identity(info), FLAGS.resume,
                            run_settings(teacher_config, info, teacher_settings(settings)))
    return _SeedRun(config, teacher_config, run_dir, settings)


def _train_and_report(dataset: str, run: _SeedRun, info: DatasetInfo, data: RecipeData, report_settings,
                      strategy, protocol: dict) -> None:
    config, size = run.config, info.image_shape[0]
    validation = evaluation_pipeline(data.validation, report_settings.batch_size)
    train = checked(
        EpochBatches, data.training, lambda image, seed: info.preprocess.train(image, seed, size), config.batch_size,
        seed=config.seed, shuffle_buffer=FLAGS.shuffle_buffer or info.shuffle_buffer,
        deterministic=FLAGS.deterministic, cutout_size=FLAGS.pipeline_cutout,
    )
    tensorboard = TensorBoardOptions(
        probes=training_probes(_probe(data.validation, FLAGS.probe_examples),
                               (AttributionGini(block=info.gini_block),)),
        every_steps=FLAGS.tensorboard_every_steps,
        hparams={**dataclasses.asdict(config), "dataset": info.name, "image_size": size, "strategy": FLAGS.strategy,
                 "replicas": strategy.num_replicas_in_sync},
    )
    teacher = recipe_teacher(config, run.teacher_config, run.run_dir, teacher_settings(run.settings), info, train,
                             validation, strategy, tensorboard)
    train_model(config, info, train, run.run_dir, validation_data=validation, teacher=teacher,
                strategy=strategy, resume=FLAGS.resume, tensorboard=tensorboard, settings=run.settings,
                extend_epochs=FLAGS.extend_epochs)
    if is_chief(strategy):
        test = evaluation_pipeline(data.test, report_settings.batch_size)
        write_final_report(dataset, config, info, run.run_dir, test, report_settings, teacher_path(), **protocol)


def _probe(held_out: tf.data.Dataset, count: int):
    if not count:
        return None
    images, labels = next(iter(held_out.batch(count)))
    return images.numpy(), labels.numpy()


def _recorded_settings(info: DatasetInfo, teacher_config, validation: dict) -> dict:
    """The recipe's settings that change the training result besides the TrainConfig, for run.json:
    data options (augmentation, shuffling, class list, evaluation examples), the validation data
    (which images are held out of training) and the teacher."""
    data = {"pipeline_cutout": FLAGS.pipeline_cutout, "shuffle_buffer": FLAGS.shuffle_buffer or info.shuffle_buffer,
            "validation_examples": FLAGS.eval_examples, "validation_batch_size": FLAGS.eval_batch_size}
    if "class_list" in FLAGS:  # the recipes whose data takes a class list (imagenet100, the general entry)
        data["class_list"] = FLAGS.class_list
    if "dataset_option" in FLAGS:  # the general entry's --dataset_option values
        data["dataset_options"] = sorted(FLAGS.dataset_option)
    teacher = teacher_path()
    if teacher_config is not None:
        teacher = f"standard, {teacher_config.epochs} epochs, in teacher/"
    return {"data": data, "validation": validation, "teacher": teacher}
