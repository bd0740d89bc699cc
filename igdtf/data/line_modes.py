"""Line modes: a 2-D toy problem after the PAG paper's (Ganz et al.): two classes, three
Gaussian modes each, all six on one line.

The modes sit on the x axis at (k − 2.5)·s for k = 0…5 (s = `spacing`): class 0 on the left
three, class 1 on the right three, so the classes are separated by s along the line and a
boundary crossing it at right angles between the two middle modes has margin s/2 (20 with the
defaults, more than the attack's ε = 15). Each mode is wide along the line and thin across it
(std 3 and 0.2): the data barely varies in y, so a classifier is free to tilt its boundary
towards the line, which is what an L2 attacker exploits. Models normalise each coordinate by
its standard deviation, like image models normalise each channel, which is what lets a vanilla
classifier turn its boundary almost parallel to the data.
"""

import numpy as np

SPACING = 40.0
STD = (3.0, 0.2)


def mode_centres(spacing: float = SPACING) -> tuple[np.ndarray, np.ndarray]:
    """([6, 2] centres, [6] classes) of the modes along the x axis."""
    positions = (np.arange(6) - 2.5) * spacing
    centres = np.stack([positions, np.zeros_like(positions)], axis=1)
    return centres.astype(np.float32), np.repeat(np.arange(2), 3).astype(np.int32)


def coordinate_std(spacing: float = SPACING, std=STD) -> tuple[float, float]:
    """The standard deviation of each coordinate over the whole (balanced) distribution."""
    positions = mode_centres(spacing)[0][:, 0]
    return float(np.sqrt(positions.var() + std[0] ** 2)), float(std[1])


def generate_line_modes(num_samples: int, seed: int, spacing: float = SPACING, std=STD):
    """Samples drawn uniformly over the six modes.

    Args:
      spacing: distance between neighbouring modes along the line.
      std: (along the line, across it) standard deviation of every mode.
    Returns:
      points: [N, 2] float32. labels: [N] int32.
    """
    rng = np.random.default_rng(seed)
    centres, classes = mode_centres(spacing)
    modes = rng.integers(0, len(centres), num_samples)
    points = centres[modes] + np.asarray(std, np.float32) * rng.standard_normal((num_samples, 2))
    return points.astype(np.float32), classes[modes]
