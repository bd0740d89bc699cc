import logging

import pytest

from igdtf.evaluation.reporting.student_check import MAX_CLEAN_GAP, REPORT_KEY, attach_clean_gap, clean_gap_check


def _report(student_clean, standard_clean=0.984):
    return {"models": {"standard student": {"clean_acc": standard_clean, "pgd_acc": 0.05},
                       "igam student": {"clean_acc": student_clean, "pgd_acc": 0.08}}}


def test_a_student_far_below_the_standard_student_is_flagged_in_the_report_and_the_log(caplog):
    report = _report(0.388)  # issue 28: IGAM 38.8 % clean beside a standard student at 98.4 %
    with caplog.at_level(logging.WARNING, logger="igdtf.student_check"):
        lines = attach_clean_gap(report, "igam student", "standard student")
    check = report[REPORT_KEY]
    assert check["flagged"] and check["gap"] == pytest.approx(0.596)
    assert check["student_clean_acc"] == 0.388 and check["reference_clean_acc"] == 0.984
    assert any("!!! STUDENT FAILED" in r.getMessage() and "38.8 %" in r.getMessage() for r in caplog.records)
    text = "\n".join(lines)
    assert "## WARNING: the igam student failed to train" in text and "gap +59.6 points" in text


def test_a_student_near_or_above_the_standard_student_is_not_flagged(caplog):
    for student in (0.978, 0.984 - MAX_CLEAN_GAP + 0.001, 0.999):
        report = _report(student)
        with caplog.at_level(logging.WARNING, logger="igdtf.student_check"):
            lines = attach_clean_gap(report, "igam student", "standard student")
        assert not report[REPORT_KEY]["flagged"] and "WARNING" not in "\n".join(lines)
    assert not [r for r in caplog.records if "STUDENT FAILED" in r.getMessage()]


def test_the_threshold_is_a_parameter_and_missing_models_are_an_error():
    assert clean_gap_check(_report(0.95)["models"], "igam student", "standard student", max_gap=0.02)["flagged"]
    with pytest.raises(KeyError):
        clean_gap_check(_report(0.95)["models"], "igam student", "pgdat teacher")
