"""Line modes: the PAG paper's 2-D toy data (Ganz et al., ICML 2023, section 5.1, appendix C.1).

Two classes, three Gaussian modes each, all on the line x₂ = 2·x₁: a point of the mode with
centre c has x₁ ~ N(c, 1) and x₂ = 2·x₁ exactly. Mode centres (in x₁): class 0 {−50, −10, 30},
class 1 {−30, 10, 50}, so the classes alternate along the line, neighbouring modes 20 apart in
x₁ (20·√5 ≈ 44.7 along the line). The appendix draws 1 000 points per mode for training (6 000)
and 600 test points; samples are spread evenly over the six modes (exactly N/6 per mode when
6 divides N). No normalisation: models see the raw coordinates, as in the paper.
"""

import numpy as np

CENTRES = ((-50.0, -10.0, 30.0), (-30.0, 10.0, 50.0))  # x₁ of class 0's and class 1's modes
SLOPE = 2.0  # x₂ = SLOPE·x₁
STD = 1.0  # of x₁ within a mode


def mode_centres() -> tuple[np.ndarray, np.ndarray]:
    """([6, 2] mode centres on the line, [6] their classes), sorted along the line."""
    first = np.array([c for centres in CENTRES for c in centres], np.float32)
    classes = np.repeat(np.arange(len(CENTRES)), len(CENTRES[0])).astype(np.int32)
    order = np.argsort(first)
    return np.stack([first, SLOPE * first], axis=1)[order], classes[order]


def generate_line_modes(num_samples: int, seed: int):
    """`num_samples` points spread evenly over the six modes (mode k gets ⌊N/6⌋ or one more),
    in random order.

    Returns:
      points: [N, 2] float32 with points[:, 1] == 2·points[:, 0]. labels: [N] int32.
    """
    rng = np.random.default_rng(seed)
    centres, classes = mode_centres()
    modes = rng.permutation(np.arange(num_samples) % len(centres))
    first = centres[modes, 0] + STD * rng.standard_normal(num_samples)
    points = np.stack([first, SLOPE * first], axis=1)
    return points.astype(np.float32), classes[modes]
