"""Evaluation, in three layers that import downwards only: metrics/ (Gini, inductive noise,
occlusion, mCE, robustness curves, alignment, map tests, per-sample outcomes), evaluators/
(run(model, data) -> per-sample outcomes, the suites that build them, the correct-by-all protocol,
the sanity checks) and reporting/ (reports, tables, figures, claims, TensorBoard probes). This
module gathers their public names."""

from igdtf.evaluation.metrics.alignment import (
    InputAlignment, TabulatedDirectionAlignment, correlation_with_robustness, epsilon_50_columns, input_alignment,
    pearson,
)
from igdtf.evaluation.evaluators.alignment_suite import (
    ALIGNMENT_METRICS, alignment_evaluators, alignment_markdown, alignment_table, correlations,
)
from igdtf.evaluation.evaluators.corruptions import FolderCorruptions, GeneratedCorruptions
from igdtf.evaluation.evaluators.batch_evaluators import (
    INA_FRACTIONS, RN_FRACTIONS, AttributionEvaluator, AttributionGini, CleanAccuracy, Confidence,
    GradientNorm, InductiveNoise, PGDAccuracy, RandomNoise,
)
from igdtf.evaluation.evaluators.autoattack import AutoAttackAccuracy
from igdtf.evaluation.metrics.gini import CHANNEL_REDUCTIONS, gini, gini_global, gini_regional
from igdtf.evaluation.metrics.map_tests import GiniTest, InductiveNoiseTest, MapNorm, OcclusionTest
from igdtf.evaluation.evaluators.protocol import Comparison, compare_models
from igdtf.evaluation.reporting.report import build_report, load_comparison, markdown_report, write_report
from igdtf.evaluation.metrics.robustness_curve import DirectionAlignment, RobustnessCurve, epsilon_50
from igdtf.evaluation.evaluators.sanity import RobustnessChecks, Thresholds, add_robustness_checks, judge
from igdtf.evaluation.evaluators.suites import SUITES, SuiteSettings, build_evaluators

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
