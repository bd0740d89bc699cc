"""Checks that a model built from elsewhere (keras.applications, a user's factory, --init_from)
is a classifier igdtf can measure: it takes the data's images and returns one logit per class.

A model that outputs probabilities (a final softmax) would train and report numbers, but PGD and
cross-entropy on probabilities mask gradients: the robustness it reports would be wrong.
"""

import keras
import numpy as np

from igdtf.runs.artefacts import error_summary


def check_classifier(model, input_shape, num_classes: int) -> None:
    """Raises ValueError naming the problem unless `model` is a keras.Model taking
    [N, *input_shape] inputs and returning [N, num_classes] outputs that are not probabilities
    (rows in [0, 1] summing to 1 on random inputs in [0, 1])."""
    if not isinstance(model, keras.Model):
        raise ValueError(f"it returned {type(model).__name__}, not a keras.Model.")
    inputs = np.random.default_rng(0).uniform(size=(2, *input_shape)).astype("float32")
    declared = getattr(model, "input_shape", None) if model.built else None
    if isinstance(declared, tuple) and tuple(declared[1:]) != tuple(input_shape):
        raise ValueError(f"the model takes inputs of shape {tuple(declared[1:])}, but the data's images are "
                         f"{tuple(input_shape)}.")
    try:
        outputs = model(inputs, training=False)
    except Exception as error:
        raise ValueError(f"the model cannot take the data's {tuple(input_shape)} images ({error_summary(error)}).") \
            from None
    if isinstance(outputs, (list, tuple, dict)):
        raise ValueError(f"the model returns {type(outputs).__name__} of several outputs; a classifier returns one "
                         "[N, classes] tensor of logits.")
    if tuple(outputs.shape) != (2, num_classes):
        raise ValueError(f"the model returns outputs of shape {tuple(outputs.shape[1:])} per image, but the data "
                         f"has {num_classes} classes: a classifier returns [N, {num_classes}] logits.")
    values = np.asarray(keras.ops.convert_to_numpy(outputs), np.float64)
    if values.min() >= 0 and values.max() <= 1 and np.allclose(values.sum(-1), 1, atol=1e-3):
        raise ValueError("the model outputs probabilities (rows in [0, 1] summing to 1: a softmax last layer), not "
                         "logits; PGD and cross-entropy on probabilities mask gradients and overstate robustness. "
                         "Remove the final softmax (e.g. Dense(classes) without activation).")
