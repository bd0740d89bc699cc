"""Your own model through the command lines, typed as a user would: a factory module and a
keras.applications model through train → resume → evaluate → export, a teacher of another
architecture, fine-tuning a trained model with a new head (with its TensorBoard logs) and from
its SavedModel export, and the models refused (exit 2)."""

import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.models.saved_model_copy import KERAS_COPY_FILE
from igdtf.training import train_model
from igdtf.training.init_from import weights_sha256

from tests.data.sources.user_data import npz_file
from tests.models.own_models import write_factory_module
from tests.training.test_init_from import THREE, _batches, _config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAST = ["--batch_size=8", "--pgd_steps=1", "--eval_pgd_steps=1", "--ina_fractions=0.01", "--probe_examples=0",
        "--noeval_sanity_checks", "--learning_rate=0.05", "--deterministic"]
APP = ["--arch=keras.applications.MobileNetV3Small", "--arch_option=minimalistic=True", "--arch_option=alpha=0.75"]


def _run(cwd, *args):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=900, cwd=cwd)


def _ok(done):
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _checkpoint_values(run_dir) -> dict:
    """Every tensor of the run's latest checkpoint (weights, optimizer slots, step, run state) but
    the count of saves."""
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(os.path.join(run_dir, "checkpoints")))
    return {key: reader.get_tensor(key) for key in reader.get_variable_to_shape_map()
            if not key.startswith(("_CHECKPOINTABLE_OBJECT_GRAPH", "save_counter"))}


def test_a_factory_trains_resumes_evaluates_exports_and_is_fine_tuned_with_a_new_head(tmp_path):
    module = write_factory_module(tmp_path)  # my_models.py in the working directory
    data = npz_file(str(tmp_path / "data.npz"), train=16, test=6)
    train = ["-m", "igdtf.recipes.train", f"--dataset=npz:{data}", "--method=pgdat", f"--arch={module}:small_net",
             "--arch_option=width=6", *FAST]
    _ok(_run(tmp_path, *train, "--epochs=1", "--output_dir=run"))
    first = _checkpoint_values(tmp_path / "run")
    resumed = _run(tmp_path, *train, "--epochs=2", "--extend_epochs", "--output_dir=run")  # in a new process
    assert f"pgdat: resuming from {os.path.realpath(tmp_path)}/run/checkpoints/ckpt-" in _ok(resumed).stderr
    assert len((tmp_path / "run" / "history.csv").read_text().splitlines()) == 3  # header, epochs 1 and 2
    second = _checkpoint_values(tmp_path / "run")
    assert first.keys() == second.keys() and len(first) > 20  # every tensor restored, then trained on
    assert second["state/epoch/.ATTRIBUTES/VARIABLE_VALUE"] == 2
    spec = json.loads((tmp_path / "run" / "model_spec.json").read_text())
    assert (spec["arch"], spec["options"]) == (f"{module}:small_net", {"width": 6})

    _ok(_run(tmp_path, "-m", "igdtf.evaluate", "--model=pgdat=run/model.keras", f"--dataset=npz:{data}",
             "--suite=clean,pgd", "--pgd_steps=1", "--figure_images=0", "--output_dir=eval"))
    assert "pgdat" in json.loads((tmp_path / "eval" / "report.json").read_text())["models"]
    assert "(dataset: npz:" in _ok(_run(tmp_path, "-m", "igdtf.export", "--checkpoint=run", "--output=serving")).stdout
    elsewhere = _run(ROOT, "-m", "igdtf.export", f"--checkpoint={tmp_path / 'run'}", f"--output={tmp_path / 's2'}")
    assert elsewhere.returncode == 2
    assert f"needs the module(s) {module} its model_spec.json names, but cannot import module" in elsewhere.stderr

    # Robust fine-tuning: that model, a new head for a 2-class task, the backbone frozen for one epoch.
    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (22, 8, 8, 3)).astype("uint8")
    y = (x[..., 0].mean(axis=(1, 2)) > 127).astype("int64")
    np.savez(tmp_path / "two.npz", x_train=x[:16], y_train=y[:16], x_test=x[16:], y_test=y[16:])
    tune = ["-m", "igdtf.recipes.train", "--dataset=npz:two.npz", "--method=pgdat", "--init_from=run",
            "--replace_head", "--freeze_backbone_epochs=1", *FAST, "--probe_examples=2", "--tensorboard_every_steps=1",
            "--output_dir=tuned"]
    _ok(_run(tmp_path, *tune, "--epochs=1"))
    os.rename(tmp_path / "run", tmp_path / "run_moved")  # resuming needs no source: initial.keras holds it
    resumed = _ok(_run(tmp_path, *tune, "--epochs=2", "--extend_epochs"))
    assert f"pgdat: resuming from {os.path.realpath(tmp_path)}/tuned/checkpoints/ckpt-" in resumed.stderr
    os.rename(tmp_path / "run_moved", tmp_path / "run")
    report = json.loads((tmp_path / "tuned" / "report.json").read_text())
    started = report["protocol"]["checkpoints"]["pgdat"]["started_from"]
    assert started["source"] == str(tmp_path / "run") and len(started["weights_sha256"]) == 64
    assert started["loaded"] == str(tmp_path / "run" / "best.keras") and started["modules"] == [module]
    assert (tmp_path / "tuned" / "initial.keras").is_file() and (tmp_path / "tuned" / "export" / "pgdat" / "1").is_dir()
    tags, plugins = _tensorboard_tags(tmp_path / "tuned" / "tensorboard")
    assert {"train/loss", "epoch/val_pgd_acc", "epoch/probe_gini_global", "probe/saliency"} <= tags
    assert "hparams" in plugins


def test_a_factory_model_is_fine_tuned_from_its_saved_model_export(tmp_path, monkeypatch):
    """Trained (in this process), exported for serving, then the start of a recipe run: the
    export's Keras copy, with the exact weights it serves and the factory module it needs."""
    monkeypatch.chdir(tmp_path)  # the factory module is importable from the working directory
    module = write_factory_module(tmp_path)
    model = train_model(_config(arch=f"{module}:small_net", arch_options={"width": 3}), THREE, _batches(3), "run")
    _ok(_run(tmp_path, "-m", "igdtf.export", "--checkpoint=run", "--output=serving"))
    data = npz_file(str(tmp_path / "data.npz"), train=16, test=6)
    _ok(_run(tmp_path, "-m", "igdtf.recipes.train", f"--dataset=npz:{data}", "--method=pgdat", "--init_from=serving/1",
             "--epochs=1", *FAST, "--output_dir=tuned"))
    report = json.loads((tmp_path / "tuned" / "report.json").read_text())
    assert report["protocol"]["checkpoints"]["pgdat"]["started_from"] == {
        "source": str(tmp_path / "serving" / "1"), "loaded": str(tmp_path / "serving" / "1" / "assets" / KERAS_COPY_FILE),
        "weights_sha256": weights_sha256(model), "replace_head": False, "model_file": "initial.keras",
        "modules": [module]}


def _tensorboard_tags(log_dir) -> tuple[set, set]:
    """The tags and the plugins of every summary in the event files of `log_dir`."""
    tags, plugins = set(), set()
    for name in os.listdir(log_dir):
        for event in tf.compat.v1.train.summary_iterator(str(log_dir / name)):
            tags.update(value.tag for value in event.summary.value)
            plugins.update(value.metadata.plugin_data.plugin_name for value in event.summary.value)
    return tags, plugins


def test_a_keras_application_with_a_weights_file_trains_resumes_evaluates_and_exports(tmp_path):
    data = npz_file(str(tmp_path / "data.npz"), train=16, test=4, size=32)
    base = keras.applications.MobileNetV3Small(include_top=False, weights=None, input_shape=(32, 32, 3),
                                               pooling="avg", minimalistic=True, alpha=0.75)
    weights = tmp_path / "pretrained.weights.h5"
    base.save_weights(weights)
    train = ["-m", "igdtf.recipes.train", f"--dataset=npz:{data}", "--method=standard", *APP, *FAST]
    _ok(_run(tmp_path, *train, f"--arch_option=weights={weights}", "--epochs=2", "--output_dir=straight"))
    _ok(_run(tmp_path, *train, f"--arch_option=weights={weights}", "--epochs=1", "--output_dir=run"))
    os.remove(weights)  # resuming needs the file no more: the checkpoint holds every weight
    _ok(_run(tmp_path, *train, f"--arch_option=weights={weights}", "--epochs=2", "--extend_epochs",
             "--output_dir=run"))
    straight, resumed = _checkpoint_values(tmp_path / "straight"), _checkpoint_values(tmp_path / "run")
    assert straight.keys() == resumed.keys()
    for key in straight:  # weights, optimizer slots, step, run state: as if never stopped
        np.testing.assert_array_equal(straight[key], resumed[key], err_msg=key)
    _ok(_run(tmp_path, "-m", "igdtf.evaluate", "--model=app=run/model.keras", f"--dataset=npz:{data}",
             "--suite=clean", "--figure_images=0", "--output_dir=eval"))
    _ok(_run(tmp_path, "-m", "igdtf.export", "--checkpoint=run", "--output=serving"))
    model = keras.models.load_model(tmp_path / "run" / "model.keras")
    images = np.random.default_rng(0).uniform(size=(2, 32, 32, 3)).astype("float32")
    served = tf.saved_model.load(str(tmp_path / "serving" / "1")).signatures["serving_default"]
    np.testing.assert_allclose(served(images=tf.constant(images))["logits"], model(images), atol=1e-4)


@pytest.fixture
def refusal_data(tmp_path):
    module = write_factory_module(tmp_path)
    return module, npz_file(str(tmp_path / "data.npz"))


def test_models_that_would_give_wrong_numbers_are_refused_before_training(tmp_path, refusal_data):
    module, data = refusal_data
    base = [f"--dataset=npz:{data}", "--method=pgdat", "--epochs=1", "--batch_size=8", f"--output_dir={tmp_path / 'out'}"]
    cases = {
        f"--arch={module}:small_net: the model outputs probabilities": [f"--arch={module}:small_net",
                                                                       "--arch_option=softmax=True"],
        "returns outputs of shape (4,) per image, but the data has 3 classes": [
            f"--arch={module}:small_net", "--arch_option=extra_outputs=1"],
        f"--arch={module}:fixed_size_net: the model takes inputs of shape (16, 16, 3), but the data's images are "
        "(8, 8, 3)": [f"--arch={module}:fixed_size_net"],
        "--arch=not_a_module:net: cannot import module 'not_a_module'": ["--arch=not_a_module:net"],
        "Unknown keras.applications model 'ResNet51'": ["--arch=keras.applications.ResNet51"],
        "Unknown --arch_option 'depht'. Allowed: depth, width, dropout, synchronized_bn": [
            "--arch=wide_resnet", "--arch_option=depht=16"],
        "weights=/no/such.h5 is not a file": [*APP, "--arch_option=weights=/no/such.h5", "--image_size=32"],
        "--init_from=/no/such/run does not exist": ["--init_from=/no/such/run"],
        "trains that model's architecture; drop --arch": ["--init_from=/no/such/run", "--arch=resnet18"],
        "replace_head replaces the head of the init_from model": ["--replace_head"],
        "--teacher_arch is the architecture of the teacher a recipe trains": ["--teacher_arch=small_cnn"],
        "--synchronized_bn applies to BatchNorm architectures": ["--arch=small_cnn", "--synchronized_bn"],
    }
    teacher_arch = ["--method=igd", "--teacher=train", "--arch=small_cnn", "--teacher_arch=wide_resnet",
                    "--teacher_arch_option=depth=10", "--teacher_arch_option=width=1"]
    done = _ok(_run(tmp_path, os.path.join(ROOT, "tests", "recipes", "train_bad_models.py"),
                    json.dumps([base + args for args in cases.values()] + [base + teacher_arch])))
    *results, teacher = json.loads(done.stdout.strip().splitlines()[-1])
    for message, result in zip(cases, results):
        assert result["error"] and message in result["error"], (message, result)
        assert not result["trained"]
    # A teacher of another architecture than the student: trained first, as --teacher_arch says.
    assert teacher["first_run"] == {"name": "teacher", "arch": "wide_resnet", "arch_options": {"depth": 10, "width": 1}}

    _refused(_run(tmp_path, "-m", "igdtf.recipes.train", *base, f"--arch={module}:small_net",
                  "--arch_option=softmax=True"), f"error: --arch={module}:small_net: the model outputs probabilities")


def test_a_saved_model_igdtf_did_not_export_is_refused_in_one_line(tmp_path):
    foreign = tf.Module()  # a serving graph and its variables, no Keras model to train
    foreign.scale = tf.Variable(1.0)
    tf.saved_model.save(foreign, str(tmp_path / "foreign"))
    data = npz_file(str(tmp_path / "data.npz"))
    _refused(_run(tmp_path, "-m", "igdtf.recipes.train", f"--dataset=npz:{data}", "--method=pgdat",
                  f"--init_from={tmp_path / 'foreign'}", "--output_dir=out"),
             f"error: --init_from={tmp_path / 'foreign'} is a SavedModel without igdtf's Keras copy of its classifier "
             "(assets/igdtf_model.keras); its graph is fixed for serving and cannot be trained. Supported: a .keras "
             "file, a run directory, or a SavedModel exported by igdtf")
    assert not (tmp_path / "out" / "checkpoints").exists()


def _refused(done, line: str) -> None:
    """`done` exited with code 2 and one error line starting with `line`, no traceback."""
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(line), done.stderr[-1000:]
