import json
import os
import subprocess
import sys

import keras
import pytest
import tensorflow as tf

from igdtf.data import shapes

from tests.export.contract import check_serving_contract
from tests.export.rest import read_golden, serve_rest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args, timeout=600):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def check_quickstart_export(out, tmp_path):
    """The exported IGD model passes the serving contract and answers the golden REST requests."""
    path = os.path.join(out, "export", "igd", "1")
    igd = keras.models.load_model(os.path.join(out, "igd", "model.keras"), compile=False)
    images, _ = shapes.generate_shapes(6, seed=1, texture_amplitude=4 / 255)
    check_serving_contract(path, igd, shapes.CLASS_NAMES, images, str(tmp_path))
    signatures = tf.saved_model.load(path).signatures
    for body in ("predict", "bytes", "saliency"):
        response = serve_rest(signatures, read_golden(f"{body}_request.json"))[3]
        golden = read_golden(f"{body}_response.json")
        assert [sorted(p) for p in response["predictions"]] == [sorted(p) for p in golden["predictions"]]


def test_quickstart_smoke_run_writes_report_and_export_and_resumes(tmp_path):
    out = str(tmp_path / "quick")
    done = _run("igdtf.recipes.quickstart", "--smoke", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(open(os.path.join(out, "report.json")).read())
    assert set(report["models"]) == {"standard", "pgdat", "igd"}
    for summary in report["models"].values():
        for key in ("clean_acc", "pgd_acc", "gini_global", "gini_regional"):
            assert 0.0 <= summary[key] <= 1.0
        assert set(summary["ina1"]) == set(summary["ina2"]) == {"0.01", "0.02"}
    check_quickstart_export(out, tmp_path)
    assert "Table 1" in done.stdout
    again = _run("igdtf.recipes.quickstart", "--smoke", f"--output_dir={out}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "training is finished; loading it" in again.stderr
    assert json.loads(open(os.path.join(out, "report.json")).read())["models"] == report["models"]


def test_imagenet100_help_lists_its_flags():
    done = _run("igdtf.recipes.imagenet100", "--help")  # absl's --help exits with code 1
    for flag in ("--method", "--igd_lambda", "--manual_dir", "--batch_size", "--epsilon", "--plateau_patience"):
        assert flag in done.stdout


def test_imagenet100_without_data_fails_fast_naming_the_files(tmp_path):
    done = _run("igdtf.recipes.imagenet100", "--method=igd", f"--manual_dir={tmp_path}", timeout=120)
    assert done.returncode == 2
    for name in ("ILSVRC2012_img_train.tar", "ILSVRC2012_img_val.tar", "--manual_dir", str(tmp_path)):
        assert name in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("flag,message", [
    ("--igd_lambda=-1", "alignment_weight (λ) must be a number >= 0"),
    ("--epsilon=-8", "epsilon must be a number >= 0"),
    ("--pgd_steps=0", "steps must be an integer >= 1"),
    ("--method=fgsm", "flag --method=fgsm: value should be one of"),
])
def test_imagenet100_refuses_bad_settings_before_anything_else(tmp_path, flag, message):
    done = _run("igdtf.recipes.imagenet100", flag, f"--manual_dir={tmp_path}", timeout=120)
    assert done.returncode != 0
    assert message in done.stderr
    assert "ILSVRC2012" not in done.stderr
