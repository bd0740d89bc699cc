"""Benchmarks: `python -m igdtf.benchmarks.<name>` entry points that print measured figures."""
