"""The summary over seeds: statistics, nesting, claims, parsing and the files."""

import json
import os

import numpy as np
import pytest

from igdtf.evaluation.reporting.claims import metric_value
from igdtf.evaluation.reporting.seed_summary import (
    flatten_metrics, parse_seeds, read_seed_reports, seed_run_dir, summarize_seeds, summary_markdown,
    write_seed_summary,
)


def _report(clean, ina_002, holds):
    return {"models": {"igd": {"clean_acc": clean, "ina1": {"0.002": ina_002}, "note": "text", "ok": True}},
            "claims": {"gini": {"statement": "IGD's Gini is lower than PGDAT's", "holds": holds}}}


def test_statistics_are_mean_sample_std_and_range():
    summary = summarize_seeds({0: _report(0.90, 0.1, True), 1: _report(0.80, 0.3, True), 2: _report(0.85, 0.2, False)})
    clean = summary["models"]["igd"]["clean_acc"]
    assert clean["mean"] == pytest.approx(0.85)
    assert clean["std"] == pytest.approx(np.std([0.9, 0.8, 0.85], ddof=1))
    assert (clean["min"], clean["max"], clean["n"]) == (0.80, 0.90, 3)
    assert clean["per_seed"] == {"0": 0.90, "1": 0.80, "2": 0.85}
    assert summary["models"]["igd"]["ina1@0.002"]["mean"] == pytest.approx(0.2)
    assert set(summary["models"]["igd"]) == {"clean_acc", "ina1@0.002", "ina1@mean"}  # strings and booleans skipped
    claim = summary["claims"]["gini"]
    assert (claim["holds_in"], claim["of"], claim["per_seed"]["2"]) == (2, 3, False)


def test_a_metric_missing_from_a_seed_counts_the_others():
    reports = {0: {"models": {"m": {"a": 1.0, "b": 2.0}}}, 1: {"models": {"m": {"a": 3.0}}}}
    summary = summarize_seeds(reports)
    assert summary["models"]["m"]["b"]["n"] == 1 and summary["models"]["m"]["b"]["std"] == 0.0
    assert summary["models"]["m"]["a"]["mean"] == 2.0
    assert "claims" not in summary


def test_flatten_nests_with_at_signs_and_gives_each_curve_its_mean_as_the_claims_do():
    assert flatten_metrics({"c": {"gauss": {"1": 0.5, "2": 0.25}}, "x": 2, "checks": {"a": 1.0}}) == \
        {"c@gauss@1": 0.5, "c@gauss@2": 0.25, "c@gauss@mean": 0.375, "x": 2.0, "checks@a": 1.0}
    models = {"m": {"ina1": {"0.01": 0.1, "0.02": 0.4}}}
    assert flatten_metrics(models["m"])["ina1@mean"] == metric_value(models, "m", "ina1@mean")


def test_markdown_marks_a_claim_that_fails_in_a_seed():
    summary = summarize_seeds({0: _report(0.9, 0.1, True), 1: _report(0.8, 0.3, False)})
    text = summary_markdown(summary, metrics=("clean_acc",))
    assert "1 of 2 seeds (NOT in every seed)" in text
    assert "| clean_acc | 0.85 ± 0.071 (0.8–0.9) |" in text
    assert "ina1@0.002" not in text


@pytest.mark.parametrize("text, message", [("", "at least one"), ("0,a", "'a'"), ("1,1", "twice"), ("-1", "'-1'")])
def test_bad_seeds_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_seeds(text)


def test_seeds_parse_from_text_or_list():
    assert parse_seeds("0, 1,2") == (0, 1, 2)
    assert parse_seeds(["3", "1"]) == (3, 1)


def test_files_round_trip(tmp_path):
    for seed, clean in ((0, 0.5), (2, 0.7)):
        os.makedirs(seed_run_dir(str(tmp_path), seed))
        with open(os.path.join(seed_run_dir(str(tmp_path), seed), "report.json"), "w") as f:
            json.dump({"models": {"m": {"clean_acc": clean}}}, f)
    reports = read_seed_reports(str(tmp_path), (0, 1, 2))
    assert sorted(reports) == [0, 2]  # seed 1 has no report yet
    write_seed_summary(str(tmp_path), reports)
    with open(tmp_path / "summary.json") as f:
        assert json.load(f)["models"]["m"]["clean_acc"]["mean"] == pytest.approx(0.6)
    assert "Seeds 0, 2 (2 runs)" in (tmp_path / "summary.md").read_text()
