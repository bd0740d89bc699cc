"""The teacher of a dataset recipe's distillation method: --teacher=PATH (a trained model), or
--teacher=train (a standard teacher trained first into RUN_DIR/teacher with the student's
settings). Nothing is trained that was not asked for: a method that distils a standard teacher
without --teacher is refused."""

import dataclasses
import logging
import os

from absl import flags

from igdtf.errors import ConfigError, checked
from igdtf.methods import load_teacher, teacher_requirement
from igdtf.methods.teacher import check_teacher_shape
from igdtf.cli.model_flags import teacher_model_settings
from igdtf.runs.files import TEACHER_DIR
from igdtf.runs.run_file import read_run_file, recorded_epochs
from igdtf.training import train_model
from igdtf.validation import check_positive_int

FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.recipes")
TRAIN_TEACHER = "train"  # --teacher=train: train the standard teacher first


def check_teacher_flags(config) -> None:
    """--teacher against the method: a path that exists, or "train" for a standard teacher
    trained first (an explicit choice: nothing is trained that was not asked for)."""
    needs = teacher_requirement(config.method, config.method_options)
    if FLAGS.teacher and FLAGS.teacher != TRAIN_TEACHER and not os.path.exists(FLAGS.teacher):
        raise ConfigError(f"--teacher={FLAGS.teacher} does not exist.")
    if needs == "robust" and teacher_path() is None:
        raise ConfigError(f"--method={config.method} needs a robust --teacher (.keras or SavedModel); only standard "
                          "teachers are trained here.")
    if needs == "standard" and not FLAGS.teacher:
        raise ConfigError(f"--method={config.method} distils a standard teacher: give --teacher=PATH (a trained "
                          "standard model: .keras, SavedModel or run directory) or --teacher=train to train one "
                          "first into OUTPUT_DIR/teacher (--teacher_epochs; default --epochs).")
    if FLAGS.teacher_epochs is not None:
        checked(check_positive_int, "teacher_epochs", FLAGS.teacher_epochs)


def teacher_path() -> str | None:
    """The --teacher model's path (None when there is none, or with --teacher=train)."""
    return None if FLAGS.teacher in (None, "", TRAIN_TEACHER) else FLAGS.teacher


def standard_teacher_config(config, teacher_dir: str):
    """The standard teacher's TrainConfig with --teacher=train: the student's settings (and
    model, unless --teacher_arch), method standard, --teacher_epochs epochs (default: --epochs;
    with --extend_epochs, the epochs the teacher in `teacher_dir` was trained for: only the
    student is extended); else None. ConfigError for --teacher_arch without a teacher to train."""
    trained = teacher_requirement(config.method, config.method_options) == "standard" and FLAGS.teacher == TRAIN_TEACHER
    model = teacher_model_settings(FLAGS, trained) or {}  # --teacher_arch, else the student's model
    if not trained:
        return None
    record = read_run_file(teacher_dir) if FLAGS.extend_epochs else None
    epochs = FLAGS.teacher_epochs or (record and recorded_epochs(record)) or config.epochs
    return dataclasses.replace(config, method="standard", method_options=None, eval_attack=None, epochs=epochs,
                               **model)


def teacher_settings(settings: dict) -> dict:
    """What the trained teacher's run.json records beside its config: the student's data and validation."""
    return {"data": settings["data"], "validation": settings["validation"]}


def recipe_teacher(config, teacher_config, run_dir: str, settings: dict, info, train, validation, strategy,
                   tensorboard):
    """The frozen teacher of `config`'s method (None if it has none): --teacher, or with
    `teacher_config` (--teacher=train) a standard model trained into RUN_DIR/teacher on `train`,
    validated on `validation`, with `settings` recorded in its run.json."""
    if teacher_requirement(config.method, config.method_options) is None:
        return None
    if teacher_config is None:
        with strategy.scope():
            teacher = load_teacher(teacher_path())
    else:
        log.info("Training the standard teacher first (--teacher=train) into %s.", os.path.join(run_dir, TEACHER_DIR))
        teacher = train_model(teacher_config, info, train, os.path.join(run_dir, TEACHER_DIR),
                              validation_data=validation, strategy=strategy, name="teacher", resume=FLAGS.resume,
                              tensorboard=tensorboard, settings=settings)
    teacher.trainable = False
    checked(check_teacher_shape, teacher, info.image_shape, info.num_classes)
    return teacher
