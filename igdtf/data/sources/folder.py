"""folder:PATH — a class-per-subfolder tree of images, indexed by Keras' directory loader.

Layouts: PATH/train/<class>/… with PATH/test/<class>/… (or PATH/val/…), or one tree
PATH/<class>/… of which a seeded `holdout` fraction becomes the test split. Class names are
the training split's folder names, sorted. Every image is decoded once when the folder is first
opened: corrupt ones are skipped and counted, and the pixel statistics of the training images
are measured in the same pass, as are the test images that are byte-identical copies of training
images (a warning counts them); all are cached in PATH/igdtf_stats.json (recomputed when a file
is added, removed or changed). folder_index.py lists the files and refuses trees that lie
(symbolic-link loops, files listed twice).
"""

import dataclasses
import hashlib
import json
import logging
import os

import tensorflow as tf

from igdtf.data.images import SkipCounter
from igdtf.data.sources.folder_index import TreeIndex
from igdtf.data.sources.source import Source, warn_test_duplicates
from igdtf.data.sources.statistics import PixelMoments, cached, statistics_from
from igdtf.errors import DataError, MissingDataError

log = logging.getLogger("igdtf.data")
STATS_FILE = "igdtf_stats.json"
HOLDOUT_SEED = 0
SCAN_VERSION = 2  # of what _scan caches (2: with the duplicates)
TEST_FOLDERS = ("test", "val")


def open_folder(path: str, holdout: float = 0.1) -> Source:
    """The Source of the image tree at `path`; `holdout`: the fraction of a single tree held out
    as the test split. Raises MissingDataError / DataError naming the folder or file at fault."""
    if not os.path.isdir(path):
        raise MissingDataError(f"folder:{path}: no such folder (expected PATH/<class>/<images> or "
                               "PATH/train/<class>/… with PATH/test/<class>/…).")
    if not isinstance(holdout, (int, float)) or not 0 < holdout < 1:
        raise ValueError(f"holdout must be a fraction in (0, 1), received {holdout!r}.")
    files, class_names = _index(path, holdout)
    fingerprint = _fingerprint(path, files, holdout)
    stored = cached(os.path.join(path, STATS_FILE), fingerprint, lambda: _scan(path, files))
    statistics = statistics_from(stored)
    warn_test_duplicates(f"folder:{path}", stored["duplicates"])
    kept = {}
    for split, (paths, labels) in files.items():
        corrupt = set(stored["corrupt"][split])
        pairs = [(p, label) for p, label in zip(paths, labels) if os.path.relpath(p, path) not in corrupt]
        _check_every_class_has_images(path, split, pairs, class_names)
        kept[split] = pairs

    def read(split: str) -> tf.data.Dataset:
        paths, labels = zip(*kept[split])
        channels = statistics.channels
        return tf.data.Dataset.from_tensor_slices((list(paths), list(labels))).map(
            lambda p, label: (_decode(p, channels), label), num_parallel_calls=tf.data.AUTOTUNE)

    return Source(f"folder:{path}", tuple(class_names), ("train", "test"), "test", statistics,
                  os.path.join(path, STATS_FILE), read)


def _index(path: str, holdout: float) -> tuple[dict, list[str]]:
    """({split: (file paths, labels)}, class names) of the tree, with Keras' conventions and the
    checks of folder_index.py."""
    train_dir = os.path.join(path, "train")
    test_dirs = [os.path.join(path, name) for name in TEST_FOLDERS if os.path.isdir(os.path.join(path, name))]
    trees = TreeIndex(path)
    if os.path.isdir(train_dir) and test_dirs:
        train_paths, train_labels, class_names = trees.index(train_dir)
        test_paths, test_labels, test_classes = trees.index(test_dirs[0])
        unknown = sorted(set(test_classes) - set(class_names))
        if unknown:
            raise DataError(f"{test_dirs[0]}: class folder {unknown[0]!r} is not among the training classes "
                            f"({', '.join(class_names[:10])}{' …' if len(class_names) > 10 else ''}); "
                            "every test class must have training images.")
        test_labels = [class_names.index(test_classes[label]) for label in test_labels]
    else:
        root = train_dir if os.path.isdir(train_dir) else path
        (train_paths, train_labels), (test_paths, test_labels), class_names = trees.index(root, holdout, HOLDOUT_SEED)
    trees.warn_skipped_links()
    if len(class_names) < 2:
        raise DataError(f"{path}: found {len(class_names)} class folder(s); a classifier needs at least 2.")
    return {"train": (train_paths, train_labels), "test": (test_paths, test_labels)}, class_names


def _fingerprint(path: str, files: dict, holdout: float) -> str:
    """A digest of every indexed file's path, size and modification time, and the holdout."""
    digest = hashlib.sha1(json.dumps({"holdout": holdout, "scan": SCAN_VERSION}).encode())
    for split, (paths, labels) in sorted(files.items()):
        for p, label in zip(paths, labels):
            stat = os.stat(p)
            digest.update(f"{split}|{os.path.relpath(p, path)}|{label}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _decode(path: tf.Tensor, channels: int) -> tf.Tensor:
    image = tf.io.decode_image(tf.io.read_file(path), channels=channels, expand_animations=False)
    return tf.ensure_shape(image, [None, None, channels])


def _measure(path: tf.Tensor):
    """(path, native channels, height, width, per-RGB-channel sums of x and x², x in [0, 1],
    a 64-bit fingerprint of the file's bytes)."""
    data = tf.io.read_file(path)
    image = tf.io.decode_image(data, channels=0, expand_animations=False)
    native = tf.shape(image)[2]
    rgb = tf.cond(native < 3, lambda: tf.tile(image[..., :1], [1, 1, 3]), lambda: image[..., :3])
    values = tf.cast(rgb, tf.float32) / 255.0
    shape = tf.shape(image)
    return (path, native, shape[0], shape[1], tf.reduce_sum(values, axis=[0, 1]),
            tf.reduce_sum(tf.square(values), axis=[0, 1]), tf.fingerprint(data[None])[0])


def _scan(path: str, files: dict) -> dict:
    """Decodes every image once: {"corrupt": {split: [relative paths]}, "duplicates": [[test
    image, training image], ...] (byte-identical files), and the training split's statistics}."""
    moments = PixelMoments(3)
    native_channels = set()
    corrupt, fingerprints = {}, {"train": [], "test": []}  # [(digest, relative path)]
    for split, (paths, _) in files.items():
        readable = set()
        measured = tf.data.Dataset.from_tensor_slices(paths).map(_measure, num_parallel_calls=tf.data.AUTOTUNE)
        for batch in measured.ignore_errors().batch(256):
            names, channels, heights, widths, sums, squares, digests = (t.numpy() for t in batch)
            readable.update(name.decode() for name in names)
            fingerprints[split] += [(d.tobytes(), os.path.relpath(n.decode(), path)) for n, d in zip(names, digests)]
            if split == "train":
                native_channels.update(int(c) for c in channels)
                for height, width, s, q in zip(heights, widths, sums, squares):
                    moments.add(s, q, height, width)
        skips = SkipCounter(f"folder:{path} ({split})")
        for p in paths:
            if p not in readable:
                skips.skip(os.path.relpath(p, path), "does not decode as an image")
        skips.summary(len(readable))
        corrupt[split] = [os.path.relpath(p, path) for p in paths if p not in readable]
    if not moments.pixels:
        raise DataError(f"folder:{path}: none of the training images decodes.")
    channels = 1 if native_channels <= {1, 2} else 3
    train = dict(reversed(fingerprints["train"]))  # digest → the first training image with it
    duplicates = [[test, train[digest]] for digest, test in fingerprints["test"] if digest in train]
    return {"corrupt": corrupt, "duplicates": duplicates, **dataclasses.asdict(moments.statistics(channels))}


def _check_every_class_has_images(path: str, split: str, pairs, class_names) -> None:
    if split != "train":
        if not pairs:
            raise DataError(f"folder:{path}: the {split} split has no readable images.")
        missing = [name for index, name in enumerate(class_names) if index not in {label for _, label in pairs}]
        if missing:
            log.warning("folder:%s: the %s split has no images of class(es) %s; their accuracy is not measured.",
                        path, split, ", ".join(missing[:10]))
        return
    present = {label for _, label in pairs}
    empty = [name for index, name in enumerate(class_names) if index not in present]
    if empty:
        raise DataError(f"folder:{path}: class folder {empty[0]!r} has no readable JPEG or PNG training "
                        "images; add some or remove the folder.")
