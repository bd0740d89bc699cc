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
    again = _run("igdtf.recipes.quickstart", "--smoke", f"--output_dir={out}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "training is finished; loading it" in again.stderr
    assert json.loads(open(os.path.join(out, "report.json")).read())["models"] == report["models"]


def test_imagenet100_help_lists_its_flags():
    done = _run("igdtf.recipes.imagenet100", "--help")  # absl's --help exits with code 1
    for flag in ("--method", "--igd_lambda", "--manual_dir", "--batch_size", "--epsilon", "--plateau_patience"):
        assert flag in done.stdout


def test_help_explains_every_method_and_its_settings():
    from igdtf.methods import METHODS
    done = _run("igdtf.recipes.imagenet100", "--help")
    text = " ".join(done.stdout.split())  # absl wraps long help lines
    for method in METHODS:
        assert f"{method}:" in text
    for flag in ("--igam_lambda_adv", "--igam_lambda_diff", "--igam_adapter", "--igam_finetune_steps", "--pag_lambda",
                 "--pag_source", "--pag_pool_size", "--pag_classes_per_example", "--alignment_penalty_lambda", "--grad_norm_lambda", "--trades_beta"):
        assert flag in text
    for choice in ("upsize", "zero_pad", "random_pad", "center_crop", "transpose_conv", "one_image", "class_mean",
                   "nearest_neighbor", "rigd"):
        assert choice in text


# Parses flag sets in one process (each recipe process costs seconds of TensorFlow start-up).
_PARSE_FLAGS = """
import json, sys
from absl import flags
import igdtf.recipes.imagenet100  # defines the shared training flags
from igdtf.recipes.training_flags import config_from_flags
results = []
for args in json.loads(sys.argv[1]):
    flags.FLAGS.unparse_flags()
    try:
        flags.FLAGS(["recipe", *args])
        results.append("ok " + config_from_flags(flags.FLAGS).method)
    except Exception as error:
        results.append("error " + str(error))
print(json.dumps(results))
"""


def _parse(*flag_sets):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", _PARSE_FLAGS, json.dumps(flag_sets)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_shared_flags_accept_every_method_and_refuse_bad_method_settings():
    from igdtf.methods import METHODS
    methods = sorted(METHODS)
    bad = {
        "--igam_lambda_adv=-1": "igam_adversarial_weight (λ_adv) must be a number >= 0",
        "--igam_lambda_diff=-0.1": "igam_difference_weight (λ_diff) must be a number >= 0",
        "--pag_lambda=-1": "pag_weight (λ) must be a number >= 0",
        "--alignment_penalty_lambda=-1": "alignment_penalty_weight (λ_α) must be a number >= 0",
        "--grad_norm_lambda=-1": "gradient_norm_weight (λ) must be a number >= 0",
        "--trades_beta=-6": "trades_beta (β) must be a number >= 0",
        "--pag_source=scores": "value should be one of <one_image|class_mean|nearest_neighbor|rigd>",
        "--igam_adapter=zoom": "value should be one of <none|upsize|zero_pad|random_pad|center_crop|transpose_conv>",
    }
    results = _parse(*([f"--method={m}"] for m in methods), *([flag] for flag in bad))
    assert results[:len(methods)] == [f"ok {m}" for m in methods]
    for result, message in zip(results[len(methods):], bad.values()):
        assert result.startswith("error") and message in result, result


def test_imagenet100_without_data_fails_fast_naming_the_files(tmp_path):
    done = _run("igdtf.recipes.imagenet100", "--method=igd", f"--manual_dir={tmp_path}", timeout=120)
    assert done.returncode == 2
    for name in ("ILSVRC2012_img_train.tar", "ILSVRC2012_img_val.tar", "--manual_dir", str(tmp_path)):
        assert name in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("flag,message", [
    ("--igd_lambda=-1", "alignment_weight (λ) must be a number >= 0"),
    ("--pag_lambda=-1", "pag_weight (λ) must be a number >= 0"),
    ("--epsilon=-8", "epsilon must be a number >= 0"),
    ("--pgd_steps=0", "steps must be an integer >= 1"),
    ("--method=fgsm", "flag --method=fgsm: value should be one of"),
])
def test_imagenet100_refuses_bad_settings_before_anything_else(tmp_path, flag, message):
    done = _run("igdtf.recipes.imagenet100", flag, f"--manual_dir={tmp_path}", timeout=120)
    assert done.returncode != 0
    assert message in done.stderr
    assert "ILSVRC2012" not in done.stderr


def _toy(module, out, *flags):
    done = _run(f"igdtf.recipes.{module}", f"--output_dir={out}", *flags)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(open(os.path.join(out, "report.json")).read()), open(os.path.join(out, "report.md")).read()


def test_pag_toy_smoke_run_writes_a_report_with_the_papers_result(tmp_path):
    report, text = _toy("pag_toy", tmp_path / "pag", "--smoke")
    assert set(report["results"]) == {"vanilla", "pag_one_image", "pag_class_mean", "pag_nearest_neighbor"}
    for result in report["results"].values():
        assert 0.0 <= result["robust_acc"] <= result["clean_acc"] <= 1.0
    assert "Ganz et al." in text and "| pag_nearest_neighbor |" in text


def test_spheres_alignment_smoke_run_writes_a_report_with_the_papers_numbers(tmp_path):
    report, text = _toy("spheres_alignment", tmp_path / "spheres", "--smoke")
    assert set(report["results"]) == {"lambda_0 (baseline)", "lambda_0.1", "lambda_1"}
    for result in report["results"].values():
        assert -1.0 <= result["alpha_dx"] <= 1.0
    assert "0.886" in text and "0.133" in text  # the paper's L_alpha alignment and L2 ε50%


@pytest.mark.slow
def test_pag_toy_reproduces_the_paper_qualitatively(tmp_path):
    results = _toy("pag_toy", tmp_path / "pag")[0]["results"]
    assert all(r["clean_acc"] > 0.97 for r in results.values())
    assert results["pag_nearest_neighbor"]["robust_acc"] > results["vanilla"]["robust_acc"] + 0.15
    for seed, vanilla in results["vanilla"]["per_seed"].items():
        assert results["pag_nearest_neighbor"]["per_seed"][seed]["robust_acc"] > vanilla["robust_acc"]


@pytest.mark.slow
def test_spheres_alignment_robustness_grows_with_alignment(tmp_path):
    results = _toy("spheres_alignment", tmp_path / "spheres")[0]["results"]
    ordered = [results[name] for name in ("lambda_0 (baseline)", "lambda_0.1", "lambda_1")]
    for key in ("alpha_dx", "eps50_l2", "eps50_linf"):
        values = [r[key] for r in ordered]
        assert values == sorted(values) and values[-1] > 1.3 * values[0], (key, values)
