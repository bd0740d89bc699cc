import dataclasses
import json
import os
import tempfile

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.data.registry import DatasetInfo, dataset_info, load_split
from igdtf.methods import METHODS, teacher_requirement
from igdtf.models import build_model
from igdtf.training import TrainConfig, train_model
from igdtf.training.run_dir import ADAPTER_WEIGHTS_FILE, FINETUNED_TEACHER_FILE, TEACHER_REPORT_FILE


@pytest.mark.parametrize("field,value,message", [
    ("igam_adversarial_weight", -1.0, r"igam_adversarial_weight \(λ_adv\) must be a number >= 0"),
    ("igam_difference_weight", -1.0, r"igam_difference_weight \(λ_diff\) must be a number >= 0"),
    ("igam_adapter", "zoom", "Unknown IGAM input adapter 'zoom'"),
    ("igam_finetune_steps", -1, r"igam_finetune_steps must be an integer >= 0 \(0: a same-task teacher"),
    ("igam_discriminator_every", 0, "igam_discriminator_every must be an integer >= 1"),
    ("pag_weight", -0.5, r"pag_weight \(λ\) must be a number >= 0"),
    ("pag_source", "diffusion", "Unknown PAG target source 'diffusion'. Allowed: class_mean, nearest_neighbor"),
    ("pag_pool_size", 0, "pag_pool_size must be an integer >= 1"),
    ("pag_classes_per_example", 0, "pag_classes_per_example must be an integer >= 1"),
    ("alignment_penalty_weight", -1.0, r"alignment_penalty_weight \(λ_α\) must be a number >= 0"),
    ("gradient_norm_weight", -1.0, r"gradient_norm_weight \(λ\) must be a number >= 0"),
    ("trades_beta", -6.0, r"trades_beta \(β\) must be a number >= 0"),
    ("kdiga_kd_weight", 1.5, r"kdiga_kd_weight \(α\) must be a number in \[0, 1\]"),
    ("kdiga_temperature", 0.0, r"kdiga_temperature \(τ\) must be a number > 0"),
    ("kdiga_gradient_weight", -1.0, r"kdiga_gradient_weight \(γ\) must be a number >= 0"),
    ("igdm_weight", -1.0, r"igdm_weight \(α\) must be a number >= 0"),
    ("igdm_beta", -1.0, r"igdm_beta \(β\) must be a number >= 0"),
])
def test_bad_method_settings_are_refused_when_the_config_is_built(field, value, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig(**{field: value})


_TRAINING_ATTACK = ("attack", "train_attack", "attack_precision", "gradalign_weight")  # every adversarial method


@pytest.mark.parametrize("method,expected", [
    ("trades", {"trades_beta", *_TRAINING_ATTACK}),
    ("trades_igd", {"trades_beta", "alignment_weight", *_TRAINING_ATTACK}),
    ("igam", {"igam_adversarial_weight", "igam_difference_weight", "discriminator_every"}),
    ("pag", {"pag_weight", "pag_source", "classes_per_example"}),
    ("alignment_penalty", {"alignment_penalty_weight"}),
    ("input_gradient_norm", {"gradient_norm_weight"}),
    ("kdiga", {"kdiga_kd_weight", "kdiga_temperature", "kdiga_gradient_weight"}),
    ("igdm", {"igdm_weight", "igdm_beta", "ramp_epochs", "steps_per_epoch", *_TRAINING_ATTACK}),
])
def test_trainer_options_pass_each_method_its_own_settings(method, expected):
    options = TrainConfig(method=method).trainer_options()
    assert set(options) - {"weight_decay", "eval_attack", "seed"} == expected


def test_every_method_has_a_teacher_requirement():
    assert {m: teacher_requirement(m) for m in METHODS if teacher_requirement(m)} == {
        "igd": "standard", "trades_igd": "standard", "igam": "robust", "kdiga": "robust", "igdm": "robust"}
    assert teacher_requirement("pag", "rigd") == "robust" and teacher_requirement("pag", "class_mean") is None


def _images(n=32, size=8, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, size, size, 3)).astype("float32")
    y = np.argmax(x.mean(axis=(1, 2)), axis=1).astype("int32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(8)


TINY = DatasetInfo("tiny", 3, (8, 8, 3), (0.5,) * 3, (0.25,) * 3, 4, ("train",), None)


def test_igam_end_to_end_finetunes_a_larger_teacher_then_trains_and_resumes():
    keras.utils.set_random_seed(1)
    teacher = build_model("small_cnn", (16, 16, 3), 5, [0.5] * 3, [0.25] * 3, width=4)  # another task
    out = tempfile.mkdtemp()
    config = TrainConfig(method="igam", arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                         optimizer="adam", learning_rate=1e-3, igam_adapter="transpose_conv", igam_finetune_steps=5)
    train_model(config, TINY, _images(), os.path.join(out, "run"), teacher=teacher)
    run = os.path.join(out, "run")
    assert os.path.isfile(os.path.join(run, FINETUNED_TEACHER_FILE)) and os.path.isfile(os.path.join(run, ADAPTER_WEIGHTS_FILE))
    assert "disc_loss" in open(os.path.join(run, "history.csv")).readline()
    stamp = os.path.getmtime(os.path.join(run, FINETUNED_TEACHER_FILE))
    os.remove(os.path.join(run, "model.keras"))  # as if interrupted after epoch 1: resume from the checkpoint
    student = train_model(dataclasses.replace(config, epochs=2), TINY, _images(), run, teacher=teacher,
                          extend_epochs=True)  # 1 recorded epoch, 2 now
    assert os.path.getmtime(os.path.join(run, FINETUNED_TEACHER_FILE)) == stamp  # the first stage was reloaded
    assert len(open(os.path.join(run, "history.csv")).read().splitlines()) == 3  # header + 2 epochs
    assert student.output_shape == (None, 3)
    report = json.load(open(os.path.join(run, TEACHER_REPORT_FILE)))
    assert report["finetune_steps"] == 5 and 0.0 <= report["train_acc"] <= 1.0


def test_igam_with_zero_finetune_steps_uses_a_same_task_teacher_as_it_is_and_refuses_another_task():
    teacher = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4)
    config = TrainConfig(method="igam", arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                         optimizer="adam", learning_rate=1e-3, igam_finetune_steps=0, igam_discriminator_every=2)
    run = tempfile.mkdtemp()
    train_model(config, TINY, _images(), run, teacher=teacher)
    assert not os.path.exists(os.path.join(run, FINETUNED_TEACHER_FILE))
    correct = sum(int(np.sum(np.argmax(teacher(x).numpy(), 1) == y.numpy())) for x, y in _images())
    assert json.load(open(os.path.join(run, TEACHER_REPORT_FILE)))["train_acc"] == correct / 32
    other = build_model("small_cnn", (8, 8, 3), 5, [0.5] * 3, [0.25] * 3, width=4)
    with pytest.raises(ValueError, match=r"igam_finetune_steps=0 uses the teacher as it is, so it must take "
                                         r"\(8, 8, 3\) inputs and have 3 classes; it takes \(8, 8, 3\) and has 5"):
        train_model(config, TINY, _images(), tempfile.mkdtemp(), teacher=other)


def test_igam_with_a_teacher_of_another_size_and_no_adapter_fails_before_training():
    teacher = build_model("small_cnn", (16, 16, 3), 3, [0.5] * 3, [0.25] * 3, width=4)
    out = tempfile.mkdtemp()
    with pytest.raises(ValueError, match="needs an input adapter"):
        train_model(TrainConfig(method="igam", arch="small_cnn", epochs=1, batch_size=8), TINY, _images(), out,
                    teacher=teacher)
    assert not os.listdir(out)  # nothing was trained or written


def test_pag_end_to_end_on_vectors_builds_its_targets_from_the_training_data():
    info = dataset_info("line_modes")
    config = TrainConfig(method="pag", pag_source="nearest_neighbor", pag_pool_size=16, arch="mlp",
                         arch_options={"hidden": (8,)}, epochs=1, batch_size=32, optimizer="adam", learning_rate=1e-2)
    out = tempfile.mkdtemp()
    model = train_model(config, info, load_split("line_modes", "train", num_samples=128).batch(32), out)
    assert model.input_shape == (None, 2)
    assert "pag_cos" in open(os.path.join(out, "history.csv")).readline()


def test_an_attack_clipping_to_0_1_on_unbounded_data_is_refused():
    info = dataset_info("spheres")
    config = TrainConfig(method="pgdat", arch="mlp", epochs=1, batch_size=10)
    with pytest.raises(ValueError, match=r"attack clips inputs to \(0.0, 1.0\), but spheres inputs range over all real"):
        train_model(config, info, load_split("spheres", "train", num_samples=20).batch(10), tempfile.mkdtemp())
    ok = dataclasses.replace(config, attack=PGD("l2", 0.1, 0.05, 2, bounds=None))
    train_model(ok, info, load_split("spheres", "train", num_samples=20).batch(10), tempfile.mkdtemp())


@pytest.mark.parametrize("method,metric", [("kdiga", "grad_diff"), ("igdm", "igdm_kl")])
def test_robust_teacher_distillation_trains_end_to_end_from_its_config(method, metric, tmp_path):
    teacher = build_model("small_cnn", (8, 8, 3), 3, [0.5] * 3, [0.25] * 3, width=4)
    config = TrainConfig(method=method, arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                         optimizer="adam", learning_rate=1e-3, attack=PGD(steps=1))
    student = train_model(config, TINY, _images(), str(tmp_path / method), teacher=teacher)
    assert metric in open(tmp_path / method / "history.csv").readline()
    assert student.output_shape == (None, 3)
