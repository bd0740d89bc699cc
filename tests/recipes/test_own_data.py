"""Your own data through the command lines, typed as a user would: train on a folder, evaluate
on npz arrays of another image size, export with the folder's class names; bad data exits 2."""

import json
import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

from tests.data.sources.user_data import CLASSES, coloured_images, image_folder, npz_file

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TINY = ["--arch=small_cnn", "--epochs=1", "--batch_size=8", "--pgd_steps=1", "--eval_pgd_steps=1",
        "--ina_fractions=0.01", "--probe_examples=4", "--learning_rate=0.05"]


def _run(*args):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)


def test_train_evaluate_and_export_a_folder_of_images(tmp_path):
    root = image_folder(str(tmp_path / "colours"), per_class=8, split_layout=True)
    out = tmp_path / "run"
    done = _run("-m", "igdtf.recipes.train", f"--dataset=folder:{root}", "--method=igd", "--teacher=train", *TINY,
                f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    data = report["protocol"]["data"]
    assert data["class_names"] == list(CLASSES) and data["image_shape"] == [8, 8, 3]
    assert data["mean"] == json.load(open(os.path.join(root, "igdtf_stats.json")))["mean"]
    assert set(report["models"]) == {"igd", "teacher"} and "robustness_checks" in report
    assert (out / "teacher" / "model.keras").is_file() and os.listdir(out / "tensorboard")
    export = out / "export" / "igd" / "1"
    assert (export / "assets" / "class_names.txt").read_text().split() == list(CLASSES)

    # Evaluation on 16x16 npz arrays: resized to the models' 8x8 by default.
    arrays = npz_file(str(tmp_path / "big.npz"), size=16)
    models = [f"--model=igd={out}", f"--model=teacher={out / 'teacher' / 'model.keras'}"]  # a run folder, a file
    evaluated = _run("-m", "igdtf.evaluate", *models, f"--dataset=npz:{arrays}", "--suite=clean,pgd",
                     "--figure_images=0", f"--output_dir={tmp_path / 'eval'}")
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    assert f"--model igd={out} is a run folder: evaluating its best checkpoint (val_pgd_acc " in evaluated.stderr
    assert f"at epoch 1), {out / 'best.keras'}." in evaluated.stderr
    protocol = json.loads((tmp_path / "eval" / "report.json").read_text())["protocol"]
    assert protocol["num_samples"] == 6 and protocol["data"]["image_shape"] == [8, 8, 3]

    # Export from the run directory: the recorded spec gives the class names and preprocessing.
    served = _run("-m", "igdtf.export", f"--checkpoint={out}", f"--output={tmp_path / 'serving'}")
    assert served.returncode == 0, served.stderr[-3000:]
    assert f"(dataset: folder:{root})" in served.stdout
    images, labels = coloured_images(3, size=32, seed=5)
    signature = tf.saved_model.load(str(tmp_path / "serving" / "1")).signatures["serving_bytes"]
    names = signature(image_bytes=tf.constant([tf.io.encode_png(x).numpy() for x in images]))["top_k_names"]
    assert set(np.char.decode(names.numpy().astype(bytes)).ravel()) <= set(CLASSES)


def _bad_inputs(cases):
    done = _run(os.path.join(ROOT, "tests", "recipes", "evaluate_bad_inputs.py"), json.dumps(cases))
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_bad_data_is_refused_in_one_line_naming_the_file(tmp_path):
    from tests.conftest import tiny_cnn

    model = str(tmp_path / "tiny.keras")
    tiny_cnn().save(model)  # 8x8x3 images, 3 classes
    good = npz_file(str(tmp_path / "good.npz"))
    missing_key = npz_file(str(tmp_path / "keys.npz"), y_test=None)
    folder = image_folder(str(tmp_path / "colours"), per_class=2, split_layout=True)
    os.makedirs(os.path.join(folder, "train", "white"))
    loop = image_folder(str(tmp_path / "loop"), per_class=2)
    os.symlink("..", os.path.join(loop, "red", "up"))
    base = [f"--model=m={model}", f"--output_dir={tmp_path / 'out'}"]
    cases = {
        f"npz:{missing_key}: missing key(s) y_test": [f"--dataset=npz:{missing_key}"],
        f"folder:{tmp_path / 'none'}: no such folder": [f"--dataset=folder:{tmp_path / 'none'}"],
        "class folder 'white' has no readable JPEG or PNG training images": [f"--dataset=folder:{folder}"],
        f"folder:{loop}: red/up is a symbolic link to {loop}, a folder that contains it (a loop)":
            [f"--dataset=folder:{loop}"],
        "tfds:tiny_colours is neither a tensorflow-datasets builder nor prepared in":
            ["--dataset=tfds:tiny_colours", f"--data_dir={tmp_path}"],
        "Unknown --dataset_option 'holdout'. Allowed: none": [f"--dataset=npz:{good}", "--dataset_option=holdout=0.5"],
        "--image_size=16 resizes": [f"--dataset=npz:{good}", "--image_size=16"],
    }
    results = _bad_inputs([base + args for args in cases.values()])
    for message, result in zip(cases, results):
        assert result["error"] and message in result["error"], (message, result)
        assert not result["evaluated"]
    assert "pass --image_size=8" in results[-1]["error"]

    done = _run("-m", "igdtf.evaluate", *base, f"--dataset=npz:{missing_key}")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith(f"error: npz:{missing_key}: missing key(s) y_test")
    assert "Traceback" not in done.stderr
