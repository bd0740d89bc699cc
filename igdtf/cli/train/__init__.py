"""The training command line shared by `python -m igdtf.recipes.train` and the dataset recipes
(igdtf/recipes/<dataset>.py): command.py (flags → data → teacher → training → final report →
SavedModel), data.py (--validation and the splits), teacher.py (--teacher), report.py (the
final report)."""
