"""The quickstart over several seeds (--smoke): per-seed runs, the summary with claim counts,
TensorBoard logs and figures; and what a seed changes."""

import glob
import json
import os

import keras
import numpy as np
import tensorflow as tf

from igdtf.recipes.quickstart_config import CLAIMS, MODELS, get_config

from tests.recipes.test_recipes import _run


def _tags(run_dir):
    """The tags of the TensorBoard event files in RUN_DIR/tensorboard."""
    tags = set()
    for path in glob.glob(os.path.join(run_dir, "tensorboard", "events.out.tfevents.*")):
        for event in tf.compat.v1.train.summary_iterator(path):
            tags |= {value.tag for value in event.summary.value}
    return tags


def test_seeds_give_one_run_each_a_summary_logs_and_figures(tmp_path):
    out = tmp_path / "quick"
    done = _run("igdtf.recipes.quickstart", "--smoke", "--seeds=0,1", "--probe_examples=4", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    reports = {}
    for seed in (0, 1):
        run_dir = out / f"seed_{seed}"
        reports[seed] = json.loads((run_dir / "report.json").read_text())
        assert reports[seed]["protocol"]["seed"] == seed
        assert set(reports[seed]["claims"]) == set(CLAIMS)
        assert reports[seed]["figures"] == ["error_curves.png", "attributions_saliency.png"]
        for figure in reports[seed]["figures"]:
            assert (run_dir / figure).stat().st_size > 10_000
        for model in MODELS:
            tags = _tags(run_dir / model)
            assert {"epoch/loss", "epoch/probe_gini_global", "probe/saliency", "probe/images"} <= tags, (model, tags)
        assert "epoch/val_pgd_acc" in _tags(run_dir / "igd")
        assert "## Claims:" in (run_dir / "report.md").read_text()
    weights = [keras.models.load_model(out / f"seed_{s}" / "standard" / "model.keras").get_weights()[0]
               for s in (0, 1)]
    assert not np.allclose(weights[0], weights[1])  # the seed changes the weights
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seeds"] == [0, 1] and set(summary["models"]) == set(MODELS)
    pgd = summary["models"]["pgdat"]["pgd_acc"]
    assert pgd["per_seed"] == {str(s): reports[s]["models"]["pgdat"]["pgd_acc"] for s in (0, 1)}
    for name, claim in summary["claims"].items():
        assert claim["of"] == 2
        assert claim["holds_in"] == sum(reports[s]["claims"][name]["holds"] for s in (0, 1))
    text = (out / "summary.md").read_text()
    assert "# Quickstart over seeds" in text and "| ina1@0.02 |" in text and "## Per seed" in text
    last = done.stdout.strip().splitlines()[-3:]
    assert last == [f"Summary over seeds 0, 1: {out / 'summary.md'}", f"Per seed: {out / 'seed_<s>'}/report.md and "
                    "its figures", f"TensorBoard: tensorboard --logdir {out}"]


def test_a_seed_changes_every_training_seed_but_not_the_images():
    zero, two = get_config(smoke=True), get_config(smoke=True, seed=2)
    for name in MODELS:
        assert (getattr(zero, name).seed, getattr(two, name).seed) == (0, 2)
    assert (zero.seed, two.seed) == (0, 2)
    first = [next(iter(c.training_data()))[1].numpy() for c in (zero, two)]
    assert not np.array_equal(*first)  # another data order
    tests = [next(iter(c.evaluation_data("test", 8)))[0].numpy() for c in (zero, two)]
    np.testing.assert_array_equal(*tests)  # the same test images


def test_seed_and_seeds_together_are_refused(tmp_path):
    done = _run("igdtf.recipes.quickstart", "--smoke", "--seed=1", "--seeds=0,1", f"--output_dir={tmp_path / 'q'}",
                timeout=300)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == "error: --seed and --seeds exclude each other: give one seed " \
                                                   "with --seed, or several with --seeds."
    assert not (tmp_path / "q").exists()
