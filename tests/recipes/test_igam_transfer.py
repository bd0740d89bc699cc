import json
import os

from igdtf.evaluation.reporting.student_check import REPORT_KEY
from igdtf.recipes.igam_seeds import write_igam_summary

from tests.recipes.test_recipes import _run

MODELS = ("pgdat teacher", "standard student", "igam student")
RUNS = ("teacher", "standard", "igam")


def _seed_report(seed, igam_clean):
    models = {"pgdat teacher": {"clean_acc": 0.99, "pgd_acc": 0.85},
              "standard student": {"clean_acc": 0.98, "pgd_acc": 0.05},
              "igam student": {"clean_acc": igam_clean, "pgd_acc": 0.2}}
    gap = 0.98 - igam_clean
    return {"models": models, "results": {"models": models, "target": {
                "igam_pgd_over_teacher_pgd": 0.2 / 0.85, "clean_gap_to_standard": gap, "met": False}},
            REPORT_KEY: {"flagged": gap > 0.1, "gap": gap, "max_gap": 0.1, "rule": "the rule"},
            "claims": {"igam_student_trained": {"statement": "trained", "holds": gap <= 0.1}}}


def test_the_summary_gives_spread_per_seed_rows_and_flags_the_seeds_whose_student_failed(tmp_path):
    summary = write_igam_summary(str(tmp_path), {0: _seed_report(0, 0.97), 1: _seed_report(1, 0.388),
                                                 2: _seed_report(2, 0.96)})
    assert summary[REPORT_KEY]["flagged_seeds"] == [1] and summary[REPORT_KEY]["of"] == 3
    clean = summary["models"]["igam student"]["clean_acc"]
    assert clean["min"] == 0.388 and clean["max"] == 0.97 and clean["n"] == 3
    text = open(tmp_path / "summary.md").read()
    assert "| 1 | 99.0 | 85.0 | 98.0 | 5.0 | 38.8 | 20.0 | 24 % | FAILED (+59.2 points) |" in text
    assert "failed to train in 1 of 3 seeds (seed 1)" in text and "holds in 2 of 3 seeds (NOT in every seed)" in text
    assert json.loads(open(tmp_path / "summary.json").read())[REPORT_KEY]["flagged_seeds"] == [1]


def _report(out):
    with open(os.path.join(out, "report.json")) as f:
        return json.load(f)


def test_seeds_write_a_run_per_seed_and_a_summary_and_deterministic_runs_repeat_exactly(tmp_path):
    seeds_out, single_out = str(tmp_path / "seeds"), str(tmp_path / "single")
    done = _run("igdtf.recipes.igam_transfer", "--smoke", "--deterministic", "--seeds=0,1",
                f"--output_dir={seeds_out}")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(open(os.path.join(seeds_out, "summary.json")).read())
    assert summary["seeds"] == [0, 1] and set(summary["models"]) == set(MODELS)
    assert summary["models"]["igam student"]["clean_acc"]["n"] == 2 and "claims" in summary
    for seed in (0, 1):
        report = _report(os.path.join(seeds_out, f"seed_{seed}"))
        assert report["protocol"]["seed"] == seed and REPORT_KEY in report
        assert all(report["protocol"]["training"][run]["seed"] == seed for run in RUNS)
    assert "| 0 |" in open(os.path.join(seeds_out, "summary.md")).read()
    # the same seed again, in a fresh process and directory: the same training losses and numbers to the last digit
    done = _run("igdtf.recipes.igam_transfer", "--smoke", "--deterministic", f"--output_dir={single_out}")
    assert done.returncode == 0, done.stderr[-3000:]
    for run in RUNS:
        assert open(os.path.join(single_out, run, "history.csv")).read() == \
            open(os.path.join(seeds_out, "seed_0", run, "history.csv")).read()
    assert _report(single_out)["models"] == _report(os.path.join(seeds_out, "seed_0"))["models"]
    # what a user looks at: the saliency grid, each run's TensorBoard logs, and the lines naming them
    assert _report(single_out)["figures"] == ["attributions_saliency.png"]
    assert os.path.getsize(os.path.join(single_out, "attributions_saliency.png")) > 1000
    assert all(os.listdir(os.path.join(single_out, run, "tensorboard")) for run in RUNS)
    assert f"Training curves: tensorboard --logdir {single_out}" in done.stdout


def test_bad_seeds_are_one_line_and_exit_code_2(tmp_path):
    done = _run("igdtf.recipes.igam_transfer", "--smoke", "--seeds=0,x", f"--output_dir={tmp_path}")
    assert done.returncode == 2 and "'x'" in done.stderr and "Traceback" not in done.stderr
    assert not os.listdir(tmp_path)
