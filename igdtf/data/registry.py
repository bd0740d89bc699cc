"""Dataset names → what models and evaluators need to know, and how to load each split."""

import dataclasses
from collections.abc import Callable

import tensorflow as tf

from igdtf.data import imagenet100, line_modes, shapes, spheres, squares
from igdtf.validation import check_choice


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Static facts of a dataset.

    loader(split, **options) returns an unbatched tf.data.Dataset of (input float32, label
    int32); `splits` names the splits it accepts. Inputs are images [H, W, C] in [0, 1] for
    image datasets, or vectors [D] for synthetic ones (`image_shape` is then (D,), mean/std
    hold one value per feature or a single value, and `gini_block` is None).

    bounds: the valid input range for attacks ((0, 1) for images; None: unbounded).
    delta_x: where known in closed form, fn(x [N, ...], labels [N], target [N]) → [N, ...], the
      vector from each x to the closest point of class `target`'s support (Lanfredi et al.).
    """

    name: str
    num_classes: int
    image_shape: tuple[int, ...]
    mean: tuple[float, ...]
    std: tuple[float, ...]
    gini_block: int | None  # r of the regional Gini (r×r blocks); None for non-images
    splits: tuple[str, ...]
    loader: Callable[..., tf.data.Dataset]
    class_names: tuple[str, ...] | None = None
    bounds: tuple[float, float] | None = (0.0, 1.0)
    delta_x: Callable | None = None


def _load_shapes(split: str, num_samples: int | None = None, texture_amplitude: float = 4 / 255):
    seeds = {"train": 0, "test": 1, "validation": 2}
    defaults = {"train": 10_000, "test": 2_000, "validation": 1_000}
    images, labels = shapes.generate_shapes(
        num_samples or defaults[split], seeds[split], texture_amplitude=texture_amplitude
    )
    return tf.data.Dataset.from_tensor_slices((images, labels))


_SYNTHETIC_SEEDS = {"train": 0, "test": 1, "validation": 2}


def _load_spheres(split: str, num_samples: int | None = None, dimensions: int = spheres.DIMENSIONS):
    defaults = {"train": 50_000, "test": 1_000, "validation": 200}
    points, labels = spheres.generate_spheres(num_samples or defaults[split], _SYNTHETIC_SEEDS[split], dimensions)
    return tf.data.Dataset.from_tensor_slices((points, labels))


def _load_squares(split: str, num_samples: int | None = None, image_size: int = 32):
    defaults = {"train": 10_000, "test": 1_000, "validation": 200}  # the original's split sizes
    images, labels = squares.generate_squares(num_samples or defaults[split], _SYNTHETIC_SEEDS[split], image_size)
    return tf.data.Dataset.from_tensor_slices((images, labels))


def _load_line_modes(split: str, num_samples: int | None = None, spacing: float = line_modes.SPACING,
                     std=line_modes.STD):
    defaults = {"train": 3_000, "test": 1_000, "validation": 500}
    points, labels = line_modes.generate_line_modes(num_samples or defaults[split], _SYNTHETIC_SEEDS[split],
                                                    spacing, std)
    return tf.data.Dataset.from_tensor_slices((points, labels))


_IMAGENET_MEAN, _IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)

DATASETS = {
    "shapes": DatasetInfo(
        "shapes", shapes.NUM_CLASSES, (32, 32, 3), (0.5, 0.5, 0.5), (0.24, 0.24, 0.24), 4,
        ("train", "validation", "test"), _load_shapes, shapes.CLASS_NAMES,
    ),
    "spheres": DatasetInfo(
        "spheres", 2, (spheres.DIMENSIONS,), (0.0,), (1.15 / spheres.DIMENSIONS ** 0.5,), None,
        ("train", "validation", "test"), _load_spheres, ("radius_1.0", "radius_1.3"),
        bounds=None, delta_x=spheres.spheres_delta_x,
    ),
    "squares": DatasetInfo(
        "squares", 2, (32, 32, 1), (0.43,), (0.16,), 4, ("train", "validation", "test"),
        _load_squares, ("small_square", "large_square"), delta_x=squares.squares_delta_x,
    ),
    "line_modes": DatasetInfo(
        "line_modes", 2, (2,), (0.0, 0.0), line_modes.coordinate_std(), None, ("train", "validation", "test"),
        _load_line_modes, ("class_0", "class_1"), bounds=None,
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
