"""Loading a trained classifier back: from a .keras file, a SavedModel, or a run directory
(igdtf/runs/files.py lists its files), whose model_spec.json names the architecture and the
modules a factory's model needs."""

import dataclasses
import logging
import os

import keras
import tensorflow as tf

from igdtf.errors import UnreadableFileError
from igdtf.models.saved_model_copy import SAVED_MODEL_FILE  # what makes a folder a SavedModel (not a run directory)
from igdtf.models.spec import ModelSpec
from igdtf.runs.artefacts import NOT_A_MODEL, error_summary, load_keras_file, read_json
from igdtf.runs.files import BEST_FILE, BEST_MODEL_FILE, CHECKPOINTS_DIR, MODEL_FILE, MODEL_SPEC_FILE

log = logging.getLogger("igdtf.training")

EXPECTED = ("expected a .keras file or a run directory of igdtf.training (or a SavedModel directory: a folder "
            f"holding {SAVED_MODEL_FILE})")


@dataclasses.dataclass(frozen=True)
class LoadedClassifier:
    """A trained classifier (images in [0, 1] → logits) and where it came from."""

    model: keras.Model
    source: str  # the .keras file, SavedModel or checkpoint the weights came from
    dataset: str | None  # the dataset it was trained on, when the run directory records it
    best: dict | None = None  # best.json ({"epoch", "metric", "value"}) when the model is a run's best.keras


def load_classifier(path: str, best: bool = False) -> LoadedClassifier:
    """Loads the classifier at `path`, which is
      - a .keras file (its dataset: the model_spec.json beside it, if any);
      - a SavedModel directory whose serving_default signature returns logits, as its only
        output or under "logits" (igdtf's own exports do);
      - a run directory of igdtf.training: with `best`, its best.keras (the epoch best.json
        names) if it has one; else its model.keras; else, or when model.keras cannot be read
        (a warning says so), the latest checkpoint in checkpoints/ restored into the
        architecture model_spec.json describes (only the classifier's weights are read).
    Raises FileNotFoundError saying what was expected, UnreadableFileError naming a file that
    cannot be read, ValueError for a SavedModel that returns no logits.
    """
    if os.path.isfile(path):
        if not path.endswith(".keras"):
            raise FileNotFoundError(f"{path} is a file but not a .keras model; {EXPECTED}.")
        return LoadedClassifier(_load_run_file(path), path, _recorded_dataset(os.path.dirname(path)))
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path} does not exist; {EXPECTED}.")
    if os.path.isfile(os.path.join(path, SAVED_MODEL_FILE)):
        return LoadedClassifier(_load_saved_model(path), path, None)
    if best and os.path.isfile(os.path.join(path, BEST_MODEL_FILE)):
        return _load_best(path)
    return _load_run(path)


def _load_best(run_dir: str) -> LoadedClassifier:
    remedy = (f"Delete {BEST_MODEL_FILE} and {BEST_FILE} to report the final {MODEL_FILE} instead, or train "
              "again into a new --output_dir.")
    selected = read_json(os.path.join(run_dir, BEST_FILE), remedy)
    path = os.path.join(run_dir, BEST_MODEL_FILE)
    return LoadedClassifier(_load_run_file(path, remedy), path, _recorded_dataset(run_dir), selected)


def _load_run(run_dir: str) -> LoadedClassifier:
    """The run's model.keras, or its latest checkpoint rebuilt (see load_classifier)."""
    final = os.path.join(run_dir, MODEL_FILE)
    checkpoint = tf.train.latest_checkpoint(os.path.join(run_dir, CHECKPOINTS_DIR))
    if os.path.isfile(final):
        try:
            return LoadedClassifier(_load_run_file(final), final, _recorded_dataset(run_dir))
        except UnreadableFileError as error:
            if checkpoint is None:
                raise
            log.warning("%s Loading the latest checkpoint %s instead.", error, checkpoint)
    if checkpoint is None:
        raise FileNotFoundError(f"{run_dir} holds neither {MODEL_FILE} nor a checkpoint in {CHECKPOINTS_DIR}/; "
                                f"{EXPECTED}.")
    spec_file = os.path.join(run_dir, MODEL_SPEC_FILE)
    if not os.path.isfile(spec_file):
        raise FileNotFoundError(f"{run_dir} has checkpoints but no {MODEL_SPEC_FILE}, which says which "
                                "architecture they belong to; resume the run with igdtf.training to "
                                f"finish it (it writes {MODEL_FILE}) and use that.")
    spec = ModelSpec.load(spec_file)
    model = spec.build(run_dir, initial_weights=False)
    # Training saves tf.train.Checkpoint(student=…, optimizer=…, state=…); read the student only.
    try:
        status = tf.train.Checkpoint(student=model).restore(checkpoint)
        status.expect_partial().assert_existing_objects_matched()
    except (tf.errors.OpError, IndexError) as error:
        raise UnreadableFileError(f"The checkpoint {checkpoint} cannot be read ({str(error).splitlines()[0][:200]}); "
                                  "resume the run with igdtf.training to rewrite it.") from None
    return LoadedClassifier(model, checkpoint, spec.dataset)


def recorded_spec(run_dir: str) -> ModelSpec | None:
    """The ModelSpec of run_dir/model_spec.json, or None if there is none."""
    spec_file = os.path.join(run_dir, MODEL_SPEC_FILE)
    return ModelSpec.load(spec_file) if os.path.isfile(spec_file) else None


def recorded_modules(path: str) -> list[str]:
    """The modules the model_spec.json of the run directory `path` (or beside the model file
    `path`) names: those its model needs imported (a factory's custom layers)."""
    spec = recorded_spec(path if os.path.isdir(path) else os.path.dirname(path))
    return spec.modules() if spec is not None else []


def started_from(run_dir: str) -> dict:
    """{"started_from": the init record} of a run started from another model (--init_from: its
    source, the file loaded, the SHA-256 of its weights, whether its head was replaced); else {}."""
    spec = recorded_spec(run_dir)
    return {"started_from": spec.init} if spec is not None and spec.init else {}


def _recorded_dataset(run_dir: str) -> str | None:
    spec = recorded_spec(run_dir)
    return spec.dataset if spec is not None else None


def _load_run_file(path: str, remedy: str = "") -> keras.Model:
    """The .keras file at `path`, after importing the modules the model_spec.json beside it names
    (a factory's custom layers); ValueError naming a module that cannot be imported."""
    _import_recorded_modules(os.path.dirname(path), path)
    return load_keras_file(path, remedy)


def _import_recorded_modules(run_dir: str, what: str) -> ModelSpec | None:
    """Imports the modules run_dir/model_spec.json names and returns that spec (None if none)."""
    spec = recorded_spec(run_dir)
    try:
        if spec is not None:
            spec.import_modules()
    except ValueError as error:
        raise ValueError(f"{what} needs the module(s) {', '.join(spec.modules())} its {MODEL_SPEC_FILE} names, but "
                         f"{error}") from None
    return spec


def _load_saved_model(path: str) -> keras.Model:
    """The SavedModel's serving_default as a Keras model returning logits."""
    try:
        signature = tf.saved_model.load(path).signatures["serving_default"]
        (input_spec,) = signature.structured_input_signature[1].values()
        inputs = keras.Input(shape=tuple(input_spec.shape[1:]), name="images")
        outputs = keras.layers.TFSMLayer(path, call_endpoint="serving_default")(inputs)
    except ValueError:
        raise
    except Exception as error:  # a truncated saved_model.pb or variables/ raise OpError, DecodeError...
        raise UnreadableFileError(f"{NOT_A_MODEL}: {path} ({error_summary(error)}).") from None
    if isinstance(outputs, dict):
        if "logits" not in outputs and len(outputs) != 1:
            raise ValueError(f"SavedModel {path!r} returns {sorted(outputs)}; a classifier needs 'logits'.")
        outputs = outputs["logits"] if "logits" in outputs else next(iter(outputs.values()))
    return keras.Model(inputs, outputs, name="classifier")
