"""Evaluators and suites: objects with `run(model, dataset) -> {name: PerSample}`, the suites
that build them (suites.py: the one way to build evaluators), the correct-by-all protocol and the
robustness sanity checks. Imports metrics/, never reporting/."""
