"""A first run on small real data works with the defaults (issue 28, item 7), over three seeds:
1 400 Fashion-MNIST training images (as in the issue, where SGD at lr 0.1 left seeds at chance or
NaN), `igdtf.recipes.train --method=standard` with only --arch and --epochs (plus flags that
shrink the final evaluation only), then `igdtf.evaluate --seed_runs` over the seed runs.
Skipped where the Fashion-MNIST idx files are not installed (Debian: dataset-fashion-mnist).
scripts/real_data_defaults.py runs the same on 500 test images and prints the table of docs/measurements/fitted_defaults.md."""

import json
import os

import pytest

from scripts.real_data_defaults import FASHION, FILES, fashion_npz
from tests.recipes.test_recipes import _run

pytestmark = pytest.mark.skipif(not all(os.path.isfile(os.path.join(FASHION, f)) for f in FILES),
                                reason=f"Fashion-MNIST idx files not in {FASHION} (apt-get install dataset-fashion-mnist)")
EVALUATION_ONLY = ["--eval_examples=200", "--noeval_sanity_checks", "--eval_pgd_steps=2", "--ina_fractions=0.01",
                   "--probe_examples=4"]


def test_standard_training_with_the_defaults_learns_on_every_seed_and_evaluate_aggregates_them(tmp_path):
    data = fashion_npz(str(tmp_path / "fashion.npz"), train=1_400, test=200)
    out = tmp_path / "runs"
    done = _run("igdtf.recipes.train", f"--dataset=npz:{data}", "--method=standard", "--arch=small_cnn",
                "--epochs=6", "--seeds=0,1,2", *EVALUATION_ONLY, f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    for seed in (0, 1, 2):
        report = json.loads((out / f"seed_{seed}" / "report.json").read_text())
        assert report["models"]["standard"]["clean_acc"] >= 0.6, (seed, report["models"])  # chance: 0.1
        assert not report["collapse"]["any_collapsed"], report["collapse"]
        validation = report["protocol"]["validation"]
        assert (validation["source"], validation["size"], validation["training_examples"]) == ("holdout", 140, 1_260)
        fitted = report["protocol"]["fitted_settings"]["fitted"]
        assert (fitted["optimizer"], fitted["batch_size"], fitted["lr_warmup_epochs"]) == ("adam", 32, 1.0)
        record = json.loads((out / f"seed_{seed}" / "run.json").read_text())
        assert record["settings"]["validation"]["fingerprint"] == validation["fingerprint"]  # the same images
        assert record["identity"]["seed"] == seed
        assert (out / f"seed_{seed}" / "attributions_saliency.png").is_file()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [0, 1, 2] and summary["models"]["standard"]["clean_acc"]["n"] == 3
    assert f"tensorboard --logdir {out}" in done.stdout and "summary.md" in done.stdout

    other = _run("igdtf.recipes.train", f"--dataset=npz:{data}", "--method=standard", "--arch=small_cnn",
                 "--epochs=6", "--batch_size=32", "--seeds=0", "--validation=test", f"--output_dir={out}", timeout=300)
    assert other.returncode == 2 and "validation.source: 'holdout' there, 'test' now" in other.stderr

    evaluated = _run("igdtf.evaluate", f"--model=standard={out}", "--seed_runs", f"--dataset=npz:{data}",
                     "--suite=clean,pgd", "--pgd_steps=2", "--max_samples=50", "--figure_images=0",
                     f"--output_dir={tmp_path / 'eval'}")
    assert evaluated.returncode == 0, evaluated.stderr[-3000:]
    summary = json.loads((tmp_path / "eval" / "summary.json").read_text())
    assert summary["seeds"] == [0, 1, 2] and summary["models"]["standard"]["pgd_acc"]["n"] == 3
    protocol = json.loads((tmp_path / "eval" / "seed_1" / "report.json").read_text())["protocol"]
    assert protocol["models"] == {"standard": str(out / "seed_1")}
    assert protocol["epsilon"]["value"] == 8.0 and "default" in protocol["epsilon"]["source"]  # standard: no ε
