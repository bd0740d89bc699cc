"""Loading and checking the frozen teacher of distillation methods."""

import keras

from igdtf.models.loading import load_classifier


def load_teacher(path: str) -> keras.Model:
    """The frozen classifier (trainable=False) at `path`: a .keras file, a SavedModel directory
    whose `serving_default` returns logits, or a run directory (igdtf.models.loading.load_classifier,
    whose errors it raises)."""
    model = load_classifier(path).model
    model.trainable = False
    return model


def check_teacher_shape(teacher: keras.Model, input_shape: tuple, num_classes: int) -> None:
    """Raises ValueError unless the teacher takes `input_shape` inputs (no batch axis) and
    predicts `num_classes` classes, as the student does."""
    t_in, t_out = tuple(teacher.input_shape[1:]), teacher.output_shape[-1]
    if t_in != tuple(input_shape):
        raise ValueError(f"Teacher input shape {t_in} differs from the student's {tuple(input_shape)}.")
    if t_out != num_classes:
        raise ValueError(f"Teacher has {t_out} classes but the student has {num_classes}.")


def check_teacher_matches(teacher: keras.Model, student: keras.Model) -> None:
    """Raises ValueError unless teacher and student share input shape and class count."""
    check_teacher_shape(teacher, student.input_shape[1:], student.output_shape[-1])


def attach_teacher(trainer, teacher: keras.Model) -> None:
    """Checks `teacher` against trainer.student (ValueError), freezes it and sets trainer.teacher:
    the set-up of every method that distils from a teacher of the student's shape."""
    check_teacher_matches(teacher, trainer.student)
    teacher.trainable = False
    trainer.teacher = teacher
