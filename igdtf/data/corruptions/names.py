"""The ImageNet-C corruption names (Hendrycks & Dietterich 2019: the 15 of the benchmark and the
4 extra ones) and severities 1–5, and the checks of a user's choice of them."""

import numpy as np

from igdtf.validation import check_choice

NOISE_CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise")  # the IGD paper's Tables 5–7
BENCHMARK_CORRUPTIONS = NOISE_CORRUPTIONS + (  # the 15 of ImageNet-C's mCE, in the paper's order
    "defocus_blur", "glass_blur", "motion_blur", "zoom_blur", "snow", "frost", "fog", "brightness", "contrast",
    "elastic_transform", "pixelate", "jpeg_compression",
)
EXTRA_CORRUPTIONS = ("speckle_noise", "gaussian_blur", "spatter", "saturate")  # ImageNet-C's held-out four
CORRUPTIONS = BENCHMARK_CORRUPTIONS + EXTRA_CORRUPTIONS
ALL = "all"
SEVERITIES = (1, 2, 3, 4, 5)


def check_severity(severity) -> int:
    if isinstance(severity, bool) or not isinstance(severity, (int, np.integer)) or severity not in SEVERITIES:
        raise ValueError(f"Corruption severity must be an integer in 1..5, received {severity!r}.")
    return int(severity)


def corruption_names(names) -> tuple[str, ...]:
    """["all"] → the 19 corruptions; otherwise the names, checked, in the order given."""
    names = tuple(names)
    if ALL in names:
        if len(names) > 1:
            raise ValueError(f"Corruptions: give '{ALL}' alone or a list of names, received {','.join(names)}.")
        return CORRUPTIONS
    if not names:
        raise ValueError(f"Choose at least one corruption ('{ALL}' or names: {', '.join(CORRUPTIONS)}).")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"Corruption {duplicates[0]!r} is listed twice.")
    return tuple(check_choice("corruption", name, CORRUPTIONS) for name in names)
