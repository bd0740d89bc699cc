"""Training one method end to end: config (config.py) → trainer (igdtf.methods) → fit with
checkpoints (run.py, checkpoints.py, callbacks.py) → model.keras in a run directory
(igdtf/runs/files.py)."""

from igdtf.training.config import OPTIMIZERS, TensorBoardOptions, TrainConfig, run_settings
from igdtf.training.run import train_model

__all__ = ["OPTIMIZERS", "TensorBoardOptions", "TrainConfig", "run_settings", "train_model"]
