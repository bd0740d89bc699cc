"""Loading and checking the frozen teacher of distillation methods."""

import os

import keras
import tensorflow as tf

from igdtf.artefacts import NOT_A_MODEL, error_summary, load_keras_file
from igdtf.errors import UnreadableFileError


def load_teacher(path: str) -> keras.Model:
    """Loads a frozen classifier from a `.keras` file or a SavedModel directory.

    A SavedModel's `serving_default` signature must return logits, either as its only output or
    under the key "logits" (igdtf's own exports do). The result has trainable=False.
    UnreadableFileError ("not a readable Keras model or SavedModel: PATH") if it exists but
    cannot be loaded.
    """
    if path.endswith(".keras"):
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Teacher file {path!r} does not exist.")
        model = load_keras_file(path)
    elif os.path.isfile(os.path.join(path, "saved_model.pb")):
        try:
            model = _wrap_saved_model(path)
        except ValueError:
            raise
        except Exception as error:  # a truncated saved_model.pb or variables/ raise OpError, DecodeError...
            raise UnreadableFileError(f"{NOT_A_MODEL}: {path} ({error_summary(error)}).") from None
    else:
        raise FileNotFoundError(
            f"Teacher {path!r} is neither a .keras file nor a SavedModel directory "
            "(a folder holding saved_model.pb)."
        )
    model.trainable = False
    return model


def _wrap_saved_model(path: str) -> keras.Model:
    signature = tf.saved_model.load(path).signatures["serving_default"]
    (input_spec,) = signature.structured_input_signature[1].values()
    layer = keras.layers.TFSMLayer(path, call_endpoint="serving_default")
    inputs = keras.Input(shape=tuple(input_spec.shape[1:]), name="images")
    outputs = layer(inputs)
    if isinstance(outputs, dict):
        if "logits" not in outputs and len(outputs) != 1:
            raise ValueError(
                f"SavedModel {path!r} returns {sorted(outputs)}; a teacher needs 'logits'."
            )
        outputs = outputs["logits"] if "logits" in outputs else next(iter(outputs.values()))
    return keras.Model(inputs, outputs, name="teacher")


def check_teacher_matches(teacher: keras.Model, student: keras.Model) -> None:
    """Raises ValueError unless teacher and student share input shape and class count."""
    t_in, s_in = tuple(teacher.input_shape[1:]), tuple(student.input_shape[1:])
    t_out, s_out = teacher.output_shape[-1], student.output_shape[-1]
    if t_in != s_in:
        raise ValueError(f"Teacher input shape {t_in} differs from the student's {s_in}.")
    if t_out != s_out:
        raise ValueError(f"Teacher has {t_out} classes but the student has {s_out}.")
