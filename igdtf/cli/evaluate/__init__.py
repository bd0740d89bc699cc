"""The evaluation command line, `python -m igdtf.evaluate` (entry module igdtf/evaluate.py):
command.py runs flags.py's flags through plan.py, models.py, delta_x.py, runs.py and report.py."""
