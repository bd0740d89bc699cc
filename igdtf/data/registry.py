"""Dataset names → what models and evaluators need to know, and how to load each split."""

import dataclasses
from collections.abc import Callable

import tensorflow as tf

from igdtf.data import imagenet100, shapes
from igdtf.validation import check_choice


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Static facts of a dataset.

    loader(split, **options) returns an unbatched tf.data.Dataset of (image [H, W, C] float32 in
    [0, 1], label int32); `splits` names the splits it accepts.
    """

    name: str
    num_classes: int
    image_shape: tuple[int, int, int]
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    gini_block: int  # r of the regional Gini (r×r blocks)
    splits: tuple[str, ...]
    loader: Callable[..., tf.data.Dataset]
    class_names: tuple[str, ...] | None = None
    # Evaluation resize/crop of images of other sizes (e.g. served JPEGs): scale so that the centre
    # crop of image_shape covers this fraction of the shorter side (ImageNet's 224/256 = 0.875).
    eval_crop_fraction: float = 1.0


def _load_shapes(split: str, num_samples: int | None = None, texture_amplitude: float = 4 / 255):
    seeds = {"train": 0, "test": 1, "validation": 2}
    defaults = {"train": 10_000, "test": 2_000, "validation": 1_000}
    images, labels = shapes.generate_shapes(
        num_samples or defaults[split], seeds[split], texture_amplitude=texture_amplitude
    )
    return tf.data.Dataset.from_tensor_slices((images, labels))


_IMAGENET_MEAN, _IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

DATASETS = {
    "shapes": DatasetInfo(
        "shapes", shapes.NUM_CLASSES, (32, 32, 3), (0.5, 0.5, 0.5), (0.24, 0.24, 0.24), 4,
        ("train", "validation", "test"), _load_shapes, shapes.CLASS_NAMES,
    ),
    "imagenet100": DatasetInfo(
        "imagenet100", 100, (224, 224, 3), _IMAGENET_MEAN, _IMAGENET_STD, 16,
        ("train", "validation"), imagenet100.load_split,
    ),
}


def dataset_info(name: str) -> DatasetInfo:
    """The DatasetInfo of `name`; raises ValueError listing the known datasets otherwise."""
    check_choice("dataset", name, DATASETS)
    return DATASETS[name]


def load_split(name: str, split: str, **options) -> tf.data.Dataset:
    """Unbatched (image, label) pairs of one split; `options` go to the dataset's loader."""
    info = dataset_info(name)
    check_choice(f"split of {name}", split, info.splits)
    return info.loader(split, **options)
