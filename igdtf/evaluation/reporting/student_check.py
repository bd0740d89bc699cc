"""A student that failed to train: clean accuracy far below a reference trained on the same data.

A student trained with an extra term (IGAM's min-max with a discriminator, a distillation
penalty) should reach about the clean accuracy of a student trained on cross-entropy alone,
the same architecture on the same data for the same epochs. A min-max that goes wrong can
leave the student far above chance, so the collapse check (training/collapse.py) stays silent,
and far below the reference all the same (an IGAM student at 38.8 % clean beside a standard
student at 98.4 %). The check flags a student whose clean accuracy is more than MAX_CLEAN_GAP
below the reference's.

MAX_CLEAN_GAP = 10 points (accuracies in [0, 1]: 0.10): more than robust training costs in
the IGAM paper (Chan et al. 2020, Table 1, CIFAR-10: the IGAM student is 1.4 points below the
standard model, PGD-7 adversarial training 7.7 points), so a larger gap is a failed run rather
than the price of robustness.
"""

import logging

log = logging.getLogger("igdtf.student_check")

MAX_CLEAN_GAP = 0.10
REPORT_KEY = "student_clean_gap"


def clean_gap_check(models: dict, student: str, reference: str, max_gap: float = MAX_CLEAN_GAP) -> dict:
    """The check of `student` against `reference` in `models` ({name: {"clean_acc": a in [0, 1], ...}}):
    {"flagged", "student", "reference", "student_clean_acc", "reference_clean_acc", "gap" (reference −
    student, in [−1, 1]), "max_gap", "rule"}. KeyError if either model or its clean_acc is missing."""
    student_acc, reference_acc = float(models[student]["clean_acc"]), float(models[reference]["clean_acc"])
    gap = reference_acc - student_acc
    return {"flagged": bool(gap > max_gap), "student": student, "reference": reference,
            "student_clean_acc": student_acc, "reference_clean_acc": reference_acc, "gap": gap, "max_gap": max_gap,
            "rule": f"flagged when the {student}'s clean accuracy is more than {100 * max_gap:g} points below the "
                    f"{reference}'s (same architecture, data and epochs)"}


def clean_gap_message(check: dict) -> str:
    """One sentence: the two clean accuracies, the gap and whether it is flagged."""
    verdict = "FAILED TO TRAIN" if check["flagged"] else "within the threshold"
    return (f"{check['student']} {100 * check['student_clean_acc']:.1f} % clean, {check['reference']} "
            f"{100 * check['reference_clean_acc']:.1f} % (gap {100 * check['gap']:+.1f} points; flagged above "
            f"{100 * check['max_gap']:g}): {verdict}")


def clean_gap_markdown(check: dict) -> list[str]:
    """Markdown lines: a WARNING section for a flagged student, else one line that it passed."""
    if not check["flagged"]:
        return ["", f"Student check: {clean_gap_message(check)}.", ""]
    return ["", f"## WARNING: the {check['student']} failed to train", "",
            f"{clean_gap_message(check)}. Its numbers say nothing about the method; see the training "
            "curves (history.csv) and change the method's settings or the seed.", ""]


def attach_clean_gap(report: dict, student: str, reference: str, max_gap: float = MAX_CLEAN_GAP) -> list[str]:
    """Adds the check of report["models"][student] to `report` (REPORT_KEY), logs it (a loud
    warning when flagged) and returns its markdown lines."""
    check = clean_gap_check(report["models"], student, reference, max_gap)
    report[REPORT_KEY] = check
    if check["flagged"]:
        log.warning("!!! STUDENT FAILED: %s.", clean_gap_message(check))
    else:
        log.info("Student check: %s.", clean_gap_message(check))
    return clean_gap_markdown(check)
