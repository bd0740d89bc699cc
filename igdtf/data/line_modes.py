"""Line modes: the 2-D toy problem of the PAG paper (Ganz et al.).

Two classes, three Gaussian modes each, the six modes alternating along one line (the x axis):
class 0 at x = 0, 2·s, 4·s and class 1 at x = s, 3·s, 5·s (s = `spacing`), centred on 0. Each
mode is an axis-aligned Gaussian, wide along the line and thin across it, so the data has one
direction (y) in which it barely varies: a classifier is free to put its boundary close to the
data in that direction, which is what an attacker exploits.
"""

import numpy as np

NUM_MODES_PER_CLASS = 3


def mode_centres(spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """([6, 2] centres, [6] classes) of the modes, alternating classes along the x axis."""
    positions = (np.arange(2 * NUM_MODES_PER_CLASS) - (2 * NUM_MODES_PER_CLASS - 1) / 2) * spacing
    centres = np.stack([positions, np.zeros_like(positions)], axis=1)
    return centres.astype(np.float32), (np.arange(2 * NUM_MODES_PER_CLASS) % 2).astype(np.int32)


def generate_line_modes(num_samples: int, seed: int, spacing: float = 40.0, std=(3.0, 0.1)):
    """Samples drawn uniformly over the six modes.

    Args:
      spacing: distance between neighbouring modes (of different classes) along the line.
      std: (along the line, across it) standard deviation of every mode.
    Returns:
      points: [N, 2] float32. labels: [N] int32.
    """
    rng = np.random.default_rng(seed)
    centres, classes = mode_centres(spacing)
    modes = rng.integers(0, len(centres), num_samples)
    points = centres[modes] + np.asarray(std, np.float32) * rng.standard_normal((num_samples, 2))
    return points.astype(np.float32), classes[modes]
