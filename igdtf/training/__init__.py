"""Training one method end to end: config (config.py) → trainer (igdtf.methods) → fit with
checkpoints (run.py, checkpoints.py, callbacks.py) → model.keras in a run directory (run_dir.py).

The names below are imported on first use, so that `igdtf.training.run_dir` and the other
light modules (which igdtf.methods, igdtf.export and igdtf.evaluation use) can be imported
without the run loop and igdtf.methods behind it.
"""

import importlib

_PUBLIC = {"MODEL_FILE": "run_dir", "OPTIMIZERS": "config", "TensorBoardOptions": "config",
           "TrainConfig": "config", "run_settings": "config", "train_model": "run"}
__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'igdtf.training' has no attribute {name!r}")
    return getattr(importlib.import_module(f"igdtf.training.{_PUBLIC[name]}"), name)
