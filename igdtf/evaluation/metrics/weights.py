"""Proof that evaluation leaves a model alone: all its variables (weights and BatchNorm
moving statistics) compared before and after."""

import numpy as np


def weight_snapshot(model) -> list[np.ndarray]:
    """Copies of every variable of `model` (trainable and not)."""
    return [np.array(v.numpy(), copy=True) for v in model.variables]


def weights_unchanged(model, snapshot: list[np.ndarray]) -> bool:
    """True if every variable still equals its snapshot exactly."""
    return len(snapshot) == len(model.variables) and all(
        np.array_equal(old, v.numpy()) for old, v in zip(snapshot, model.variables))


def check_weights_unchanged(model, snapshot: list[np.ndarray], what: str) -> None:
    """Raises RuntimeError naming the changed variables if `what` modified the model."""
    changed = [v.path for old, v in zip(snapshot, model.variables) if not np.array_equal(old, v.numpy())]
    if changed or len(snapshot) != len(model.variables):
        raise RuntimeError(f"{what} changed the model's variables {changed}: evaluation must run with "
                           "training=False and never update BatchNorm statistics.")
