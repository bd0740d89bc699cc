"""Evaluation: evaluators (run(model, data) -> per-sample outcomes), the correct-by-all
protocol, Gini, inductive noise, and reports."""

from igdtf.evaluation.alignment import (
    InputAlignment, TabulatedDirectionAlignment, correlation_with_robustness, epsilon_50_columns, input_alignment,
    pearson,
)
from igdtf.evaluation.alignment_suite import (
    ALIGNMENT_METRICS, alignment_evaluators, alignment_markdown, alignment_table, correlations,
)
from igdtf.evaluation.evaluators import (
    INA_FRACTIONS, AttributionGini, CleanAccuracy, InductiveNoise, PGDAccuracy,
)
from igdtf.evaluation.gini import gini, gini_global, gini_regional
from igdtf.evaluation.protocol import Comparison, compare_models
from igdtf.evaluation.report import build_report, markdown_report, write_report
from igdtf.evaluation.robustness_curve import DirectionAlignment, RobustnessCurve, epsilon_50

__all__ = [
    "ALIGNMENT_METRICS", "InputAlignment", "TabulatedDirectionAlignment", "alignment_evaluators",
    "alignment_markdown", "alignment_table", "correlation_with_robustness", "correlations", "epsilon_50_columns",
    "input_alignment", "pearson",
    "INA_FRACTIONS", "AttributionGini", "CleanAccuracy", "Comparison", "DirectionAlignment", "InductiveNoise",
    "PGDAccuracy", "RobustnessCurve", "epsilon_50",
    "build_report", "compare_models", "gini", "gini_global", "gini_regional", "markdown_report",
    "write_report",
]
