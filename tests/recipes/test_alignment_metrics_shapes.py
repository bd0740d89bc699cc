import pytest

from tests.recipes.test_recipes import _toy


def test_alignment_metrics_shapes_smoke_run_reports_table_2_with_indirect_delta_x(tmp_path):
    out = tmp_path / "shapes"
    report, text = _toy("alignment_metrics_shapes", out, "--smoke")
    assert set(report["results"]) == {"baseline", "pgdat"}
    for row in report["results"].values():
        assert set(row) == {"clean_acc", "eps50_linf", "eps50_l2", "alpha_dx", "alpha_x"}
        assert 0.0 <= row["alpha_x"] <= 1.0 and -1.0 <= row["alpha_dx"] <= 1.0 and row["alpha_dx"] != 0.0
    projections = report["projections"]
    assert 0.0 < projections["mean_residual_own_class"] and 0.0 < projections["mean_residual_other_classes"]
    assert 0.0 <= projections["median_movement_in_check"] <= projections["max_movement_in_check"] <= 0.2
    assert 0.0 <= report["generator_samples_classified_as_their_class"] <= 1.0
    assert list(report["checks"]) == ["alpha_dx(pgdat) > alpha_dx(baseline)"]
    assert "| model | accuracy (%) | ε50% (L∞) | ε50% (L2) | ᾱ_Δx | ᾱ_x |" in text and "Projections" in text
    assert (out / "conditional_generator.keras").exists() and (out / "projections.npz").exists()
    # A second run reloads the generator, the models and the cached projections: the same table.
    again, _ = _toy("alignment_metrics_shapes", out, "--smoke")
    assert again["results"] == report["results"] and again["projections"] == projections


@pytest.mark.slow  # about 7 minutes on 2 idle cores
def test_alignment_metrics_shapes_pgdat_aligns_better_than_the_baseline(tmp_path):
    report = _toy("alignment_metrics_shapes", tmp_path / "shapes")[0]
    results = report["results"]
    assert results["baseline"]["clean_acc"] > 0.85 and results["pgdat"]["clean_acc"] > 0.8
    assert results["pgdat"]["alpha_dx"] > results["baseline"]["alpha_dx"]
    assert report["generator_samples_classified_as_their_class"] > 0.5
    assert report["projections"]["max_movement_in_check"] <= 0.05  # every Δx candidate passed the check
