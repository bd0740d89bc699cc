"""A whole test set projected onto every class of a class-conditional generator (projection.py),
computed once and cached in an .npz keyed by the data, the generator's weights and the settings;
projections onto a wrong class that did not converge are refused (ProjectionError)."""

import dataclasses
import hashlib
import logging
import os
import zipfile

import numpy as np

from igdtf.generative.projection import ConditionalGenerator, ProjectionSettings, Projector
from igdtf.runs.atomic import save_npz

log = logging.getLogger("igdtf.generative")


class ProjectionError(RuntimeError):
    """Projections that did not converge; the message gives their count and residuals."""


@dataclasses.dataclass
class ProjectionTable:
    """Every test sample projected onto every class: inputs [N, ...], points [N, K, ...],
    residuals [N, K] (‖G(z*, c) − x‖₂/√n), movement [N, K] (Projection.movement); describe()
    summarises the movement over the wrong classes only (own-class points are never a Δx).
    TabulatedDirectionAlignment reads Δx from it."""

    inputs: np.ndarray
    points: np.ndarray
    residuals: np.ndarray
    movement: np.ndarray
    labels: np.ndarray
    settings: dict

    def describe(self) -> dict:
        own = self.residuals[np.arange(len(self.labels)), self.labels]
        wrong = self.movement[_wrong_classes(self.labels, self.movement.shape[1])]
        return {"projection": self.settings, "mean_residual_own_class": float(own.mean()),
                "mean_residual_other_classes": float((self.residuals.sum(1) - own).mean()
                                                     / max(1, self.residuals.shape[1] - 1)),
                "median_movement_in_check": float(np.median(wrong)), "max_movement_in_check": float(wrong.max())}


def _wrong_classes(labels: np.ndarray, num_classes: int) -> np.ndarray:
    """[N, K] bool: True where class k is not sample n's label, the only classes that can be its c̃."""
    return np.arange(num_classes)[None, :] != labels[:, None]


def _refuse_unconverged(converged: np.ndarray, candidates: np.ndarray, residuals: np.ndarray, movement: np.ndarray,
                        fall: np.ndarray, settings: ProjectionSettings) -> None:
    """ProjectionError naming the first few of the `candidates` [N, K] (bool) that did not converge."""
    failed = candidates & ~converged
    if not failed.any():
        return
    rows, cols = np.nonzero(failed)
    worst = "; ".join(f"sample {r} → class {c}: residual {residuals[r, c]:.4f}, moved {movement[r, c]:.1%}, "
                      f"objective fell {fall[r, c]:.2%}" for r, c in zip(rows[:5], cols[:5]))
    raise ProjectionError(
        f"{rows.size} of {candidates.sum()} projections did not converge ({settings.checks} restarts of Adam for "
        f"{settings.check_steps} steps each still moved G(z) by more than {settings.tolerance:.1%} of "
        f"‖G(z) − x‖ or lowered the objective by more than {settings.objective_tolerance:.1%}): {worst}. Use "
        "more steps or checks, or a larger prior_weight (a flatter objective drifts); their Δx would be wrong.")


def _data_fingerprint(inputs: np.ndarray, labels: np.ndarray) -> str:
    digest = hashlib.sha256(np.ascontiguousarray(inputs, np.float32).tobytes())
    digest.update(np.ascontiguousarray(labels, np.int32).tobytes())
    return digest.hexdigest()[:16]


def project_dataset(generator: ConditionalGenerator, dataset, settings: ProjectionSettings = ProjectionSettings(),
                    cache_path: str | None = None) -> ProjectionTable:
    """Projects every sample of `dataset` (batches (x, y), fixed order) onto every class.

    With `cache_path` (an .npz) a table computed with the same data, generator weights and
    settings is reloaded instead; another one there is recomputed and overwritten. Raises
    ProjectionError if any projection onto a wrong class did not converge (nothing is cached then;
    projections onto the own class are never a Δx and only enter the reported residuals).
    """
    xs, ys = zip(*[(np.asarray(x, np.float32), np.asarray(y, np.int32).reshape(-1)) for x, y in dataset])
    inputs, labels = np.concatenate(xs), np.concatenate(ys)
    if inputs.shape[1:] != generator.data_shape:
        raise ValueError(f"The data has shape {inputs.shape[1:]}, but the generator outputs {generator.data_shape}.")
    generator.check_classes(labels)
    key = {**dataclasses.asdict(settings), "data": _data_fingerprint(inputs, labels),
           "generator": generator.fingerprint()}
    if cache_path and os.path.exists(cache_path):
        table = _cached_table(cache_path, repr(sorted(key.items())), settings)
        if table is not None:
            return table
    num = generator.num_classes
    points = np.zeros((len(inputs), num) + generator.data_shape, np.float32)
    residuals, movement, fall = (np.zeros((len(inputs), num), np.float32) for _ in range(3))
    converged = np.zeros((len(inputs), num), bool)
    projector = Projector(generator, settings)
    for c in range(num):
        log.info("Projecting %d samples onto class %d of %d (%d + %d steps)", len(inputs), c + 1, num, settings.steps,
                 settings.check_steps)
        for start in range(0, len(inputs), len(xs[0])):
            batch = slice(start, start + len(xs[0]))
            result = projector(inputs[batch], np.full(len(inputs[batch]), c))
            points[batch, c], residuals[batch, c], converged[batch, c] = (result.points, result.residuals,
                                                                          result.converged)
            movement[batch, c], fall[batch, c] = result.movement, result.objective_fall
    _refuse_unconverged(converged, _wrong_classes(labels, num), residuals, movement, fall, settings)
    table = ProjectionTable(inputs, points, residuals, movement, labels, dataclasses.asdict(settings))
    if cache_path:
        save_npz(cache_path, inputs=inputs, points=points, residuals=residuals, movement=movement, labels=labels,
                 key=repr(sorted(key.items())))
    return table


def _cached_table(cache_path: str, key: str, settings: ProjectionSettings) -> ProjectionTable | None:
    """The ProjectionTable cached in `cache_path` under `key`, or None (logged) if it holds
    another key or cannot be read (it is then recomputed and rewritten)."""
    try:
        with np.load(cache_path) as cached:
            if str(cached["key"]) != key:
                log.info("%s holds projections of other data, generator or settings; recomputing.", cache_path)
                return None
            log.info("Reusing the projections cached in %s", cache_path)
            return ProjectionTable(cached["inputs"], cached["points"], cached["residuals"], cached["movement"],
                                   cached["labels"], dataclasses.asdict(settings))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, EOFError) as error:
        log.warning("The projection cache %s cannot be read (%s: %s); recomputing it.", cache_path,
                    type(error).__name__, str(error)[:200])
        return None
