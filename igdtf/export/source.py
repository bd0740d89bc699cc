"""Finding the classifier to export: a .keras file, or a run directory of igdtf.training."""

import dataclasses
import logging
import os

import keras
import tensorflow as tf

from igdtf.artefacts import load_keras_file
from igdtf.errors import UnreadableFileError
from igdtf.models import ModelSpec
from igdtf.training.run_dir import CHECKPOINTS_DIR, MODEL_FILE, MODEL_SPEC_FILE

log = logging.getLogger("igdtf.export")


@dataclasses.dataclass(frozen=True)
class LoadedClassifier:
    model: keras.Model
    source: str  # the file or checkpoint the weights came from
    dataset: str | None  # the dataset it was trained on, when the run directory records it


def load_classifier(path: str) -> LoadedClassifier:
    """Loads the classifier at `path`.

    `path` is a `.keras` file, or a run directory of igdtf.training: its finished `model.keras`
    if present, else the latest checkpoint in `checkpoints/` restored into the architecture
    that `model_spec.json` describes (also when model.keras cannot be read). Only the
    classifier's weights are read (a checkpoint's optimizer state is ignored). Raises
    FileNotFoundError saying what was expected, UnreadableFileError naming a file that cannot be read.
    """
    if os.path.isfile(path):
        if not path.endswith(".keras"):
            raise FileNotFoundError(f"{path} is a file but not a .keras model; expected a .keras file "
                                    "or a run directory of igdtf.training.")
        return LoadedClassifier(load_keras_file(path), path, _recorded_dataset(os.path.dirname(path)))
    if not os.path.isdir(path):
        raise FileNotFoundError(f"{path} does not exist; expected a .keras file or a run directory "
                                "of igdtf.training.")
    final = os.path.join(path, MODEL_FILE)
    checkpoint = tf.train.latest_checkpoint(os.path.join(path, CHECKPOINTS_DIR))
    if os.path.isfile(final):
        try:
            return LoadedClassifier(load_keras_file(final), final, _recorded_dataset(path))
        except UnreadableFileError as error:
            if checkpoint is None:
                raise
            log.warning("%s Exporting the latest checkpoint %s instead.", error, checkpoint)
    if checkpoint is None:
        raise FileNotFoundError(f"{path} holds neither {MODEL_FILE} nor a checkpoint in {CHECKPOINTS_DIR}/; "
                                "expected a .keras file or a run directory of igdtf.training.")
    spec_file = os.path.join(path, MODEL_SPEC_FILE)
    if not os.path.isfile(spec_file):
        raise FileNotFoundError(f"{path} has checkpoints but no {MODEL_SPEC_FILE}, which says which "
                                "architecture they belong to; resume the run with igdtf.training to "
                                f"finish it (it writes {MODEL_FILE}) and export that.")
    spec = ModelSpec.load(spec_file)
    model = spec.build()
    # Training saves tf.train.Checkpoint(student=…, optimizer=…, epoch=…); read the student only.
    try:
        status = tf.train.Checkpoint(student=model).restore(checkpoint)
        status.expect_partial().assert_existing_objects_matched()
    except (tf.errors.OpError, IndexError) as error:
        raise UnreadableFileError(f"The checkpoint {checkpoint} cannot be read ({str(error).splitlines()[0][:200]}); "
                                  "resume the run with igdtf.training to rewrite it.") from None
    return LoadedClassifier(model, checkpoint, spec.dataset)


def _recorded_dataset(run_dir: str) -> str | None:
    spec_file = os.path.join(run_dir, MODEL_SPEC_FILE)
    return ModelSpec.load(spec_file).dataset if os.path.isfile(spec_file) else None
