"""A first run on small real data works with the defaults (issue 28, item 7), over three seeds:
1 400 Fashion-MNIST training images (as in the issue, where SGD at lr 0.1 left seeds at chance or
NaN), `igdtf.recipes.train --method=standard` with only --arch and --epochs (plus flags that
shrink the final evaluation only), then `igdtf.evaluate --seed_runs` over the seed runs.
Skipped where the Fashion-MNIST idx files are not installed (Debian: dataset-fashion-mnist)."""

import gzip
import json
import os

import numpy as np
import pytest

from tests.recipes.test_recipes import _run

FASHION = "/usr/share/datasets/fashion-mnist"
FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
         "t10k-labels-idx1-ubyte.gz")
pytestmark = pytest.mark.skipif(not all(os.path.isfile(os.path.join(FASHION, f)) for f in FILES),
                                reason=f"Fashion-MNIST idx files not in {FASHION} (apt-get install dataset-fashion-mnist)")
EVALUATION_ONLY = ["--eval_examples=200", "--noeval_sanity_checks", "--eval_pgd_steps=2", "--ina_fractions=0.01",
                   "--probe_examples=4"]


def _idx(name: str, count: int) -> np.ndarray:
    """The first `count` items of an idx file (big-endian header: magic 2051 images, 2049 labels)."""
    with gzip.open(os.path.join(FASHION, name)) as f:
        data = f.read()
    magic = int.from_bytes(data[:4], "big")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range({2051: 3, 2049: 1}[magic])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)[:count]


def test_standard_training_with_the_defaults_learns_on_every_seed_and_evaluate_aggregates_them(tmp_path):
    data = tmp_path / "fashion.npz"
    np.savez(data, x_train=_idx(FILES[0], 1_400), y_train=_idx(FILES[1], 1_400), x_test=_idx(FILES[2], 200),
             y_test=_idx(FILES[3], 200))
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
