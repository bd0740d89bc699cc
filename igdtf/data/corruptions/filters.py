"""Image filters behind the ImageNet-C corruptions (NumPy/SciPy; images [H, W, C] float64).

Written from the published descriptions of the operations the ImageNet-C scripts call in OpenCV
and ImageMagick (neither is a dependency here): a Gaussian-smoothed disk kernel, ImageMagick's
one-sided motion-blur kernel, a centre zoom cropped back to size, the diamond-square plasma
fractal, and OpenCV's histogram equalisation. Borders follow the originals: OpenCV's
BORDER_REFLECT_101 is SciPy's "mirror".
"""

import numpy as np
from scipy import ndimage

LUMA = np.array([0.299, 0.587, 0.114])  # ITU-R 601 weights of R, G, B (OpenCV's RGB → gray)


def gaussian_kernel_1d(size: int, sigma: float) -> np.ndarray:
    """[size] normalised Gaussian weights centred on the middle tap (OpenCV's fixed-size kernel)."""
    offsets = np.arange(size) - (size - 1) / 2
    weights = np.exp(-offsets ** 2 / (2 * sigma ** 2))
    return weights / weights.sum()


def disk_kernel(radius: float, alias_sigma: float) -> np.ndarray:
    """Defocus kernel: the disk of `radius` px on a (2·max(8, radius) + 1)² grid, normalised,
    smoothed by a 3×3 (radius ≤ 8) or 5×5 Gaussian of σ = alias_sigma to anti-alias it."""
    half = 8 if radius <= 8 else int(radius)
    grid = np.arange(-half, half + 1)
    xs, ys = np.meshgrid(grid, grid)
    disk = (xs ** 2 + ys ** 2 <= radius ** 2).astype(np.float64)
    disk /= disk.sum()
    smooth = gaussian_kernel_1d(3 if radius <= 8 else 5, alias_sigma)
    return ndimage.correlate(disk, np.outer(smooth, smooth), mode="mirror")


def correlate_channels(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Each channel of [H, W, C] correlated with the 2-D kernel (mirrored borders)."""
    return np.stack([ndimage.correlate(image[..., c], kernel, mode="mirror")
                     for c in range(image.shape[-1])], axis=-1)


def motion_blur(image: np.ndarray, radius: float, sigma: float, angle_degrees: float) -> np.ndarray:
    """ImageMagick's -motion-blur RADIUSxSIGMA+ANGLE: each pixel becomes the weighted mean of the
    2·⌈radius⌉ + 1 pixels behind it along `angle` (weights exp(−i²/2σ²), i = 0, 1, ...; offsets
    rounded to whole pixels, edges repeated)."""
    width = 2 * int(np.ceil(radius)) + 1
    steps = np.arange(width)
    weights = np.exp(-steps ** 2 / (2 * sigma ** 2))
    weights /= weights.sum()
    angle = np.deg2rad(angle_degrees)
    height, columns = image.shape[:2]
    rows, cols = np.arange(height)[:, None], np.arange(columns)[None, :]
    out = np.zeros_like(image, dtype=np.float64)
    for i, weight in zip(steps, weights):
        dx, dy = int(np.ceil(i * np.cos(angle) - 0.5)), int(np.ceil(i * np.sin(angle) - 0.5))
        out += weight * image[np.clip(rows + dy, 0, height - 1), np.clip(cols + dx, 0, columns - 1)]
    return out


def clipped_zoom(image: np.ndarray, factor: float) -> np.ndarray:
    """The centre 1/factor of [H, W, C] zoomed by `factor` (bilinear), trimmed back to H × W."""
    height, width = image.shape[:2]
    crop_h, crop_w = int(np.ceil(height / factor)), int(np.ceil(width / factor))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    zoomed = ndimage.zoom(image[top:top + crop_h, left:left + crop_w], (factor, factor, 1), order=1)
    trim_h, trim_w = (zoomed.shape[0] - height) // 2, (zoomed.shape[1] - width) // 2
    return zoomed[trim_h:trim_h + height, trim_w:trim_w + width]


def plasma_fractal(size: int, decay: float, rng: np.random.RandomState) -> np.ndarray:
    """[size, size] diamond-square height map scaled to [0, 1]; size a power of two. The random
    perturbation starts at ±100² and shrinks by `decay` at every halving of the step (fog)."""
    if size & (size - 1):
        raise ValueError(f"The plasma fractal's size must be a power of two, received {size}.")
    heights = np.zeros((size, size))
    step, wibble = size, 100.0

    def perturbed_mean(total):
        return total / 4 + wibble * rng.uniform(-wibble, wibble, total.shape)

    while step >= 2:
        half = step // 2
        corners = heights[0:size:step, 0:size:step]
        squares = corners + np.roll(corners, -1, axis=0)
        squares = squares + np.roll(squares, -1, axis=1)
        heights[half:size:step, half:size:step] = perturbed_mean(squares)
        centres = heights[half:size:step, half:size:step]
        heights[0:size:step, half:size:step] = perturbed_mean(
            centres + np.roll(centres, 1, axis=0) + corners + np.roll(corners, -1, axis=1))
        heights[half:size:step, 0:size:step] = perturbed_mean(
            centres + np.roll(centres, 1, axis=1) + corners + np.roll(corners, -1, axis=0))
        step //= 2
        wibble /= decay
    heights -= heights.min()
    return heights / heights.max()


def equalize_histogram(image: np.ndarray) -> np.ndarray:
    """OpenCV's equalizeHist of a uint8 [H, W] image: the grey levels mapped through the
    cumulative histogram, stretched to 0..255."""
    counts = np.bincount(image.ravel(), minlength=256)
    cumulative = np.cumsum(counts)
    first = cumulative[np.flatnonzero(counts)[0]]
    if cumulative[-1] == first:  # one grey level: nothing to stretch
        return image.copy()
    lut = np.round((cumulative - first) * 255.0 / (cumulative[-1] - first))
    return np.clip(lut, 0, 255).astype(np.uint8)[image]
