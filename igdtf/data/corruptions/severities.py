"""The severity constants of the 19 ImageNet-C corruptions, one tuple per severity 1–5.

Two published sets (numbers, not code, from Hendrycks & Dietterich, "Benchmarking Neural Network
Robustness to Common Corruptions and Perturbations", ICLR 2019, and the scripts that made their
data sets, github.com/hendrycks/robustness, ImageNet-C/create_c/):
  CIFAR10_C  — make_cifar_c.py, the CIFAR-10-C (and CIFAR-100-C) constants for 32 px images;
  IMAGENET_C — make_imagenet_c.py, the ImageNet-C constants for 224 px images (the same numbers
               tensorflow-datasets' imagenet2012_corrupted uses).
`parameter_set` picks the set by image size. Lengths are in pixels, except where a comment says
otherwise.
"""

import numpy as np

CIFAR10_C = "cifar10_c"
IMAGENET_C = "imagenet_c"
PARAMETER_SETS = (CIFAR10_C, IMAGENET_C)
REFERENCE_SIZE = {CIFAR10_C: 32, IMAGENET_C: 224}
# Images at most this many pixels on their longer side use the CIFAR-10-C constants: the
# geometric mean of 32 and 224 (Tiny-ImageNet's 64 px → CIFAR-10-C, STL-10's 96 px → ImageNet-C).
SMALL_IMAGE_LIMIT = 84


def _zoom_factors(stop: float, step: float) -> tuple[float, ...]:
    """1, 1 + step, ... below stop (the published np.arange(1, stop, step))."""
    return tuple(float(z) for z in np.arange(1, stop, step))


SEVERITY_CONSTANTS = {
    CIFAR10_C: {
        "gaussian_noise": (0.04, 0.06, 0.08, 0.09, 0.10),  # σ of additive noise (pixels in [0, 1])
        "shot_noise": (500, 250, 100, 75, 50),  # photons per unit intensity
        "impulse_noise": (0.01, 0.02, 0.03, 0.05, 0.07),  # salt-and-pepper fraction
        "speckle_noise": (0.06, 0.1, 0.12, 0.16, 0.2),  # σ of multiplicative noise
        "gaussian_blur": (0.4, 0.6, 0.7, 0.8, 1.0),  # σ (px)
        "glass_blur": ((0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)),  # σ, max shift, rounds
        "defocus_blur": ((0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)),  # disk radius, anti-alias σ
        "motion_blur": ((6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)),  # radius, σ (px)
        "zoom_blur": tuple(_zoom_factors(stop, 0.01) for stop in (1.06, 1.11, 1.16, 1.21, 1.26)),
        "fog": ((0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)),  # strength, fractal decay
        "frost": ((1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)),  # image weight, frost weight
        "snow": ((0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9),
                 (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9), (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85),
                 (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)),  # mean, σ, zoom, threshold, blur radius, blur σ, image weight
        "spatter": ((0.62, 0.1, 0.7, 0.7, 0.5, 0), (0.65, 0.1, 0.8, 0.7, 0.5, 0), (0.65, 0.3, 1, 0.69, 0.5, 0),
                    (0.65, 0.1, 0.7, 0.69, 0.6, 1), (0.65, 0.1, 0.5, 0.68, 0.6, 1)),  # mean, σ, blur σ, threshold, strength, mud
        "contrast": (0.75, 0.5, 0.4, 0.3, 0.15),  # factor on the deviation from the mean
        "brightness": (0.05, 0.1, 0.15, 0.2, 0.3),  # added to the HSV value
        "saturate": ((0.3, 0), (0.1, 0), (1.5, 0), (2, 0.1), (2.5, 0.2)),  # HSV saturation factor, offset
        "jpeg_compression": (80, 65, 58, 50, 40),  # JPEG quality
        "pixelate": (0.95, 0.9, 0.85, 0.75, 0.65),  # downscale factor
        # (displacement scale, displacement smoothing σ, affine jitter) as fractions of the image side
        "elastic_transform": ((0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05),
                              (0.1, 0.03, 0.03)),
    },
    IMAGENET_C: {
        "gaussian_noise": (0.08, 0.12, 0.18, 0.26, 0.38),
        "shot_noise": (60, 25, 12, 5, 3),
        "impulse_noise": (0.03, 0.06, 0.09, 0.17, 0.27),
        "speckle_noise": (0.15, 0.2, 0.35, 0.45, 0.6),
        "gaussian_blur": (1, 2, 3, 4, 6),
        "glass_blur": ((0.7, 1, 2), (0.9, 2, 1), (1, 2, 3), (1.1, 3, 2), (1.5, 4, 2)),
        "defocus_blur": ((3, 0.1), (4, 0.5), (6, 0.5), (8, 0.5), (10, 0.5)),
        "motion_blur": ((10, 3), (15, 5), (15, 8), (15, 12), (20, 15)),
        "zoom_blur": (_zoom_factors(1.11, 0.01), _zoom_factors(1.16, 0.01), _zoom_factors(1.21, 0.02),
                      _zoom_factors(1.26, 0.02), _zoom_factors(1.31, 0.03)),
        "fog": ((1.5, 2), (2.0, 2), (2.5, 1.7), (2.5, 1.5), (3.0, 1.4)),
        "frost": ((1, 0.4), (0.8, 0.6), (0.7, 0.7), (0.65, 0.7), (0.6, 0.75)),
        "snow": ((0.1, 0.3, 3, 0.5, 10, 4, 0.8), (0.2, 0.3, 2, 0.5, 12, 4, 0.7), (0.55, 0.3, 4, 0.9, 12, 8, 0.7),
                 (0.55, 0.3, 4.5, 0.85, 12, 8, 0.65), (0.55, 0.3, 2.5, 0.85, 12, 12, 0.55)),
        "spatter": ((0.65, 0.3, 4, 0.69, 0.6, 0), (0.65, 0.3, 3, 0.68, 0.6, 0), (0.65, 0.3, 2, 0.68, 0.5, 0),
                    (0.65, 0.3, 1, 0.65, 1.5, 1), (0.67, 0.4, 1, 0.65, 1.5, 1)),
        "contrast": (0.4, 0.3, 0.2, 0.1, 0.05),
        "brightness": (0.1, 0.2, 0.3, 0.4, 0.5),
        "saturate": ((0.3, 0), (0.1, 0), (2, 0), (5, 0.1), (20, 0.2)),
        "jpeg_compression": (25, 18, 15, 10, 7),
        "pixelate": (0.6, 0.5, 0.4, 0.3, 0.25),
        # Published as multiples of 244 px (sic) for 224 px images; as fractions of the side here.
        "elastic_transform": tuple((a * 244 / 224, b * 244 / 224, c * 244 / 224) for a, b, c in (
            (2, 0.7, 0.1), (2, 0.08, 0.2), (0.05, 0.01, 0.02), (0.07, 0.01, 0.02), (0.12, 0.01, 0.02))),
    },
}
# Frost: the frost photographs are resized by this factor (× image side / reference size) before
# a random crop of the image's size is taken.
FROST_RESIZE = {CIFAR10_C: 0.2, IMAGENET_C: 1.0}


def parameter_set(height: int, width: int) -> str:
    """CIFAR10_C for images up to SMALL_IMAGE_LIMIT px on their longer side, else IMAGENET_C."""
    return CIFAR10_C if max(height, width) <= SMALL_IMAGE_LIMIT else IMAGENET_C
