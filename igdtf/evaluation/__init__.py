"""Evaluation: evaluators (run(model, data) -> per-sample outcomes), suites, the correct-by-all
protocol, Gini, inductive noise and occlusion, corruptions, reports, figures and callbacks."""

from igdtf.evaluation.alignment import (
    InputAlignment, TabulatedDirectionAlignment, correlation_with_robustness, epsilon_50_columns, input_alignment,
    pearson,
)
from igdtf.evaluation.alignment_suite import (
    ALIGNMENT_METRICS, alignment_evaluators, alignment_markdown, alignment_table, correlations,
)
from igdtf.evaluation.corruptions import FolderCorruptions, GeneratedCorruptions
from igdtf.evaluation.evaluators import (
    INA_FRACTIONS, RN_FRACTIONS, AttributionEvaluator, AttributionGini, CleanAccuracy, Confidence,
    GradientNorm, InductiveNoise, PGDAccuracy, RandomNoise,
)
from igdtf.evaluation.autoattack import AutoAttackAccuracy
from igdtf.evaluation.gini import CHANNEL_REDUCTIONS, gini, gini_global, gini_regional
from igdtf.evaluation.map_tests import GiniTest, InductiveNoiseTest, MapNorm, OcclusionTest
from igdtf.evaluation.protocol import Comparison, compare_models
from igdtf.evaluation.report import build_report, load_comparison, markdown_report, write_report
from igdtf.evaluation.robustness_curve import DirectionAlignment, RobustnessCurve, epsilon_50
from igdtf.evaluation.sanity import RobustnessChecks, Thresholds, add_robustness_checks, judge
from igdtf.evaluation.suites import SUITES, SuiteSettings, build_evaluators

__all__ = [
    "ALIGNMENT_METRICS", "InputAlignment", "TabulatedDirectionAlignment", "alignment_evaluators",
    "alignment_markdown", "alignment_table", "correlation_with_robustness", "correlations", "epsilon_50_columns",
    "input_alignment", "pearson",
    "AutoAttackAccuracy", "RobustnessChecks", "Thresholds", "add_robustness_checks", "judge",
    "CHANNEL_REDUCTIONS", "INA_FRACTIONS", "RN_FRACTIONS", "SUITES", "AttributionEvaluator",
    "AttributionGini", "CleanAccuracy", "Comparison", "Confidence", "DirectionAlignment", "FolderCorruptions",
    "GeneratedCorruptions", "GiniTest", "GradientNorm", "InductiveNoise", "InductiveNoiseTest", "MapNorm",
    "OcclusionTest", "PGDAccuracy", "RandomNoise", "RobustnessCurve", "SuiteSettings", "build_evaluators",
    "build_report", "compare_models", "epsilon_50", "gini", "gini_global", "gini_regional", "load_comparison",
    "markdown_report", "write_report",
]
