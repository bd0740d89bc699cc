"""Entry points: `python -m igdtf.recipes.<name>`. absl flags are defined only in this package."""
