import numpy as np
import pytest

from igdtf.data.corruptions.names import BENCHMARK_CORRUPTIONS
from igdtf.evaluation.metrics.mce import corruption_errors
from igdtf.evaluation.metrics.outcomes import ERROR_ON_COMMON, PerSample
from igdtf.evaluation.evaluators.protocol import from_outcomes
from igdtf.evaluation.reporting.report import build_report
from igdtf.evaluation.reporting.tables import markdown_report


def test_ce_is_the_summed_error_over_the_baselines_and_mce_averages_the_benchmark_ones():
    summaries = {
        "base": {"fog": {"1": 0.2, "5": 0.6}, "frost": {"1": 0.1, "5": 0.3}, "spatter": {"1": 0.1, "5": 0.1}},
        "robust": {"fog": {"1": 0.1, "5": 0.3}, "frost": {"1": 0.2, "5": 0.6}, "spatter": {"1": 0.0, "5": 0.1}},
    }
    errors = corruption_errors(summaries, "base")
    assert errors["corruptions"] == ["frost", "fog", "spatter"]  # ImageNet-C's order
    assert errors["mce_corruptions"] == ["frost", "fog"]  # spatter is one of the 4 extra ones
    assert errors["ce"]["robust"] == pytest.approx({"fog": 0.5, "frost": 2.0, "spatter": 0.5})
    assert errors["mce"] == pytest.approx({"base": 1.0, "robust": 1.25})
    assert corruption_errors(summaries, "robust")["mce"]["base"] == pytest.approx((2.0 + 0.5) / 2)
    with pytest.raises(ValueError, match="baseline 'alexnet' is not among the models"):
        corruption_errors(summaries, "alexnet")


def test_a_baseline_without_errors_leaves_ce_and_mce_undefined():
    summaries = {"base": {"fog": {"1": 0.0}, "snow": {"1": 0.5}}, "other": {"fog": {"1": 0.3}, "snow": {"1": 0.25}}}
    errors = corruption_errors(summaries, "base")
    assert errors["ce"]["other"] == {"snow": 0.5, "fog": None}
    assert errors["mce"]["other"] is None


def test_report_md_has_the_mce_table_beside_the_per_severity_tables():
    rng = np.random.default_rng(0)
    outcomes = {}
    for model, p in (("standard", 0.5), ("igd", 0.8)):
        outcomes[model] = {"clean_acc": PerSample(np.ones(40, bool), "mean")}
        for corruption in BENCHMARK_CORRUPTIONS:
            for severity in (1, 5):
                still_correct = rng.random(40) < p - 0.05 * severity
                outcomes[model][f"{corruption}@{severity}"] = PerSample(still_correct, ERROR_ON_COMMON)
    report = build_report(from_outcomes(outcomes), [], mce_baseline="standard")
    assert report["corruption_errors"]["baseline"] == "standard"
    assert report["corruption_errors"]["mce"]["standard"] == pytest.approx(1.0)
    assert report["corruption_errors"]["mce"]["igd"] < 1.0
    markdown = markdown_report(report)
    assert "## Mean corruption error (mCE, %) relative to standard" in markdown
    assert "mean CE over the 15 benchmark corruptions" in markdown
    assert "| standard | 100.0 |" in markdown
    assert "## Frost error rate (%) by severity" in markdown and "## Table 5: Gaussian noise" in markdown
    assert "Other measurements" not in markdown
    assert build_report(from_outcomes(outcomes), [])["corruption_errors"]["baseline"] == "standard"  # the first
