"""Training one method end to end: config (config.py) → trainer (igdtf.methods) → fit with
checkpoints (run.py, callbacks.py) → model.keras in a run directory (run_dir.py)."""

from igdtf.training.config import OPTIMIZERS, TensorBoardOptions, TrainConfig, run_settings
from igdtf.training.run import train_model
from igdtf.training.run_dir import MODEL_FILE

__all__ = ["MODEL_FILE", "OPTIMIZERS", "TensorBoardOptions", "TrainConfig", "run_settings", "train_model"]
