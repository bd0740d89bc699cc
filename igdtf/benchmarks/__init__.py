"""Speed benchmarks: `python -m igdtf.benchmarks.<name>` prints figures measured in the same run."""
