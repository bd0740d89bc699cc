import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args, timeout=600):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


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
    assert os.path.isfile(os.path.join(out, "export", "igd", "1", "saved_model.pb"))
    assert "Table 1" in done.stdout
    checks = {c["name"]: c["passed"] for c in report["robustness_checks"]["pgdat"]}
    assert checks["eps0_gives_clean_accuracy"] is True and checks["outputs_are_logits"] is True
    assert "## Robustness sanity checks" in done.stdout
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
