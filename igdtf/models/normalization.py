"""Per-dataset mean/std normalisation as the first layer of every model.

Keeping it inside the model means every attack, attribution and exported signature sees
images in [0, 1] and ε is in pixel units. Keras' own Normalization layer is used, so a saved
`.keras` model loads without importing igdtf.
"""

from collections.abc import Sequence

import keras


def standardize_layer(mean: Sequence[float], std: Sequence[float]) -> keras.layers.Layer:
    """A layer mapping x in [0, 1] to (x − mean) / std, one value per channel."""
    if len(mean) != len(std):
        raise ValueError(f"mean and std need one value per channel; got {len(mean)} and {len(std)}.")
    if min(std) <= 0:
        raise ValueError(f"std values must be > 0, received {list(std)}.")
    return keras.layers.Normalization(
        axis=-1, mean=list(mean), variance=[s * s for s in std], name="standardize"
    )
