import dataclasses
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.data.pipeline import evaluation_pipeline, training_pipeline
from igdtf.data.registry import dataset_info, load_split
from igdtf.evaluation import DirectionAlignment, compare_models
from igdtf.methods.alignment_penalty import AlignmentPenalty
from igdtf.training import TrainConfig, train_model


def _linear(weights):
    inputs = keras.Input((4,))
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Model(inputs, dense(inputs))
    dense.set_weights([weights])
    return model


def test_penalty_is_minus_lambda_times_the_alignment():
    w = np.random.default_rng(0).normal(size=(4, 2)).astype("float32")
    x = np.ones((3, 4), "float32")
    y = np.array([0, 1, 0], "int32")

    def along_margin(inputs, labels, target):  # ∇(f_target − f_label) of the linear model
        return tf.gather(w.T, target) - tf.gather(w.T, labels)

    term, values = AlignmentPenalty(_linear(w), along_margin, alignment_penalty_lambda=0.5).penalty(x, y, None, None)
    np.testing.assert_allclose(values["alpha"].numpy(), 1.0, atol=1e-5)
    np.testing.assert_allclose(term.numpy(), -0.5, atol=1e-5)


def test_training_with_the_penalty_on_spheres_raises_the_alignment():
    info = dataclasses.replace(dataset_info("spheres"), image_shape=(20,), std=(1.15 / 20 ** 0.5,))  # 20-d: fast
    train = training_pipeline(load_split("spheres", "train", num_samples=1000, dimensions=20), 50, seed=0)
    test = evaluation_pipeline(load_split("spheres", "test", num_samples=200, dimensions=20), 200)
    common = dict(arch="mlp", arch_options={"hidden": (32,)}, batch_size=50, optimizer="adam", learning_rate=1e-2,
                  weight_decay=0.0, epochs=2)
    models = {}
    for name, config in {"standard": TrainConfig(method="standard", **common),
                         "aligned": TrainConfig.create(method="alignment_penalty", alignment_penalty_lambda=1.0,
                                                       **common)}.items():
        models[name] = train_model(config, info, train, tempfile.mkdtemp())
    alpha = {name: s["alpha_dx"] for name, s in
             compare_models(models, test, [DirectionAlignment(info.delta_x)]).summaries.items()}
    assert alpha["aligned"] > alpha["standard"] + 0.2  # measured: 0.25 → 0.65


def test_missing_delta_x_and_negative_lambda_are_refused():
    with pytest.raises(ValueError, match="needs delta_x"):
        AlignmentPenalty(_linear(np.zeros((4, 2), "float32")))
    with pytest.raises(ValueError, match=r"alignment_penalty_lambda \(λ_α\) must be a number >= 0"):
        AlignmentPenalty(_linear(np.zeros((4, 2), "float32")), lambda *a: a[0], alignment_penalty_lambda=-0.1)
    info = dataclasses.replace(dataset_info("spheres"), delta_x=None, name="nodelta")
    config = TrainConfig(method="alignment_penalty", arch="mlp", epochs=1, batch_size=10)
    with pytest.raises(ValueError, match="which nodelta does not provide; datasets that do: spheres, squares"):
        train_model(config, info, load_split("spheres", "train", num_samples=20).batch(10), tempfile.mkdtemp())
