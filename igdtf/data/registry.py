"""Dataset names → what models and evaluators need to know, and how to load each split."""

import dataclasses
import functools
from collections.abc import Callable

import tensorflow as tf

from igdtf.data.archives import downloadable, fashion_mnist, imagenet100, imagenet_c, tinyimagenet
from igdtf.data.preprocess import AsStored, LargeImages, SmallImages, Vectors
from igdtf.data.sources import specs
from igdtf.data.sources.source import Source
from igdtf.data.synthetic import shapes, spheres, splits, squares
from igdtf.validation import check_choice, check_positive_int


@dataclasses.dataclass(frozen=True)
class DatasetInfo:
    """Static facts of a dataset.

    loader(split, **options) returns an unbatched tf.data.Dataset of (stored input, label) in a
    fixed order; `preprocess` turns a stored image into float32 [H, W, C] in [0, 1] of
    `image_shape` (preprocess.py: JPEG bytes or pixels, augmented for training).
    `load_split` below does both. `splits` names the splits the loader accepts;
    `evaluation_split` is the labelled held-out split used for validation and final reports.
    Inputs are images [H, W, C] in [0, 1] for image datasets, or vectors [D] for synthetic ones
    (`image_shape` is then (D,), mean/std hold one value per feature or a single value,
    `gini_block` is None and `preprocess` is Vectors()).

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
    preprocess: object = AsStored()
    evaluation_split: str = "test"
    shuffle_buffer: int = 50_000
    bounds: tuple[float, float] | None = (0.0, 1.0)
    delta_x: Callable | None = None
    statistics_file: str | None = None  # where mean/std measured on the data are cached (sources/)
    recorded_class_names: Callable[..., tuple[str, ...]] | None = None  # fn(**loader options)

    def with_recorded_class_names(self, **options) -> "DatasetInfo":
        """The same dataset with the class names its records hold (datasets whose names live in
        their tensorflow-datasets records; call after the loader built them)."""
        if self.class_names is not None or self.recorded_class_names is None:
            return self
        return dataclasses.replace(self, class_names=tuple(self.recorded_class_names(**options)))

    def describe(self) -> dict:
        """What reports record of the data: spec, classes, input shape and the normalisation
        statistics (with the file caching them, for datasets measured from their files)."""
        return {"spec": self.name, "num_classes": self.num_classes, "class_names": self.class_names,
                "image_shape": list(self.image_shape), "mean": list(self.mean), "std": list(self.std),
                "statistics_file": self.statistics_file}

    def with_image_size(self, size: int | None) -> "DatasetInfo":
        """The same dataset preprocessed to size×size (None: unchanged); the regional-Gini
        block scales along (rounded) so that the block grid stays about the same (a side that
        is not a multiple is reflect-padded by the regional Gini, as the IGD authors do)."""
        if size is None or size == self.image_shape[0]:
            return self
        check_positive_int("image_size", size)
        if len(self.image_shape) != 3:
            raise ValueError(f"{self.name} holds vectors of shape {self.image_shape}, not images; "
                             "it cannot be resized.")
        return dataclasses.replace(self, image_shape=(size, size, self.image_shape[2]),
                                   gini_block=scaled_block(self.gini_block, self.image_shape[0], size))


def scaled_block(block: int, side: int, size: int) -> int:
    """A regional-Gini block of `block` px on `side`-px images, scaled to `size`-px images
    (rounded; a side that is not a multiple is reflect-padded by the Gini, evaluation/metrics/gini.py)."""
    return max(1, round(block * size / side))


_IMAGENET_MEAN, _IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
_NOISE_SPLITS = imagenet_c.noise_splits()
_IMAGENET_C_SPLITS = imagenet_c.splits()

DATASETS = {
    "shapes": DatasetInfo(
        "shapes", shapes.NUM_CLASSES, (32, 32, 3), (0.5, 0.5, 0.5), (0.24, 0.24, 0.24), 4,
        ("train", "validation", "test"), splits.load_shapes, shapes.CLASS_NAMES,
    ),
    "cifar10": DatasetInfo(
        "cifar10", 10, (32, 32, 3), (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616), 4,
        ("train", "test"), functools.partial(downloadable.load_split, "cifar10"),
        preprocess=SmallImages(pad=4), recorded_class_names=functools.partial(downloadable.class_names, "cifar10"),
    ),
    "cifar100": DatasetInfo(
        "cifar100", 100, (32, 32, 3), (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762), 4,
        ("train", "test"), functools.partial(downloadable.load_split, "cifar100"),
        preprocess=SmallImages(pad=4), recorded_class_names=functools.partial(downloadable.class_names, "cifar100"),
    ),
    "stl10": DatasetInfo(
        "stl10", 10, (96, 96, 3), (0.4467, 0.4398, 0.4066), (0.2603, 0.2566, 0.2713), 12,
        ("train", "test"), functools.partial(downloadable.load_split, "stl10"),
        preprocess=SmallImages(pad=12), recorded_class_names=functools.partial(downloadable.class_names, "stl10"),
    ),
    # Fashion-MNIST from its four idx files (archives/fashion_mnist.py); mean/std measured on the training split.
    "fashion_mnist": DatasetInfo(
        "fashion_mnist", len(fashion_mnist.CLASS_NAMES), (28, 28, 1), (0.2860,), (0.3530,), 4, fashion_mnist.SPLITS,
        fashion_mnist.load_split, fashion_mnist.CLASS_NAMES, shuffle_buffer=60_000,
    ),
    "tinyimagenet": DatasetInfo(
        "tinyimagenet", tinyimagenet.NUM_CLASSES, (64, 64, 3), (0.4802, 0.4481, 0.3975),
        (0.2302, 0.2265, 0.2262), 8, tinyimagenet.SPLITS, tinyimagenet.load_split,
        preprocess=SmallImages(pad=4), evaluation_split="validation", recorded_class_names=tinyimagenet.class_names,
    ),
    "spheres": DatasetInfo(
        "spheres", 2, (spheres.DIMENSIONS,), (0.0,), (1.15 / spheres.DIMENSIONS ** 0.5,), None,
        ("train", "validation", "test"), splits.load_spheres, ("radius_1.0", "radius_1.3"),
        preprocess=Vectors(), bounds=None, delta_x=spheres.spheres_delta_x,
    ),
    "squares": DatasetInfo(
        "squares", 2, (32, 32, 1), (0.43,), (0.16,), 4, ("train", "validation", "test"),
        splits.load_squares, ("small_square", "large_square"), delta_x=squares.squares_delta_x,
    ),
    "line_modes": DatasetInfo(
        "line_modes", 2, (2,), (0.0, 0.0), (1.0, 1.0), None, ("train", "validation", "test"),
        splits.load_line_modes, ("class_0", "class_1"), preprocess=Vectors(), bounds=None,
    ),
    "imagenet100": DatasetInfo(
        "imagenet100", imagenet100.NUM_CLASSES, (224, 224, 3), _IMAGENET_MEAN, _IMAGENET_STD, 16,
        imagenet100.SPLITS, imagenet100.load_split, preprocess=LargeImages(),
        evaluation_split="validation", shuffle_buffer=20_000, recorded_class_names=imagenet100.class_names,
    ),
    # ImageNet-C (Hendrycks & Dietterich 2019, all 19 corruptions) of the ImageNet-100 classes:
    # the user's ImageNet-C folder with imagenet_c_dir=FOLDER, else generated on the fly from the
    # validation images; splits "<corruption>_<severity>", e.g. "gaussian_noise_3", "frost_5".
    "imagenet100_c": DatasetInfo(
        "imagenet100_c", imagenet100.NUM_CLASSES, (224, 224, 3), _IMAGENET_MEAN, _IMAGENET_STD, 16,
        _IMAGENET_C_SPLITS, imagenet_c.load_split, preprocess=AsStored(), evaluation_split=_IMAGENET_C_SPLITS[0],
    ),
    # The noise splits of imagenet100_c, always generated on the fly.
    "imagenet100_noise": DatasetInfo(
        "imagenet100_noise", imagenet100.NUM_CLASSES, (224, 224, 3), _IMAGENET_MEAN, _IMAGENET_STD, 16,
        _NOISE_SPLITS, imagenet_c.load_corrupted_split, preprocess=AsStored(), evaluation_split=_NOISE_SPLITS[0],
    ),
}


def dataset_info(name: str, **options) -> DatasetInfo:
    """The DatasetInfo of a dataset spec: a built-in name, folder:PATH, npz:PATH or
    tfds:NAME[/CONFIG] (sources/specs.py; these are opened with `options` and measured, e.g.
    holdout=0.1, data_dir, download, image_key, label_key). Built-in names ignore `options`.
    Raises ValueError for an unknown name or form, MissingDataError / DataError for bad data."""
    if specs.is_spec(name):
        return _spec_info(name, tuple(sorted(options.items())))
    if name not in DATASETS:
        raise ValueError(f"Unknown dataset {name!r}. Allowed: a built-in name ({', '.join(sorted(DATASETS))}), "
                         f"{specs.FORMS}.")
    return DATASETS[name]


@functools.lru_cache(maxsize=None)
def _spec_info(spec: str, options: tuple) -> DatasetInfo:
    """The DatasetInfo of a folder:/npz:/tfds: spec opened with `options` ((key, value) pairs),
    from its Source's measured facts; each spec and options are opened once per process."""
    source = specs.opener(spec)(**dict(options))
    facts = source.statistics
    side = facts.side
    return DatasetInfo(
        spec, len(source.class_names), (side, side, facts.channels), facts.mean, facts.std,
        scaled_block(4, 32, side), source.splits, functools.partial(_read, source), source.class_names,
        specs.preprocessing(side), source.evaluation_split, shuffle_buffer=min(facts.count, 50_000),
        statistics_file=source.statistics_file,
    )


def _read(source: Source, split: str, **options):
    """The stored examples of one split of a spec; `options` were bound when the source was opened
    (they are accepted again so that every loader is called the same way)."""
    del options
    return source.read(split)


def dataset_loader(name: str) -> Callable:
    """The function whose keyword parameters are the options of dataset spec `name` (its
    loader, or for folder:/npz:/tfds: specs the function opening them)."""
    return specs.opener(name) if specs.is_spec(name) else dataset_info(name).loader


def load_split(name: str, split: str, image_size: int | None = None, **options) -> tf.data.Dataset:
    """Unbatched (image float32 [H, W, C] in [0, 1], label int32) of one split of a dataset spec
    (see dataset_info), preprocessed for evaluation (no augmentation) at image_size (default:
    the dataset's); `options` go to the dataset's loader (e.g. manual_dir, data_dir, holdout)."""
    info = dataset_info(name, **options).with_image_size(image_size)
    check_choice(f"split of {name}", split, info.splits)
    size = info.image_shape[0]
    loaded = info.loader(split, **options)
    return loaded.map(lambda image, label: (info.preprocess.evaluate(image, size), tf.cast(label, tf.int32)),
                      num_parallel_calls=tf.data.AUTOTUNE)
