"""Reporting and figures: report.json/.md and its tables, figures, claims and student checks,
seed summaries, RobustBench entries and the TensorBoard probes. Imports metrics/ and evaluators/."""
