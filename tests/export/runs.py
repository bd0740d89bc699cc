"""A tiny finished or unfinished run directory of igdtf.training, for export tests."""

import os

import keras
import numpy as np
import tensorflow as tf

from igdtf.data.registry import DatasetInfo
from igdtf.runs.files import MODEL_FILE
from igdtf.training import TrainConfig, train_model


def tiny_run(run_dir: str, info: DatasetInfo, finished: bool = True) -> keras.Model:
    """Trains a width-4 small_cnn for one epoch of 16 random images into `run_dir`; returns it.

    With finished=False, model.keras is removed afterwards: the directory then looks like an
    interrupted run (checkpoints/ and model_spec.json only).
    """
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (16, *info.image_shape)).astype(np.float32) / 255
    labels = rng.integers(0, info.num_classes, 16).astype(np.int32)
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(8)
    config = TrainConfig(method="standard", arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                         optimizer="adam", learning_rate=1e-2, weight_decay=0.0)
    student = train_model(config, info, data, run_dir)
    if not finished:
        os.remove(os.path.join(run_dir, MODEL_FILE))
    return student
