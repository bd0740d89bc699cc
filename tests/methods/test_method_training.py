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
from igdtf.methods import METHODS, MethodContext, method_options, teacher_requirement
from igdtf.models import build_model
from igdtf.runs.files import ADAPTER_WEIGHTS_FILE, FINETUNED_TEACHER_FILE, TEACHER_REPORT_FILE
from igdtf.training import TrainConfig, train_model


@pytest.mark.parametrize("field,value,message", [
    ("igam_lambda_adv", -1.0, r"igam_lambda_adv \(λ_adv\) must be a number >= 0"),
    ("igam_lambda_diff", -1.0, r"igam_lambda_diff \(λ_diff\) must be a number >= 0"),
    ("igam_adapter", "zoom", "Unknown igam_adapter 'zoom'"),
    ("igam_finetune_steps", -1, r"igam_finetune_steps must be an integer >= 0"),
    ("igam_discriminator_every", 0, "igam_discriminator_every must be an integer >= 1"),
    ("pag_lambda", -0.5, r"pag_lambda \(λ\) must be a number >= 0"),
    ("pag_source", "diffusion", "Unknown pag_source 'diffusion'. Allowed: class_mean, nearest_neighbor"),
    ("pag_pool_size", 0, "pag_pool_size must be an integer >= 1"),
    ("pag_classes_per_example", 0, "pag_classes_per_example must be an integer >= 1"),
    ("alignment_penalty_lambda", -1.0, r"alignment_penalty_lambda \(λ_α\) must be a number >= 0"),
    ("input_gradient_norm_lambda", -1.0, r"input_gradient_norm_lambda \(λ\) must be a number >= 0"),
    ("trades_beta", -6.0, r"trades_beta \(β\) must be a number >= 0"),
    ("kdiga_alpha", 1.5, r"kdiga_alpha \(α\) must be a number in \[0, 1\]"),
    ("kdiga_temperature", 0.0, r"kdiga_temperature \(τ\) must be a number > 0"),
    ("kdiga_gamma", -1.0, r"kdiga_gamma \(γ\) must be a number >= 0"),
    ("igdm_alpha", -1.0, r"igdm_alpha \(α\) must be a number >= 0"),
    ("igdm_beta", -1.0, r"igdm_beta \(β\) must be a number >= 0"),
    ("gradalign_lambda", -0.2, r"gradalign_lambda \(λ\) must be a number >= 0"),
])
def test_bad_method_settings_are_refused_when_the_config_is_built(field, value, message):
    method = next(name for name, cls in sorted(METHODS.items())
                  if field in {f.name for f in dataclasses.fields(cls.options_class)})
    with pytest.raises(ValueError, match=message):
        TrainConfig.create(method=method, **{field: value})


def test_a_setting_of_another_method_is_refused_by_name():
    with pytest.raises(ValueError, match="Method 'standard' has no option train_attack; its options: none"):
        TrainConfig.create(method="standard", train_attack="fgsm_rs")
    with pytest.raises(ValueError, match="method_options of igd must be IGDOptions, received AdversarialOptions"):
        TrainConfig(method="igd", method_options=method_options("pgdat"))


_TRAINING_ATTACK = ("train_attack", "attack_precision", "gradalign_lambda")  # every adversarial method
_IGAM = ("igam_lambda_adv", "igam_lambda_diff", "igam_adapter", "igam_finetune_steps", "igam_discriminator_every",
         "igam_input_gradient", "igam_discriminator_lr_scale", "igam_warmup_fraction", "igam_adversarial_lr_scale",
         "igam_input_noise")


@pytest.mark.parametrize("method,expected", [
    ("standard", set()),
    ("trades", {"trades_beta", *_TRAINING_ATTACK}),
    ("trades_igd", {"trades_beta", "igd_lambda", *_TRAINING_ATTACK}),
    ("igam", set(_IGAM)),
    ("pag", {"pag_lambda", "pag_source", "pag_pool_size", "pag_classes_per_example"}),
    ("alignment_penalty", {"alignment_penalty_lambda"}),
    ("input_gradient_norm", {"input_gradient_norm_lambda"}),
    ("kdiga", {"kdiga_alpha", "kdiga_temperature", "kdiga_gamma"}),
    ("igdm", {"igdm_alpha", "igdm_beta", *_TRAINING_ATTACK}),
])
def test_each_method_config_holds_its_own_settings(method, expected):
    options = TrainConfig(method=method).method_options
    assert set(dataclasses.asdict(options)) == expected


def test_igdm_prepares_its_schedule_and_adversarial_methods_their_attack():
    config = TrainConfig.create(method="igdm", epochs=7, attack=PGD(steps=3), epsilon_warmup_epochs=0.5)
    context = MethodContext(config, TINY, None, "", steps_per_epoch=10)
    assert config.method_class.prepare(context) == {"attack": PGD(steps=3), "epsilon_warmup_steps": 5,
                                                     "ramp_epochs": 7, "steps_per_epoch": 10}


def test_every_method_has_a_teacher_requirement():
    assert {m: teacher_requirement(m) for m in METHODS if teacher_requirement(m)} == {
        "igd": "standard", "trades_igd": "standard", "igam": "robust", "kdiga": "robust", "igdm": "robust"}
    assert teacher_requirement("pag", method_options("pag", pag_source="rigd")) == "robust"
    assert teacher_requirement("pag", method_options("pag", pag_source="class_mean")) is None


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
    config = TrainConfig.create(method="igam", arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                                optimizer="adam", learning_rate=1e-3, igam_adapter="transpose_conv",
                                igam_finetune_steps=5)
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
    config = TrainConfig.create(method="igam", arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
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
        train_model(TrainConfig.create(method="igam", arch="small_cnn", epochs=1, batch_size=8), TINY, _images(), out,
                    teacher=teacher)
    assert not os.listdir(out)  # nothing was trained or written


def test_pag_end_to_end_on_vectors_builds_its_targets_from_the_training_data():
    info = dataset_info("line_modes")
    config = TrainConfig.create(method="pag", pag_source="nearest_neighbor", pag_pool_size=16, arch="mlp",
                                arch_options={"hidden": (8,)}, epochs=1, batch_size=32, optimizer="adam",
                                learning_rate=1e-2)
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
    config = TrainConfig.create(method=method, arch="small_cnn", arch_options={"width": 4}, epochs=1, batch_size=8,
                                optimizer="adam", learning_rate=1e-3, attack=PGD(steps=1))
    student = train_model(config, TINY, _images(), str(tmp_path / method), teacher=teacher)
    assert metric in open(tmp_path / method / "history.csv").readline()
    assert student.output_shape == (None, 3)
