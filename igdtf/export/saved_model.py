"""SavedModel export of the bare classifier, in TF Serving's versioned layout BASE/<version>/.

BASE/<version>/
  saved_model.pb, variables/      the classifier's weights and the signatures (signatures.py)
  assets/class_names.txt          the class names, one per line in class order
  assets/igdtf_model.keras, assets/igdtf_model.json
                                  the classifier as a Keras file and the modules it needs, so
                                  the export can be a starting point for training (--init_from;
                                  igdtf/models/saved_model_copy.py). No signature reads them.
  assets.extra/tf_serving_warmup_requests   one warm-up request per signature (warmup.py)

Only the classifier passed in is saved: a trainer, and with it a teacher or a discriminator,
is refused, and the SavedModel holds exactly the variables the signatures read (the Keras copy
holds the same values again: a version takes about twice the weights' bytes).
"""

import glob
import os
import shutil
import tempfile
from collections.abc import Sequence

import keras
import tensorflow as tf

from igdtf.export.preprocessing import ImagePreprocessing
from igdtf.export.signatures import ServingSignatures
from igdtf.export.warmup import warmup_requests, write_warmup_requests
from igdtf.methods.base import Trainer
from igdtf.models.saved_model_copy import write_keras_copy
from igdtf.runs.atomic import fsync_tree, weight_bytes
from igdtf.runs.write_errors import writing
from igdtf.validation import check_positive_int

CLASS_NAMES_FILE = "class_names.txt"


def serving_outputs(model: keras.Model, images: tf.Tensor) -> dict[str, tf.Tensor]:
    """{"logits": [N, K], "probabilities": [N, K]} for float32 images [N, H, W, C] in [0, 1]."""
    logits = tf.cast(model(images, training=False), tf.float32)
    return {"logits": logits, "probabilities": tf.nn.softmax(logits)}


def check_classifier(model) -> tuple[tuple[int, int, int], int]:
    """((H, W, C), K) of a classifier [N, H, W, C] → [N, K]; raises TypeError/ValueError otherwise."""
    if isinstance(model, Trainer):
        raise TypeError(
            f"Export the classifier, not the {type(model).__name__} trainer that trains it (a trainer "
            "also holds its teacher, discriminator and optimizer state): pass trainer.student.")
    if not isinstance(model, keras.Model):
        raise TypeError(f"Expected a keras.Model classifier, received {type(model).__name__}.")
    input_shape, output_shape = model.input_shape, model.output_shape
    if (not isinstance(input_shape, tuple) or len(input_shape) != 4 or input_shape[3] not in (1, 3)
            or not all(isinstance(d, int) for d in input_shape[1:])):
        raise ValueError("The classifier must take one image batch [N, H, W, C] with known H, W and "
                         f"C = 1 or 3; its input shape is {input_shape}.")
    if not isinstance(output_shape, tuple) or len(output_shape) != 2 or not output_shape[1] or output_shape[1] < 2:
        raise ValueError(f"The classifier must return logits [N, K] with K >= 2; its output shape is {output_shape}.")
    return tuple(input_shape[1:]), output_shape[1]


def check_class_names(class_names: Sequence[str] | None, num_classes: int) -> list[str]:
    """The K class names (default "class_0" …); raises ValueError unless one distinct
    non-empty single-line string per class."""
    if class_names is None:
        return [f"class_{i}" for i in range(num_classes)]
    names = list(class_names)
    if len(names) != num_classes:
        raise ValueError(f"class_names must have one name per class ({num_classes}); received {len(names)}.")
    bad = [name for name in names if not isinstance(name, str) or not name.strip() or "\n" in name or "\r" in name]
    if bad:
        raise ValueError(f"class names must be non-empty single-line strings; received {bad[:5]}.")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"class names must be distinct; received duplicates {duplicates[:5]}.")
    return names


def export_saved_model(
    model: keras.Model,
    base_dir: str,
    version: int = 1,
    overwrite: bool = False,
    *,
    class_names: Sequence[str] | None = None,
    preprocessing: ImagePreprocessing | None = None,
    top_k: int = 5,
    model_name: str | None = None,
    modules: Sequence[str] = (),
) -> str:
    """Writes the classifier `model` as BASE/<version>/ for TF Serving; returns that path.

    Signatures (see igdtf.export.signatures): serving_default (float32 images [N, H, W, C] in
    [0, 1]), serving_bytes (encoded JPEG/PNG strings [N]) → logits, probabilities and the top-k
    classes with their names; saliency (images, int32 class_ids [N]) → attribution maps.

    Args:
      model: the classifier (images in [0, 1] → logits), never a trainer.
      base_dir: the model's base path as TF Serving sees it; versions are its sub-folders.
      version: integer >= 1. overwrite: replace an existing BASE/<version>/.
      class_names: K names in class order (e.g. DatasetInfo.class_names); default class_0 ….
      preprocessing: how serving_bytes decodes and resizes/crops (default: ImagePreprocessing()).
      top_k: classes ranked by the classification signatures (capped at K).
      model_name: model name written into the warm-up requests (default: BASE's folder name).
      modules: modules to import before the Keras copy loads (a factory's custom layers: the
        run's ModelSpec.modules(), igdtf.models.loading.recorded_modules).
    Raises:
      TypeError / ValueError for a non-classifier or bad options; FileExistsError if
      BASE/<version>/ exists and overwrite is False; WriteError if BASE cannot be written (a full
      disk, permissions). Nothing is written when an error is raised, and a process killed at any point
      leaves the previous version or the new one, never a partial one.
    """
    image_shape, names = _checked_options(model, version, class_names, preprocessing, top_k)
    path = os.path.join(base_dir, str(version))
    if os.path.exists(path) and not overwrite:
        raise FileExistsError(
            f"{path} already exists; choose another version or allow overwriting (overwrite=True, "
            "--overwrite).")
    kept = f"{path} is unchanged." if os.path.exists(path) else ""
    with writing(path, 2 * weight_bytes(model), kept):  # a full disk: WriteError, the staging folder removed
        os.makedirs(base_dir, exist_ok=True)
        staging = _staging_dir(base_dir, version)
        try:
            staged = _write_version(staging, model, names, preprocessing or ImagePreprocessing(), top_k)
            write_warmup_requests(staged, warmup_requests(model_name or os.path.basename(os.path.normpath(base_dir)),
                                                          image_shape))
            write_keras_copy(staged, model, list(modules))
            fsync_tree(staged)
            if os.path.exists(path):  # moved into the staging folder, removed with it below
                os.rename(path, os.path.join(staging, "previous"))
            os.rename(staged, path)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return path


def _checked_options(model: keras.Model, version: int, class_names, preprocessing, top_k: int) -> tuple:
    """(the classifier's image shape, its K class names) after checking export_saved_model's
    arguments; TypeError / ValueError naming a bad one."""
    image_shape, num_classes = check_classifier(model)
    names = check_class_names(class_names, num_classes)
    check_positive_int("version", version)
    check_positive_int("top_k", top_k)
    if preprocessing is not None and not isinstance(preprocessing, ImagePreprocessing):
        raise TypeError(f"preprocessing must be an ImagePreprocessing, received {type(preprocessing).__name__}.")
    return image_shape, names


def _staging_dir(base_dir: str, version: int) -> str:
    """A new hidden folder BASE/.export-<version>-XXXX, after removing those a killed export left.

    A version is staged there (TF Serving ignores non-numeric names) and renamed into place at
    the end, so a server never sees a half-written version.
    """
    prefix = f".export-{version}-"
    for stale in glob.glob(os.path.join(glob.escape(base_dir), prefix + "*")):
        shutil.rmtree(stale, ignore_errors=True)
    return tempfile.mkdtemp(prefix=prefix, dir=base_dir)


def _write_version(staging: str, model: keras.Model, names: list[str], preprocessing: ImagePreprocessing,
                   top_k: int) -> str:
    """Writes STAGING/class_names.txt and the SavedModel STAGING/saved_model (its signatures
    read the class names from that file as an asset); returns the SavedModel's path."""
    names_file = os.path.join(staging, CLASS_NAMES_FILE)
    with open(names_file, "w", encoding="utf-8") as f:
        f.write("".join(name + "\n" for name in names))
    signatures = ServingSignatures(model, names_file, top_k, preprocessing)
    archive = keras.export.ExportArchive()
    # Not archive.track(model): the archive saves the variables the endpoints read anyway,
    # and tracking the model as well would store every weight a second time.
    archive.track(signatures.class_names)
    for name, (function, input_signature) in signatures.endpoints().items():
        archive.add_endpoint(name, function, input_signature=input_signature)
    staged = os.path.join(staging, "saved_model")
    archive.write_out(staged, verbose=False)
    return staged
