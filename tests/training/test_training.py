import dataclasses
import json
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD, pgd_attack, training_attacks
from igdtf.attributions import class_logit_gradient
from igdtf.data.pipeline import EpochBatches, evaluation_pipeline
from igdtf.data.registry import DatasetInfo
from igdtf.errors import ConfigError
from igdtf.models import build_model
from igdtf.precision import MIXED_FLOAT16, dtype_policy, float32_compute
from igdtf.runs.run_file import check_run_directory, write_run_file
from igdtf.training import TrainConfig, train_model
from igdtf.training.callbacks import PlateauSchedule
from igdtf.training.checkpoints import RunState

INFO = DatasetInfo("tiny", 3, (8, 8, 3), (0.5,) * 3, (0.25,) * 3, 2, ("train",), None)


def _data(count=32):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, count).astype("int32")
    images = rng.uniform(0, 1, (count, 8, 8, 3)).astype("float32")
    return images, labels


def _train_batches(batch_size=8) -> EpochBatches:
    images, labels = _data()
    return EpochBatches(tf.data.Dataset.from_tensor_slices((images, labels)), lambda image, seed: image,
                        batch_size=batch_size, shuffle_buffer=32)


def _config(**overrides) -> TrainConfig:
    base = dict(method="standard", arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                learning_rate=0.05, attack=PGD(steps=1))
    return TrainConfig.create(**{**base, **overrides})


def test_a_directory_holding_another_method_or_architecture_is_refused(tmp_path):
    train_model(_config(), INFO, _train_batches(), str(tmp_path))
    for change, message in ((dict(method="pgdat"), "method: 'standard' there, 'pgdat' now"),
                            (dict(arch="resnet18", arch_options={}), "arch: 'small_cnn' there, 'resnet18' now"),
                            (dict(batch_size=4), "batch_size: 8 there, 4 now")):
        with pytest.raises(ConfigError, match=f"holds a checkpoint of a different run .*{message}"):
            train_model(_config(**change), INFO, _train_batches(change.get("batch_size", 8)), str(tmp_path))
    other = dataclasses.replace(INFO, name="other")
    with pytest.raises(ConfigError, match="dataset: 'tiny' there, 'other' now"):
        train_model(_config(), other, _train_batches(), str(tmp_path))
    recorded = json.loads((tmp_path / "run.json").read_text())
    assert recorded["identity"]["method"] == "standard" and recorded["settings"]["epochs"] == 1


def test_resume_is_the_default_and_noresume_refuses_a_checkpoint(tmp_path):
    identity = _config().identity(INFO)
    check_run_directory(str(tmp_path), identity, resume=False)  # empty directory: fine
    tf.train.Checkpoint(v=tf.Variable(1.0)).save(str(tmp_path / "checkpoints" / "ckpt"))
    check_run_directory(str(tmp_path), identity, resume=True)
    with pytest.raises(ConfigError, match="holds a checkpoint and resuming is off"):
        check_run_directory(str(tmp_path), identity, resume=False)
    write_run_file(str(tmp_path), identity, {})
    check_run_directory(str(tmp_path), identity, resume=True)


def test_an_incompatible_checkpoint_is_refused_with_a_clear_error(tmp_path):
    tf.train.Checkpoint(v=tf.Variable(1.0)).save(str(tmp_path / "checkpoints" / "ckpt"))
    with pytest.raises(ConfigError, match="does not match this run's model and optimizer"):
        train_model(_config(), INFO, _train_batches(), str(tmp_path))


def test_plateau_schedule_keeps_its_state_and_reduces_the_rate():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1))
    state = RunState()
    schedule = PlateauSchedule(state, "val_acc", patience=2)
    schedule.set_model(model)
    used = []
    for epoch, value in enumerate([0.1, 0.2, 0.2, 0.2, 0.25, 0.25]):
        logs = {"val_acc": value}
        schedule.on_epoch_end(epoch, logs)
        used.append(round(logs["lr"], 6))
    assert used == [0.1, 0.1, 0.1, 0.1, 0.01, 0.01]
    assert float(state.plateau_best.numpy()) == pytest.approx(0.25)
    assert int(state.plateau_wait.numpy()) == 1
    with pytest.raises(ValueError, match="'val_acc' is not in the epoch logs"):
        schedule.on_epoch_end(6, {"acc": 1.0})


def test_best_checkpoint_follows_the_validation_metric(tmp_path):
    images, labels = _data(16)
    validation = evaluation_pipeline(tf.data.Dataset.from_tensor_slices((images, labels)), 8)
    config = _config(method="pgdat", epochs=3, eval_attack=PGD(steps=1), plateau_patience=1)
    train_model(config, INFO, _train_batches(), str(tmp_path), validation_data=validation)
    best = json.loads((tmp_path / "best.json").read_text())
    history = (tmp_path / "history.csv").read_text().splitlines()
    header = history[0].split(",")
    values = [float(row.split(",")[header.index("val_pgd_acc")]) for row in history[1:]]
    epochs = [int(row.split(",")[header.index("epoch")]) for row in history[1:]]
    assert best["metric"] == "val_pgd_acc" and best["value"] == pytest.approx(max(values))
    assert epochs == [1, 2, 3] and best["epoch"] == epochs[values.index(max(values))]  # one numbering, from 1
    reloaded = keras.models.load_model(tmp_path / "best.keras", compile=False)
    assert reloaded.count_params() > 0
    with pytest.raises(ConfigError, match="plateau schedule .* needs validation data"):
        train_model(config, INFO, _train_batches(), str(tmp_path / "other"))


def _twin_models():
    """The same small CNN built under mixed_float16 and under float32, with equal weights."""
    with dtype_policy(MIXED_FLOAT16):
        keras.utils.set_random_seed(0)
        mixed = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=8)
    reference = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=8)
    reference.set_weights(mixed.get_weights())
    return mixed, reference


def test_float32_compute_gives_float32_input_gradients_inside_tf_function():
    mixed, reference = _twin_models()
    x = tf.random.stateless_uniform((4, 8, 8, 3), [0, 1])
    y = tf.constant([0, 1, 2, 0])

    @tf.function
    def in_float32(x, y):
        with float32_compute(mixed):
            return class_logit_gradient(mixed, x, y)

    expected = class_logit_gradient(reference, x, y)
    np.testing.assert_allclose(in_float32(x, y), expected, rtol=1e-5, atol=1e-7)
    assert mixed.compute_dtype == "float16"  # restored after the block
    half = class_logit_gradient(mixed, x, y)
    assert float(tf.reduce_max(tf.abs(half - expected))) > 1e-5  # what float16 would have given


class _SpyPGD(PGD):
    """A PGD that records the dtype of the logits it attacks (at trace time)."""

    seen = []

    def __call__(self, model, x, y, seed=None, **kwargs):
        type(self).seen.append(model(x, training=False).dtype)
        return super().__call__(model, x, y, seed, **kwargs)


@pytest.mark.parametrize("precision", ["float32", "bfloat16"])
def test_mixed_precision_training_keeps_attacks_in_float32_unless_asked(precision, tmp_path, monkeypatch):
    """The validation attack is float32; the training attack (training_attacks.pgd_attack) computes
    in float32, or in the attack_precision asked for."""
    _SpyPGD.seen.clear()
    training_dtypes = []

    def spy_pgd_attack(model, x, *args, **kwargs):
        training_dtypes.append(model(x, training=False).dtype)
        return pgd_attack(model, x, *args, **kwargs)

    monkeypatch.setattr(training_attacks, "pgd_attack", spy_pgd_attack)
    attack = _SpyPGD(steps=1)
    config = _config(method="pgdat", attack=attack, eval_attack=attack, mixed_precision=True,
                     attack_precision=precision)
    images, labels = _data(16)
    validation = evaluation_pipeline(tf.data.Dataset.from_tensor_slices((images, labels)), 8)
    student = train_model(config, INFO, _train_batches(), str(tmp_path), validation_data=validation)
    assert student.compute_dtype == "float16" and student.dtype_policy.name == MIXED_FLOAT16
    assert _SpyPGD.seen and set(_SpyPGD.seen) == {tf.float32}  # validation attack
    assert training_dtypes and set(training_dtypes) == {tf.as_dtype(precision)}
    assert keras.config.dtype_policy().name == "float32"  # the global policy is restored
    reader = tf.train.load_checkpoint(str(tmp_path / "checkpoints"))
    assert any("dynamic_scale" in key for key in reader.get_variable_to_shape_map())  # loss scaling
    assert np.all(np.isfinite(np.concatenate([w.ravel() for w in student.get_weights()])))
    assert os.path.isfile(tmp_path / "model.keras")


def test_a_method_s_own_state_is_checkpointed(tmp_path, monkeypatch):
    from igdtf.methods.standard import Standard

    extra = tf.Variable(3.0)
    monkeypatch.setattr(Standard, "checkpoint_items", lambda self: {"discriminator_state": extra})
    train_model(_config(), INFO, _train_batches(), str(tmp_path))
    reader = tf.train.load_checkpoint(str(tmp_path / "checkpoints"))
    assert reader.get_tensor("discriminator_state/.ATTRIBUTES/VARIABLE_VALUE") == 3.0


class _StopAfterFirstEpoch(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


def test_a_stopped_run_ends_after_that_epoch_and_is_finished(tmp_path):
    """The overfitting guard's "stop" sets stop_training; the run then saves model.keras."""
    config = _config(method="pgdat", epochs=3, train_attack="fgsm_rs")
    train_model(config, INFO, _train_batches(), str(tmp_path), callbacks=(_StopAfterFirstEpoch(),))
    assert len((tmp_path / "history.csv").read_text().splitlines()) == 2  # header + one epoch
    assert os.path.isfile(tmp_path / "model.keras")
