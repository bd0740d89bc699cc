"""Claims checked on a report's own numbers: verdicts, curve points and means, n/a, markdown."""

import pytest

from igdtf.evaluation.reporting.claims import Difference, check_claims, claims_markdown, metric_value, verdict_line
from igdtf.evaluation.reporting.seed_summary import summarize_seeds, summary_markdown
from igdtf.recipes.quickstart_config import CLAIMS

GINI = Difference("IGD's Gini is at least 0.02 below PGDAT's", "gini_global", "pgdat", "igd", 0.02)
COST = Difference("IGD costs at most 10 PGD-20 points", "pgd_acc", "igd", "pgdat", -0.10, percent=True)
INA = Difference("IGD's mean INA1 error is below PGDAT's", "ina1@mean", "pgdat", "igd", 0.0, percent=True)


def _models(gini_igd=0.64, pgd_igd=0.80, ina_igd=(0.001, 0.003)):
    return {"standard": {"gini_global": 0.51, "pgd_acc": 0.03, "ina1": {"0.01": 0.05, "0.02": 0.07}},
            "pgdat": {"gini_global": 0.69, "pgd_acc": 0.86, "ina1": {"0.01": 0.004, "0.02": 0.008}},
            "igd": {"gini_global": gini_igd, "pgd_acc": pgd_igd, "ina1": {"0.01": ina_igd[0], "0.02": ina_igd[1]}}}


def test_a_claim_that_holds_records_its_numbers():
    verdict = GINI.check(_models())
    assert verdict["holds"] is True
    assert (verdict["pgdat"], verdict["igd"]) == (0.69, 0.64)
    assert verdict["difference"] == pytest.approx(0.05)
    assert verdict["at_least"] == 0.02 and verdict["statement"] == GINI.statement


@pytest.mark.parametrize("claim, models", [
    (GINI, _models(gini_igd=0.675)),  # lower, but by less than the margin (the 0.675 vs 0.674 would fail too)
    (GINI, _models(gini_igd=0.70)),   # higher
    (COST, _models(pgd_igd=0.75)),    # 11 points under PGDAT
    (INA, _models(ina_igd=(0.004, 0.009))),  # mean 0.65 % against PGDAT's 0.6 %
])
def test_a_claim_that_fails_says_so(claim, models):
    verdict = claim.check(models)
    assert verdict["holds"] is False
    assert verdict_line(verdict).startswith("DOES NOT HOLD: ")


def test_negative_bounds_and_curve_means():
    assert COST.check(_models(pgd_igd=0.77))["holds"] is True  # 9 points under: within 10
    verdict = INA.check(_models())
    assert verdict["holds"] is True
    assert (verdict["pgdat"], verdict["igd"]) == (pytest.approx(0.006), pytest.approx(0.002))
    assert metric_value(_models(), "standard", "ina1@0.02") == 0.07


def test_missing_or_na_numbers_never_hold():
    models = _models()
    models["igd"]["ina1"] = {"0.01": None, "0.02": None}  # no sample correct by all models
    assert INA.check(models)["holds"] is False and INA.check(models)["difference"] is None
    assert metric_value(models, "nobody", "gini_global") is None
    assert metric_value(models, "igd", "ina1@0.5") is None
    assert metric_value({"m": {"x": float("nan")}}, "m", "x") is None
    assert "n/a" in verdict_line(INA.check(models))


def test_markdown_and_lines_give_verdict_and_numbers():
    verdicts = check_claims({"gini": GINI, "cost": COST}, _models(pgd_igd=0.70))
    lines = claims_markdown(verdicts)
    assert lines[1] == "## Claims: 1 of 2 hold in this run"
    assert "- HOLDS: IGD's Gini is at least 0.02 below PGDAT's (gini_global: pgdat 0.690, igd 0.640; " \
           "difference 0.050, needed ≥ 0.020)" in lines
    assert "- DOES NOT HOLD: IGD costs at most 10 PGD-20 points (pgd_acc: igd 70.00 %, pgdat 86.00 %; " \
           "difference -16.00 %, needed ≥ -10.00 %)" in lines
    assert claims_markdown({}) == []


def test_seed_summary_counts_verdicts_and_summarises_their_numbers():
    reports = {seed: {"models": models, "claims": check_claims({"gini": GINI}, models)}
               for seed, models in enumerate([_models(gini_igd=0.64), _models(gini_igd=0.66), _models(gini_igd=0.68)])}
    claim = summarize_seeds(reports)["claims"]["gini"]
    assert (claim["holds_in"], claim["of"]) == (2, 3)
    assert claim["values"]["difference"]["min"] == pytest.approx(0.01)
    assert claim["values"]["igd"]["mean"] == pytest.approx(0.66)
    text = summary_markdown(summarize_seeds(reports), metrics=("gini_global",))
    assert "| IGD's Gini is at least 0.02 below PGDAT's | 2 of 3 seeds (NOT in every seed) | " \
           "igd 0.66 (0.64 to 0.68); difference 0.03 (0.01 to 0.05) |" in text
    assert "| gini_global | 0.69 | 0.69 | 0.69 |" in text  # pgdat's per-seed row


def test_the_quickstart_claims_name_its_models_and_metrics():
    verdicts = check_claims(CLAIMS, {name: {"clean_acc": 1.0, "pgd_acc": 0.5, "gini_global": 0.6,
                                            "ina1": {"0.01": 0.1}, "ina2": {"0.01": 0.1}}
                                     for name in ("standard", "pgdat", "igd")})
    assert all(v["difference"] is not None for v in verdicts.values())  # every claim finds its numbers
