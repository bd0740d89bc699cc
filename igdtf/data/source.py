"""What a user dataset (folder:, npz: or tfds: spec) provides once opened and checked."""

import dataclasses
from collections.abc import Callable

import tensorflow as tf

from igdtf.data.statistics import ImageStatistics


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
