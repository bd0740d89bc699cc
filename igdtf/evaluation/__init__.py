"""Evaluation: evaluators (run(model, data) -> per-sample outcomes), the correct-by-all
protocol, Gini, inductive noise, and reports."""

from igdtf.evaluation.evaluators import (
    INA_FRACTIONS, AttributionGini, CleanAccuracy, InductiveNoise, PGDAccuracy,
)
from igdtf.evaluation.autoattack import AutoAttackAccuracy
from igdtf.evaluation.gini import gini, gini_global, gini_regional
from igdtf.evaluation.protocol import Comparison, compare_models
from igdtf.evaluation.report import build_report, markdown_report, write_report
from igdtf.evaluation.robustness_curve import DirectionAlignment, RobustnessCurve, epsilon_50
from igdtf.evaluation.sanity import RobustnessChecks, Thresholds, add_robustness_checks, judge

__all__ = [
    "AutoAttackAccuracy", "RobustnessChecks", "Thresholds", "add_robustness_checks", "judge",
    "INA_FRACTIONS", "AttributionGini", "CleanAccuracy", "Comparison", "DirectionAlignment", "InductiveNoise",
    "PGDAccuracy", "RobustnessCurve", "epsilon_50",
    "build_report", "compare_models", "gini", "gini_global", "gini_regional", "markdown_report",
    "write_report",
]
