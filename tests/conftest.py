"""Shared fixtures: tiny models and data so that every test runs in seconds."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import igdtf  # noqa: E402,F401  (selects the TensorFlow backend)
from igdtf.models import build_model  # noqa: E402

IMAGE_SHAPE = (8, 8, 3)
NUM_CLASSES = 3


def tiny_cnn(seed: int = 0, width: int = 4) -> keras.Model:
    """A small_cnn on 8×8×3 images with 3 classes."""
    keras.utils.set_random_seed(seed)
    return build_model("small_cnn", IMAGE_SHAPE, NUM_CLASSES, [0.5] * 3, [0.25] * 3, width=width)


def smooth_mlp(seed: int = 0) -> keras.Model:
    """A tanh MLP (smooth, so finite differences of input-gradient terms are accurate)."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(IMAGE_SHAPE)
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(8, activation="tanh")(h)
    return keras.Model(inputs, keras.layers.Dense(NUM_CLASSES)(h))


@pytest.fixture
def batch():
    """8 random images in [0, 1] and their labels."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (8, *IMAGE_SHAPE)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, 8).astype("int32")
    return x, y
