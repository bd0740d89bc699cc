"""Facts measured on a user dataset's training split in one pass, cached in a JSON file beside
the data: per-channel mean and std of the pixels (in [0, 1]), the usual image side and the
number of channels."""

import contextlib
import dataclasses
import json
import logging
import os

import numpy as np

log = logging.getLogger("igdtf.data")


class PixelMoments:
    """Running per-channel sums of pixel values and their squares (float64), and the images'
    shorter sides."""

    def __init__(self, channels: int):
        self.sums = np.zeros(channels)
        self.squares = np.zeros(channels)
        self.pixels = 0
        self.sides: list[int] = []

    def add(self, sums, squares, height: int, width: int) -> None:
        """One image's per-channel sums of x and x² (x in [0, 1]) over its height × width pixels."""
        self.sums += np.asarray(sums, np.float64)
        self.squares += np.asarray(squares, np.float64)
        self.pixels += int(height) * int(width)
        self.sides.append(min(int(height), int(width)))

    def add_batch(self, images: np.ndarray) -> None:
        """Images [N, H, W, C] with values in [0, 1]."""
        values = images.astype(np.float64)
        for _ in range(len(images)):
            self.sides.append(min(images.shape[1:3]))
        self.sums += values.sum(axis=(0, 1, 2))
        self.squares += np.square(values).sum(axis=(0, 1, 2))
        self.pixels += int(np.prod(images.shape[:3]))

    def statistics(self, channels: int) -> "ImageStatistics":
        """The mean, std (population) and most common shorter side; with channels=1 only the
        first channel's moments (grayscale images decoded as RGB repeat it)."""
        mean = self.sums / self.pixels
        std = np.sqrt(np.maximum(self.squares / self.pixels - mean ** 2, 0.0))
        sides, counts = np.unique(self.sides, return_counts=True)
        return ImageStatistics(tuple(float(m) for m in mean[:channels]),
                               tuple(max(float(s), 1e-3) for s in std[:channels]),  # a constant channel
                               int(sides[np.argmax(counts)]), channels, len(self.sides))


@dataclasses.dataclass(frozen=True)
class ImageStatistics:
    """mean, std: per channel, of pixels in [0, 1]; side: the most common shorter image side
    (px); channels: 1 or 3; count: training images measured."""

    mean: tuple[float, ...]
    std: tuple[float, ...]
    side: int
    channels: int
    count: int


def cached(path: str, fingerprint: str, compute) -> dict:
    """The JSON dict stored at `path` if its "fingerprint" matches, else compute() (a dict),
    stored there with the fingerprint. A folder that cannot be written only costs the cache."""
    if os.path.isfile(path):
        try:
            with open(path) as f:
                stored = json.load(f)
            if stored.get("fingerprint") == fingerprint:
                return stored
        except (OSError, ValueError):
            pass
    result = {**compute(), "fingerprint": fingerprint}
    partial = f"{path}.partial"
    try:
        with open(partial, "w") as f:
            json.dump(result, f, indent=1)
        os.replace(partial, path)
        log.info("Dataset statistics cached in %s.", path)
    except OSError as error:  # e.g. a read-only or full data folder
        with contextlib.suppress(OSError):
            os.remove(partial)
        log.warning("Could not cache the dataset statistics in %s (%s); they are recomputed next time.",
                    path, error)
    return result


def statistics_from(stored: dict) -> ImageStatistics:
    """The ImageStatistics of a dict written by `cached` (JSON lists back to tuples)."""
    return ImageStatistics(tuple(stored["mean"]), tuple(stored["std"]), int(stored["side"]),
                           int(stored["channels"]), int(stored["count"]))
