"""What a user dataset (folder:, npz: or tfds: spec) provides once opened and checked."""

import dataclasses
import logging
from collections.abc import Callable

import tensorflow as tf

from igdtf.data.sources.statistics import ImageStatistics

log = logging.getLogger("igdtf.data")


@dataclasses.dataclass(frozen=True)
class Source:
    """An opened user dataset.

    read(split) → unbatched (pixels uint8 or float32 in [0, 1] [H, W, C], label int) in a fixed
    order; C is `statistics.channels` for every image. `splits` lists the accepted split names,
    the first one is the training split. `statistics` were measured on the training split and
    are cached in `statistics_file`.
    """

    spec: str
    class_names: tuple[str, ...]
    splits: tuple[str, ...]
    evaluation_split: str
    statistics: ImageStatistics
    statistics_file: str
    read: Callable[[str], tf.data.Dataset]


def warn_test_duplicates(spec: str, duplicates: list) -> None:
    """Warns (counting them) about test images identical to training images: `duplicates` lists
    [test image, training image] pairs (names or indices)."""
    if duplicates:
        shown = ", ".join(f"{test} = {train}" for test, train in duplicates[:5])
        shown += " ..." if len(duplicates) > 5 else ""
        log.warning("%s: %d test image(s) are identical to training images (%s); they inflate test accuracy: remove "
                    "them from one split.", spec, len(duplicates), shown)
