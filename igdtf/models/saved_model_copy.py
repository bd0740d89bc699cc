"""The Keras copy of the classifier inside igdtf's SavedModel exports, so that an export can be
the starting point of training (--init_from) with exactly the weights it serves.

SAVEDMODEL/assets/
  igdtf_model.keras   the exported classifier as a Keras file (the values of variables/ again)
  igdtf_model.json    {"modules": [...]}: the modules to import before that file loads (a
                      factory's custom layers; empty for igdtf's own architectures)
No signature reads them, so TF Serving ignores them. A SavedModel without them (exported by
other tools or an older igdtf) holds only a graph fixed for serving: BatchNorm in inference mode,
no Keras layers whose head could be replaced; igdtf does not train from it.

A TF Serving base folder (BASE/<version>/ with integer versions) stands for its highest
version, the one TF Serving serves by default (served_version).
"""

import json
import logging
import os

import keras

from igdtf.models.factory import import_module
from igdtf.runs.artefacts import error_summary, load_keras_file, read_json

log = logging.getLogger("igdtf.models")

SAVED_MODEL_FILE = "saved_model.pb"  # what makes a folder a SavedModel
ASSETS_DIR = "assets"
KERAS_COPY_FILE = "igdtf_model.keras"
KERAS_COPY_RECORD = "igdtf_model.json"


def write_keras_copy(saved_model_dir: str, model: keras.Model, modules: list[str]) -> None:
    """Writes the Keras copy of `model` and its record into SAVED_MODEL_DIR/assets/. Call it on
    a SavedModel being staged (export_saved_model renames the whole folder into place, so the
    files need no atomic writes of their own, and a full disk is named as the version that could
    not be written). A model Keras cannot serialise (a custom layer without get_config) gets no
    copy and a warning: the SavedModel still serves."""
    assets = os.path.join(saved_model_dir, ASSETS_DIR)
    os.makedirs(assets, exist_ok=True)
    path = os.path.join(assets, KERAS_COPY_FILE)
    try:
        model.save(path)
    except (NotImplementedError, TypeError) as error:
        if os.path.exists(path):
            os.remove(path)
        log.warning("%s has no Keras copy of its classifier (%s): it serves, but cannot be a starting point "
                    "for training (--init_from).", saved_model_dir, error_summary(error))
        return
    with open(os.path.join(assets, KERAS_COPY_RECORD), "w", encoding="utf-8") as f:
        json.dump({"modules": list(modules)}, f, indent=2)


def served_version(path: str) -> str | None:
    """`path` if it is a SavedModel; for a TF Serving base folder, its highest integer version
    holding a SavedModel; else None."""
    if os.path.isfile(os.path.join(path, SAVED_MODEL_FILE)):
        return path
    if not os.path.isdir(path):
        return None
    versions = [int(name) for name in os.listdir(path)
                if name.isdigit() and os.path.isfile(os.path.join(path, name, SAVED_MODEL_FILE))]
    return os.path.join(path, str(max(versions))) if versions else None


def has_keras_copy(saved_model_dir: str) -> bool:
    """Whether the SavedModel at `saved_model_dir` holds igdtf's Keras copy of its classifier."""
    return all(os.path.isfile(os.path.join(saved_model_dir, ASSETS_DIR, name))
               for name in (KERAS_COPY_FILE, KERAS_COPY_RECORD))


def load_keras_copy(saved_model_dir: str) -> tuple[keras.Model, str, list[str]]:
    """(the classifier, the Keras file it was read from, the modules imported first) of an
    igdtf SavedModel export (has_keras_copy). UnreadableFileError naming a file that cannot be
    read; ValueError naming a module that cannot be imported."""
    assets = os.path.join(saved_model_dir, ASSETS_DIR)
    record = read_json(os.path.join(assets, KERAS_COPY_RECORD))
    if not isinstance(record, dict) or not isinstance(record.get("modules"), list):
        raise ValueError(f"{os.path.join(assets, KERAS_COPY_RECORD)} is not igdtf's record of its Keras copy "
                         f"(expected {{'modules': [...]}}, received {record!r:.200}).")
    path = os.path.join(assets, KERAS_COPY_FILE)
    for module in record["modules"]:
        try:
            import_module(module)
        except ValueError as error:
            raise ValueError(f"{path} needs the module(s) {', '.join(record['modules'])} its {KERAS_COPY_RECORD} "
                             f"names, but {error}") from None
    return load_keras_file(path), path, record["modules"]
