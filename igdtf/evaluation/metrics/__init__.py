"""Metrics and maps: per-sample measurements and the functions behind them (Gini, inductive
noise, occlusion, mCE, robustness curves, input alignment, map tests), the batch loop and the
per-sample outcome records. Imports nothing from evaluators/ or reporting/."""
