"""`python -m igdtf.recipes.fashion_mnist`: flags, bad inputs, and a smoke run end to end on
generated idx files (a few hundred images), with its resume."""

import json
import os
import subprocess
import sys

from igdtf.data.archives.fashion_mnist import DEBIAN_PACKAGE, FILES

from tests.data.archives.idx_files import write_fashion_mnist

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args, timeout=600):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "igdtf.recipes.fashion_mnist", *args], capture_output=True,
                          text=True, env=env, timeout=timeout, cwd=ROOT)


def test_help_lists_the_recipes_flags():
    done = _run("--help")
    for flag in ("--seeds", "--methods", "--manual_dir", "--download", "--data_dir", "--train_examples",
                 "--validation_examples", "--test_examples", "--epochs", "--standard_epochs", "--attack_precision",
                 "--smoke", "--output_dir", "--igd_lambda", "--trades_beta"):
        assert flag in done.stdout, flag


def test_a_missing_file_is_one_line_naming_it_and_the_package_exit_2(tmp_path):
    folder = write_fashion_mnist(tmp_path / "fm")
    os.remove(os.path.join(folder, FILES["test"][0]))
    done = _run(f"--manual_dir={folder}", f"--output_dir={tmp_path / 'out'}", "--smoke")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: Fashion-MNIST file t10k-images-idx3-ubyte.gz is not in")
    assert DEBIAN_PACKAGE in lines[-1] and "Traceback" not in done.stderr
    assert not os.path.exists(tmp_path / "out")


def test_an_architecture_that_cannot_be_built_is_one_line_naming_the_flag(tmp_path):
    done = _run("--arch=not_a_module:net", f"--output_dir={tmp_path / 'out'}", "--smoke")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: --arch=not_a_module:net: cannot import module")


def test_an_option_of_no_compared_method_is_refused(tmp_path):
    done = _run("--trades_beta=3", f"--output_dir={tmp_path / 'out'}", "--smoke")
    assert done.returncode == 2
    assert "error: --trades_beta applies to trades, trades_igd, none of --methods=standard,pgdat,igd." in done.stderr


def test_smoke_run_trains_evaluates_reports_claims_and_resumes(tmp_path):
    folder = write_fashion_mnist(tmp_path / "fm", train=340, test=80)
    out = tmp_path / "out"
    done = _run(f"--manual_dir={folder}", f"--output_dir={out}", "--smoke", "--seeds=0")
    assert done.returncode == 0, done.stderr[-3000:]
    seed_dir = out / "seed_0"
    report = json.loads((seed_dir / "report.json").read_text())
    assert list(report["models"]) == ["standard", "pgdat", "igd"]
    splits = report["protocol"]["splits"]
    assert (splits["validation"]["source"], splits["validation"]["split"]) == ("holdout", "train")
    assert (splits["train"]["examples"], splits["validation"]["size"], splits["test"]["examples"]) == (256, 64, 64)
    claims = report["claims"]  # the error-rate claims need correct-by-all samples, which a smoke run may lack
    assert len(claims) == 10 and {"gini_igd_below_pgdat", "ina1_igd_below_pgdat", "pgd_cost_of_igd"} <= set(claims)
    assert all(isinstance(claim["holds"], bool) for claim in claims.values())
    for figure in ("error_curves.png", "ioa_curves.png", "corruption_curves.png", "attributions_saliency.png"):
        assert (seed_dir / figure).is_file() and figure in report["figures"]
    assert "gaussian_noise" in report["models"]["igd"] and "## Table 3" in (seed_dir / "report.md").read_text()
    igd_run = json.loads((seed_dir / "igd" / "run.json").read_text())
    assert "standard of this seed" in json.dumps(igd_run)
    assert any(name.startswith("events.out") for _, _, names in os.walk(seed_dir / "pgdat" / "tensorboard")
               for name in names)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [0] and summary["models"]["pgdat"]["clean_acc"]["n"] == 1
    assert summary["claims"]["gini_igd_below_pgdat"]["of"] == 1
    assert f"tensorboard --logdir {out}" in done.stdout
    again = _run(f"--manual_dir={folder}", f"--output_dir={out}", "--smoke", "--seeds=0")
    assert again.returncode == 0 and "not evaluated again" in again.stderr
