"""Reading artefacts back: a file that exists but cannot be read (empty, truncated, another format,
e.g. left by a crash of an older igdtf or copied halfway) raises UnreadableFileError naming it."""

import json
import os
import zipfile

import keras

from igdtf.errors import UnreadableFileError

NOT_A_MODEL = "not a readable Keras model or SavedModel"


def error_summary(error: Exception) -> str:
    """The error's type and the first line of its message (at most 200 characters)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0][:200]}" if lines else type(error).__name__


def load_keras_file(path: str, remedy: str = "") -> keras.Model:
    """keras.models.load_model(path, compile=False); UnreadableFileError "not a readable Keras
    model or SavedModel: PATH (reason)" plus `remedy` if the file cannot be loaded."""
    try:
        return keras.models.load_model(path, compile=False)
    except Exception as error:  # Keras raises ValueError, OSError, zipfile errors... for bad files
        if os.path.isfile(path) and not zipfile.is_zipfile(path):  # Keras would say "File not found"
            reason = f"{os.path.getsize(path)} bytes, not a .keras zip archive"
        else:
            reason = error_summary(error)
        raise UnreadableFileError(f"{NOT_A_MODEL}: {path} ({reason}).{' ' + remedy if remedy else ''}") from error


def read_json(path: str, remedy: str = ""):
    """The JSON value in `path`; UnreadableFileError naming the file (plus `remedy`) if it is not JSON."""
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnreadableFileError(f"{path} is not readable JSON ({error_summary(error)}).{' ' + remedy if remedy else ''}") \
            from error

