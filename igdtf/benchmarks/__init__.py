"""Benchmarks: `python -m igdtf.benchmarks.<name>` prints throughput figures."""
