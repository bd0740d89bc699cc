"""SavedModel export of the bare classifier, in TF Serving's versioned layout BASE/<version>/.

Only the classifier passed in is tracked: a trainer's teacher or discriminator is never part
of the export.
"""

import os
import shutil

import keras
import tensorflow as tf

from igdtf.validation import check_positive_int


def serving_outputs(model: keras.Model, images: tf.Tensor) -> dict[str, tf.Tensor]:
    """{"logits": [N, K], "probabilities": [N, K]} for float32 images [N, H, W, C] in [0, 1]."""
    logits = tf.cast(model(images, training=False), tf.float32)
    return {"logits": logits, "probabilities": tf.nn.softmax(logits)}


def export_saved_model(model: keras.Model, base_dir: str, version: int = 1, overwrite: bool = False) -> str:
    """Writes `model` as BASE/<version>/ with a `serving_default` signature; returns that path.

    Signature serving_default: images float32 [None, H, W, C] in [0, 1] → logits, probabilities.
    Raises FileExistsError if the version directory exists and overwrite is False.
    """
    check_positive_int("version", version)
    path = os.path.join(base_dir, str(version))
    if os.path.exists(path):
        if not overwrite:
            raise FileExistsError(f"{path} already exists; choose another version or allow overwriting.")
        shutil.rmtree(path)
    archive = keras.export.ExportArchive()
    archive.track(model)
    spec = tf.TensorSpec([None, *model.input_shape[1:]], tf.float32, name="images")
    archive.add_endpoint("serving_default", lambda images: serving_outputs(model, images), input_signature=[spec])
    archive.write_out(path, verbose=False)
    return path
