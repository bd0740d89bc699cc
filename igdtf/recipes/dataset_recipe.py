"""The recipe every dataset shares: flags → data → teacher → training → evaluation → report →
SavedModel. A dataset's recipe module only states its defaults and docstring.

Run directory (--output_dir):
  run.json, checkpoints/, history.csv, best.keras, best.json, model.keras, tensorboard/
                 the student's run (igdtf/training/)
  teacher/       the standard teacher's run, when a distillation method trains its own
  report.json, report.md, outcomes.npz
                 the final evaluation of the best checkpoint (and of the teacher) on the
                 held-out split: clean and PGD accuracy, Gini of saliency maps, inductive noise,
                 the robustness sanity checks (--eval_sanity_checks) and, with --eval_autoattack,
                 AutoAttack
  export/<method>/1/   the best checkpoint as a SavedModel for TF Serving
"""

import contextlib
import dataclasses
import logging
import os

import keras
import tensorflow as tf
from absl import flags

from igdtf.attacks import PGD, AutoAttack
from igdtf.data.pipeline import EpochBatches, evaluation_pipeline
from igdtf.data.registry import DATASETS, DatasetInfo, dataset_info, load_split
from igdtf.data.specs import FORMS
from igdtf.distribute import is_chief, make_strategy
from igdtf.errors import ConfigError
from igdtf.evaluation import (
    AttributionGini, AutoAttackAccuracy, InductiveNoise, PGDAccuracy, RobustnessChecks, add_robustness_checks,
    build_report, compare_models, markdown_report, write_report,
)
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.methods import load_teacher, teacher_requirement
from igdtf.methods.teacher import check_teacher_shape
from igdtf.precision import float32_compute
from igdtf.recipes import training_flags
from igdtf.recipes.model_flags import teacher_model_settings
from igdtf.data.dataset_options import dataset_options
from igdtf.cli import check_output_dir, checked
from igdtf.run_lock import hold_folder
from igdtf.training import TensorBoardOptions, run_settings, train_model
from igdtf.training.init_from import check_student
from igdtf.training.overfitting_guard import read_overfitting
from igdtf.training.run_dir import TEACHER_DIR, load_classifier, started_from
from igdtf.training.run_record import check_run_directory, read_run_file, recorded_epochs
from igdtf.validation import check_fraction, check_positive_int

FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.recipes")

SANITY_GRID = (0.0, 0.5, 1.0)  # multiples of the evaluation ε for the sanity checks' PGD runs

# Loader options beyond manual_dir and data_dir, per dataset (None: the general entry, any spec).
_EXTRA_DATA_FLAGS = {"cifar10": ("download",), "cifar100": ("download",), "stl10": ("download",),
                     "imagenet100": ("class_list",), "tinyimagenet": (), None: ("download", "class_list")}
_DATA_FLAGS = ("manual_dir", "data_dir", "download", "class_list")


def define_flags(dataset: str | None, defaults: dict) -> None:
    """Defines the shared training flags (with this dataset's `defaults`) and the data flags;
    dataset None (igdtf.recipes.train) adds --dataset=SPEC and --dataset_option."""
    training_flags.define_training_flags(defaults)
    if dataset is None:
        flags.DEFINE_string("dataset", None, f"Dataset spec: a built-in name ({', '.join(sorted(DATASETS))}), "
                            f"{FORMS} (README: Your own data).")
        flags.DEFINE_multi_string("dataset_option", [], "KEY=VALUE option of the dataset (Python literal values), "
                                  "e.g. holdout=0.1 for folder:, image_key=NAME for tfds:; repeat for several.")
        flags.mark_flag_as_required("dataset")
        image_size, image_size_default = None, "default: the dataset's"
    else:
        image_size = dataset_info(dataset).image_shape[0]
        image_size_default = f"default {image_size}"
    flags.DEFINE_string("output_dir", f"runs/{dataset or 'train'}", "Run directory (checkpoints, logs, report, "
                        "export).")
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory for the built records "
                        "(default: ~/tensorflow_datasets).")
    flags.DEFINE_string("manual_dir", None, "Folder holding the dataset's archive(s); see BUILD.md "
                        "(default: ~/tensorflow_datasets/downloads/manual).")
    flags.DEFINE_integer("image_size", image_size, f"Side of the (square) training images in pixels, resized "
                         f"with the dataset's evaluation preprocessing ({image_size_default}).")
    flags.DEFINE_bool("prepare_only", False, "Build or check the dataset's records, then exit (run this "
                      "once before a multi-worker run).")
    if "download" in _EXTRA_DATA_FLAGS[dataset]:
        flags.DEFINE_bool("download", False, "Let tensorflow-datasets download the archive if it is not in "
                          "--manual_dir (or a tfds: dataset that is not prepared in --data_dir).")
    if "class_list" in _EXTRA_DATA_FLAGS[dataset]:
        flags.DEFINE_string("class_list", None, "File of 100 ILSVRC2012 WNIDs, one per line (default: the "
                            "CMC list shipped as igdtf/data/imagenet100_wnids.txt).")


def recipe_main(dataset: str | None):
    """The absl main function of `dataset`'s recipe (None: of the spec --dataset names)."""

    def main(argv):
        del argv
        run_recipe(dataset or FLAGS.dataset)

    return main


@dataclasses.dataclass(frozen=True)
class _Evaluation:
    """The settings of validation and the final report, checked before any work."""

    batch_size: int
    examples: int | None
    attack: PGD
    ina_fractions: tuple
    sanity_checks: bool
    autoattack: AutoAttack | None


def _evaluation_settings(config) -> _Evaluation:
    examples = FLAGS.eval_examples
    if examples is not None:
        checked(check_positive_int, "eval_examples", examples)
    try:
        fractions = tuple(check_fraction("INA fraction", float(f)) for f in FLAGS.ina_fractions)
    except ValueError as error:
        raise ConfigError(f"--ina_fractions: {error}") from None
    steps = checked(check_positive_int, "eval_pgd_steps", FLAGS.eval_pgd_steps)
    batch_size = checked(check_positive_int, "eval_batch_size", FLAGS.eval_batch_size)
    autoattack = None
    if FLAGS.eval_autoattack:
        if not config.attack.epsilon > 0:
            raise ConfigError(f"--eval_autoattack needs --epsilon > 0, received {FLAGS.epsilon}.")
        autoattack = checked(AutoAttack, norm="linf", epsilon=config.attack.epsilon,
                             version=FLAGS.eval_autoattack_version)
    return _Evaluation(batch_size, examples, dataclasses.replace(config.attack, steps=steps), fractions,
                       FLAGS.eval_sanity_checks, autoattack)


def _data_options(dataset: str) -> dict:
    """--dataset_option (general entry) and the data flags the dataset's loader takes."""
    values = {name: FLAGS[name].value for name in _DATA_FLAGS if name in FLAGS}
    return dataset_options(dataset, FLAGS["dataset_option"].value if "dataset_option" in FLAGS else [], **values)


def run_recipe(dataset: str) -> None:
    strategy = checked(make_strategy, FLAGS.strategy)  # first: multi_worker must precede other TF ops
    config = training_flags.config_from_flags(FLAGS)
    evaluation = _evaluation_settings(config)
    options = _data_options(dataset)
    info = checked(checked(dataset_info, dataset, **options).with_image_size, FLAGS.image_size)
    if FLAGS.teacher and not os.path.exists(FLAGS.teacher):
        raise ConfigError(f"--teacher={FLAGS.teacher} does not exist.")
    if teacher_requirement(config.method, config.method_options) == "robust" and not FLAGS.teacher:
        raise ConfigError(f"--method={config.method} needs a robust --teacher (.keras or SavedModel); only standard "
                          "teachers are trained here.")
    if FLAGS.teacher_epochs is not None:
        checked(check_positive_int, "teacher_epochs", FLAGS.teacher_epochs)
    output_dir = FLAGS.output_dir
    check_output_dir(output_dir)
    hold_folder(output_dir, strategy=strategy)  # one run per folder: the chief holds it, workers check
    teacher_config = _teacher_config(config, os.path.join(output_dir, TEACHER_DIR))
    checked(check_student, config, info, output_dir)  # a model that cannot train on this data stops the run now
    if teacher_config is not None:
        checked(check_student, teacher_config, info, os.path.join(output_dir, TEACHER_DIR), "teacher_arch")
    settings = _recorded_settings(dataset, info, teacher_config)
    # Before any work: the directories must hold these runs with these settings (or nothing).
    check_run_directory(output_dir, config.identity(info), FLAGS.resume, run_settings(config, info, settings),
                        FLAGS.extend_epochs)
    if teacher_config is not None:
        check_run_directory(os.path.join(output_dir, TEACHER_DIR), teacher_config.identity(info), FLAGS.resume,
                            run_settings(teacher_config, info, {"data": settings["data"]}))
    if FLAGS.deterministic:
        tf.config.experimental.enable_op_determinism()
    examples = info.loader("train", **options)  # builds the records if needed; fails fast on bad data
    info = info.with_recorded_class_names(**options)
    held_out = load_split(dataset, info.evaluation_split, image_size=info.image_shape[0], **options)
    if FLAGS.prepare_only:
        log.info("%s: records ready (%d training examples).", dataset, int(examples.cardinality()))
        return
    if evaluation.examples is not None:
        held_out = held_out.take(evaluation.examples)
    held_out_batches = evaluation_pipeline(held_out, evaluation.batch_size)
    size = info.image_shape[0]
    train = checked(
        EpochBatches, examples, lambda image, seed: info.preprocess.train(image, seed, size), config.batch_size,
        seed=config.seed, shuffle_buffer=FLAGS.shuffle_buffer or info.shuffle_buffer,
        deterministic=FLAGS.deterministic, cutout_size=FLAGS.pipeline_cutout,
    )
    tensorboard = TensorBoardOptions(
        probe=_probe(held_out, FLAGS.probe_examples), evaluators=(AttributionGini(block=info.gini_block),),
        every_steps=FLAGS.tensorboard_every_steps,
        hparams={**dataclasses.asdict(config), "dataset": info.name, "image_size": size, "strategy": FLAGS.strategy,
                 "replicas": strategy.num_replicas_in_sync},
    )
    teacher = _teacher(config, teacher_config, info, train, held_out_batches, strategy, tensorboard, output_dir,
                       settings)
    train_model(config, info, train, output_dir, validation_data=held_out_batches, teacher=teacher,
                strategy=strategy, resume=FLAGS.resume, tensorboard=tensorboard, settings=settings,
                extend_epochs=FLAGS.extend_epochs)
    if is_chief(strategy):
        _report(dataset, config, info, output_dir, held_out_batches, evaluation)


def _probe(held_out: tf.data.Dataset, count: int):
    if not count:
        return None
    images, labels = next(iter(held_out.batch(count)))
    return images.numpy(), labels.numpy()


def _teacher_config(config, teacher_dir: str):
    """The standard teacher's TrainConfig when the method needs a teacher and --teacher is not given:
    the student's settings (and model, unless --teacher_arch), method standard, --teacher_epochs epochs
    (default: --epochs; with --extend_epochs, the epochs the teacher in `teacher_dir` was trained
    for: only the student is extended); else None."""
    trained = teacher_requirement(config.method, config.method_options) is not None and not FLAGS.teacher
    model = teacher_model_settings(FLAGS, trained) or {}  # --teacher_arch, else the student's model
    if not trained:
        return None
    record = read_run_file(teacher_dir) if FLAGS.extend_epochs else None
    epochs = FLAGS.teacher_epochs or (record and recorded_epochs(record)) or config.epochs
    return dataclasses.replace(config, method="standard", method_options=None, eval_attack=None, epochs=epochs,
                               **model)


def _recorded_settings(dataset: str, info: DatasetInfo, teacher_config) -> dict:
    """The recipe's settings that change the training result besides the TrainConfig, for run.json:
    data options (augmentation, shuffling, class list, validation examples) and the teacher."""
    data = {"pipeline_cutout": FLAGS.pipeline_cutout, "shuffle_buffer": FLAGS.shuffle_buffer or info.shuffle_buffer,
            "validation_examples": FLAGS.eval_examples, "validation_batch_size": FLAGS.eval_batch_size}
    if "class_list" in FLAGS:  # the recipes whose data takes a class list (imagenet100, the general entry)
        data["class_list"] = FLAGS.class_list
    if "dataset_option" in FLAGS:  # the general entry's --dataset_option values
        data["dataset_options"] = sorted(FLAGS.dataset_option)
    teacher = None
    if FLAGS.teacher:
        teacher = FLAGS.teacher
    elif teacher_config is not None:
        teacher = f"standard, {teacher_config.epochs} epochs, in teacher/"
    return {"data": data, "teacher": teacher}


def _teacher(config, teacher_config, info: DatasetInfo, train, validation, strategy, tensorboard, output_dir,
             settings: dict):
    """The frozen teacher of a distillation method: --teacher, or a standard model trained into
    OUTPUT_DIR/teacher with `teacher_config`."""
    if teacher_requirement(config.method, config.method_options) is None:
        return None
    if FLAGS.teacher:
        with strategy.scope():
            teacher = load_teacher(FLAGS.teacher)
    else:
        teacher = train_model(teacher_config, info, train, os.path.join(output_dir, TEACHER_DIR),
                              validation_data=validation, strategy=strategy, name="teacher",
                              resume=FLAGS.resume, tensorboard=tensorboard, settings={"data": settings["data"]})
    teacher.trainable = False
    checked(check_teacher_shape, teacher, info.image_shape, info.num_classes)
    return teacher


def _load_for_evaluation(run_dir: str) -> tuple[keras.Model, dict]:
    """The best checkpoint of a run (or its final model) outside any strategy, and what it is:
    {"checkpoint": "best" or "final", ..., "segments": the epochs and settings run.json records,
    "started_from": the init record of a run started from another model (--init_from)}.
    UnreadableFileError naming a file that cannot be read (training.run_dir.load_classifier)."""
    recorded = {"segments": (read_run_file(run_dir) or {}).get("segments", []), **started_from(run_dir)}
    loaded = load_classifier(run_dir, best=True)
    if loaded.best is not None:
        return loaded.model, {"checkpoint": "best", **loaded.best, **recorded}
    return loaded.model, {"checkpoint": "final", **recorded}


def _report(dataset: str, config, info: DatasetInfo, output_dir: str, held_out, evaluation: _Evaluation) -> None:
    """Evaluates the best checkpoint (and the teacher) on the held-out split with the
    correct-by-all protocol; writes report.json/.md and outcomes.npz, and the SavedModel."""
    student, selected = _load_for_evaluation(output_dir)
    models, checkpoints = {config.method: student}, {config.method: selected}
    if teacher_requirement(config.method, config.method_options) is not None:
        if FLAGS.teacher:
            models["teacher"], checkpoints["teacher"] = load_teacher(FLAGS.teacher), {"checkpoint": FLAGS.teacher}
        else:
            models["teacher"], checkpoints["teacher"] = _load_for_evaluation(os.path.join(output_dir, TEACHER_DIR))
    evaluators = [PGDAccuracy(evaluation.attack, seed=config.seed), AttributionGini(block=info.gini_block),
                  InductiveNoise(fractions=evaluation.ina_fractions, seed=config.seed)]
    if evaluation.sanity_checks:
        evaluators.append(RobustnessChecks(evaluation.attack, grid=SANITY_GRID, seed=config.seed))
    if evaluation.autoattack is not None:
        evaluators.append(AutoAttackAccuracy(evaluation.autoattack, seed=config.seed))
    with contextlib.ExitStack() as stack:  # evaluate mixed-precision models in float32
        for model in models.values():
            stack.enter_context(float32_compute(model))
        comparison = compare_models(models, held_out, evaluators)
    report = build_report(comparison, evaluators, dataset=dataset, split=info.evaluation_split,
                          image_size=info.image_shape[0], data=info.describe(), checkpoints=checkpoints,
                          training=dataclasses.asdict(config),
                          catastrophic_overfitting={config.method: read_overfitting(output_dir)})
    if evaluation.sanity_checks:  # a standard student, and a teacher this run trained, are undefended
        undefended = [name for name in models if name == "standard" or (name == "teacher" and not FLAGS.teacher)]
        add_robustness_checks(report, undefended=undefended)  # logs every failed check loudly
    write_report(report, comparison, output_dir)
    print(markdown_report(report))
    path = export_saved_model(student, os.path.join(output_dir, "export", config.method), overwrite=True,
                              class_names=info.class_names, preprocessing=ImagePreprocessing.for_dataset(info))
    print(f"Report: {os.path.join(output_dir, 'report.md')}\nSavedModel for TF Serving: {path}")
