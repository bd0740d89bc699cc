"""npz:PATH — images and labels as NumPy arrays in one .npz file.

Keys: x_train, y_train, x_test, y_test, and optionally class_names (strings, one per class).
x: uint8 0–255 or float in [0, 1], shape [N, H, W] (grayscale) or [N, H, W, C] with C = 1 or 3.
y: integers in [0, K), K = len(class_names) (default: the largest training label + 1); every
class needs training images (a class_names longer than the labels used is refused).
The training images' pixel statistics, and the test images identical to training images (a
warning counts them), are cached in PATH.igdtf_stats.json.
"""

import dataclasses
import hashlib
import os

import numpy as np
import tensorflow as tf

from igdtf.data.sources.source import Source, warn_test_duplicates
from igdtf.data.sources.statistics import PixelMoments, cached, statistics_from
from igdtf.errors import DataError, MissingDataError

REQUIRED_KEYS = ("x_train", "y_train", "x_test", "y_test")
STATS_SUFFIX = ".igdtf_stats.json"
SCAN_VERSION = 2  # of what the statistics file caches (2: with the duplicates)


def open_npz(path: str) -> Source:
    """The Source of the arrays in `path`; MissingDataError / DataError naming the file and key."""
    if not os.path.isfile(path):
        raise MissingDataError(f"npz:{path}: no such file (expected a .npz with keys {', '.join(REQUIRED_KEYS)}).")
    try:
        with np.load(path, allow_pickle=False) as stored:
            arrays = {key: stored[key] for key in stored.files if key in REQUIRED_KEYS + ("class_names",)}
            keys = stored.files
    except (OSError, ValueError) as error:
        raise DataError(f"npz:{path}: not a readable .npz file ({error}).") from None
    missing = [key for key in REQUIRED_KEYS if key not in arrays]
    if missing:
        raise DataError(f"npz:{path}: missing key(s) {', '.join(missing)}; it has {', '.join(keys)}. "
                        f"Required: {', '.join(REQUIRED_KEYS)} (optional: class_names).")
    images = {split: _images(path, f"x_{split}", arrays[f"x_{split}"]) for split in ("train", "test")}
    shapes = {split: x.shape[1:] for split, x in images.items()}
    if shapes["train"] != shapes["test"]:
        raise DataError(f"npz:{path}: x_train images are {shapes['train']} but x_test images are {shapes['test']}.")
    labels = {split: _labels(path, split, arrays[f"y_{split}"], len(images[split])) for split in ("train", "test")}
    class_names = _class_names(path, arrays.get("class_names"), labels["train"])
    named = "class_names names" if "class_names" in arrays else "the labels give"
    _check_labels(path, labels, class_names, named)
    stat = os.stat(path)
    fingerprint = f"{stat.st_size}|{stat.st_mtime_ns}|{SCAN_VERSION}"
    statistics_file = path + STATS_SUFFIX
    stored = cached(statistics_file, fingerprint,
                    lambda: {**_measure(images["train"]), "duplicates": _duplicates(images)})
    statistics = statistics_from(stored)
    warn_test_duplicates(f"npz:{path}", stored["duplicates"])

    def read(split: str) -> tf.data.Dataset:
        return tf.data.Dataset.from_tensor_slices((images[split], labels[split]))

    return Source(f"npz:{path}", class_names, ("train", "test"), "test", statistics, statistics_file, read)


def _images(path: str, key: str, x: np.ndarray) -> np.ndarray:
    """x as [N, H, W, C] uint8 or float32; DataError unless it is an image array."""
    if x.ndim == 3:
        x = x[..., None]
    if x.ndim != 4 or x.shape[3] not in (1, 3) or min(x.shape[1:3]) < 1:
        raise DataError(f"npz:{path}: {key} has shape {x.shape}; images must be [N, H, W] (grayscale) or "
                        "[N, H, W, C] with C = 1 or 3.")
    if x.dtype == np.uint8:
        return x
    if not np.issubdtype(x.dtype, np.floating):
        raise DataError(f"npz:{path}: {key} has dtype {x.dtype}; images must be uint8 (0-255) or float in [0, 1].")
    x = x.astype(np.float32)
    finite = np.isfinite(x)
    if not finite.all():
        first = int(np.flatnonzero(~finite.reshape(len(x), -1).all(axis=1))[0])
        raise DataError(f"npz:{path}: {key} holds {int(np.isnan(x).sum())} NaN and {int(np.isinf(x).sum())} infinite "
                        f"values (the first in image {first}); images must be finite, in [0, 1].")
    if x.size and not (x.min() >= 0.0 and x.max() <= 1.0):
        raise DataError(f"npz:{path}: {key} is float with values from {x.min():g} to {x.max():g}; float "
                        "images must lie in [0, 1] (divide 8-bit pixels by 255, or store uint8).")
    return x


def _labels(path: str, split: str, y: np.ndarray, count: int) -> np.ndarray:
    y = np.squeeze(y) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise DataError(f"npz:{path}: y_{split} must be integer labels [N]; it has shape {y.shape} and dtype {y.dtype}.")
    if len(y) != count:
        raise DataError(f"npz:{path}: x_{split} has {count} images but y_{split} has {len(y)} labels.")
    if count == 0:
        raise DataError(f"npz:{path}: x_{split} is empty.")
    return y.astype(np.int32)


def _class_names(path: str, names, train_labels: np.ndarray) -> tuple[str, ...]:
    if names is None:
        return tuple(f"class_{i}" for i in range(max(int(train_labels.max()) + 1, 2)))
    names = tuple(str(name) for name in np.ravel(names))
    if len(names) < 2 or len(set(names)) != len(names):
        raise DataError(f"npz:{path}: class_names must hold at least 2 distinct names; received {names[:10]}.")
    return names


def _check_labels(path: str, labels: dict, class_names: tuple, named: str) -> None:
    """DataError unless every label names a class and every class has training images; `named`
    says where the classes come from."""
    for split, y in labels.items():
        outside = y[(y < 0) | (y >= len(class_names))]
        if outside.size:
            raise DataError(f"npz:{path}: y_{split} holds label {int(outside[0])}, but {named} {len(class_names)} "
                            f"classes (labels 0 to {len(class_names) - 1}).")
    present = set(labels["train"].tolist())
    unused = [index for index in range(len(class_names)) if index not in present]
    if unused:
        names = ", ".join(f"{index} ({class_names[index]!r})" for index in unused[:5])
        raise DataError(f"npz:{path}: {named} {len(class_names)} classes, but y_train has no image of class(es) "
                        f"{names}; every class needs training images: drop the extra names (and renumber) or add "
                        "images.")


def _duplicates(images: dict) -> list:
    """[[test index, training index], ...] of test images byte-identical to a training image."""
    train = {}
    for index, image in enumerate(images["train"]):
        train.setdefault(hashlib.sha1(image.tobytes()).digest(), index)
    digests = (hashlib.sha1(image.tobytes()).digest() for image in images["test"])
    return [[f"x_test[{i}]", f"x_train[{train[d]}]"] for i, d in enumerate(digests) if d in train]


def _measure(images: np.ndarray) -> dict:
    moments = PixelMoments(images.shape[3])
    for start in range(0, len(images), 1024):
        chunk = images[start:start + 1024]
        moments.add_batch(chunk / 255.0 if chunk.dtype == np.uint8 else chunk)
    return dataclasses.asdict(moments.statistics(images.shape[3]))
