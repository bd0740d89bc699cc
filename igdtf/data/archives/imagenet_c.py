"""ImageNet-C for ImageNet-100 (all 19 corruptions): the published images, or the same
corruptions applied on the fly to the clean validation images. Splits are named
"<corruption>_<severity>", e.g. "gaussian_noise_3" or "frost_5".

Published images: the user's ImageNet-C folder (from https://zenodo.org/record/2235448: noise,
blur, weather, digital and extra .tar extracted), laid out as
  IMAGENET_C_DIR/<corruption>/<severity>/<wnid>/*.JPEG     (224×224 centre crops)
of which only the ImageNet-100 classes are read.

On the fly: corruptions/apply.py's ImageNet-C corruptions as a TensorFlow op (or any function with the
same signature passed as `corruption_fn`) applied to ImageNet-100 validation images after the
evaluation crop, with a stateless seed per image, so every model sees the same corrupted images.
"""

import glob
import os

import tensorflow as tf

from igdtf.data.archives import imagenet100
from igdtf.data.corruptions.apply import CorruptionFn, corruption_op
from igdtf.data.corruptions.names import CORRUPTIONS, NOISE_CORRUPTIONS, SEVERITIES
from igdtf.data.preprocess import LargeImages
from igdtf.errors import MissingDataError
from igdtf.seeding import fold_seed

IMAGE_SIZE = 224


def splits(corruptions=CORRUPTIONS) -> tuple[str, ...]:
    """"<corruption>_<severity>" for the corruptions and the five severities."""
    return tuple(f"{name}_{severity}" for name in corruptions for severity in SEVERITIES)


def noise_splits() -> tuple[str, ...]:
    """The splits of the three noise corruptions (the IGD paper's Tables 5–7)."""
    return splits(NOISE_CORRUPTIONS)


def parse_split(split: str) -> tuple[str, int]:
    """"gaussian_noise_3" → ("gaussian_noise", 3); ValueError for an unknown split."""
    if split not in splits():
        raise ValueError(f"Unknown ImageNet-C split {split!r}: expected <corruption>_<severity 1-5> with a "
                         f"corruption among {', '.join(CORRUPTIONS)}.")
    name, severity = split.rsplit("_", 1)
    return name, int(severity)


def folder_files(imagenet_c_dir: str | None, split: str, wnids: list[str]) -> tuple[list[str], list[int]]:
    """(image paths, labels) of one split of the ImageNet-C folder, restricted to `wnids`.

    Raises MissingDataError naming the folder that is missing (or empty).
    """
    name, severity = parse_split(split)
    if not imagenet_c_dir or not os.path.isdir(imagenet_c_dir):
        raise MissingDataError(
            f"ImageNet-C folder {imagenet_c_dir!r} does not exist. Download noise.tar (and blur, weather, "
            "digital, extra .tar for the other corruptions) from https://zenodo.org/record/2235448, extract "
            "them into a folder (giving gaussian_noise/, ..., frost/, ...) and pass it as imagenet_c_dir=FOLDER, "
            "or leave imagenet_c_dir out to corrupt the ImageNet-100 validation images on the fly."
        )
    directory = os.path.join(imagenet_c_dir, name, str(severity))
    paths, labels, missing = [], [], []
    for label, wnid in enumerate(wnids):
        files = sorted(glob.glob(os.path.join(directory, wnid, "*.JPEG")))
        if not files:
            missing.append(wnid)
        paths += files
        labels += [label] * len(files)
    if missing:
        raise MissingDataError(
            f"{directory} has no images for {len(missing)} of the {len(wnids)} classes "
            f"({', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}); expected "
            f"{directory}/<wnid>/*.JPEG as in the extracted ImageNet-C archives."
        )
    return paths, labels


def load_folder_split(split: str, imagenet_c_dir: str | None = None, class_list: str | None = None):
    """Unbatched (JPEG bytes, label) of the published ImageNet-C images of the ImageNet-100
    classes (label order of the class list)."""
    paths, labels = folder_files(imagenet_c_dir, split, imagenet100.class_wnids(class_list))
    files = tf.data.Dataset.from_tensor_slices((paths, tf.constant(labels, tf.int32)))
    return files.map(lambda path, label: (tf.io.read_file(path), label), num_parallel_calls=tf.data.AUTOTUNE)


def corrupt(dataset: tf.data.Dataset, corruption_fn: CorruptionFn, severity: int,
            seed: int = 0) -> tf.data.Dataset:
    """Applies corruption_fn(image, severity, seed_i) to the i-th (float image, label) of dataset."""
    base = tf.constant([seed, 17], tf.int64)

    def apply(index, example):
        image, label = example
        image_seed = fold_seed(base, index)
        return corruption_fn(image, severity, image_seed), label

    return dataset.enumerate().map(apply, num_parallel_calls=tf.data.AUTOTUNE)


def load_split(split: str, imagenet_c_dir: str | None = None, manual_dir: str | None = None,
               data_dir: str | None = None, class_list: str | None = None, seed: int = 0):
    """imagenet100_c: the published images of `imagenet_c_dir` if given (load_folder_split),
    else the validation images corrupted on the fly (load_corrupted_split)."""
    if imagenet_c_dir is not None:
        return load_folder_split(split, imagenet_c_dir, class_list)
    return load_corrupted_split(split, manual_dir=manual_dir, data_dir=data_dir, class_list=class_list, seed=seed)


def load_corrupted_split(split: str, manual_dir: str | None = None, data_dir: str | None = None,
                         class_list: str | None = None, seed: int = 0,
                         corruption_fn: CorruptionFn | None = None):
    """Unbatched (float image [224, 224, 3] in [0, 1], label) of ImageNet-100 validation images
    corrupted on the fly; `corruption_fn` replaces the reference implementation of the split's
    corruption (corruptions/apply.py's corruption_op; same signature)."""
    name, severity = parse_split(split)
    crop = LargeImages()
    clean = imagenet100.load_split("validation", manual_dir=manual_dir, data_dir=data_dir, class_list=class_list)
    clean = clean.map(lambda image, label: (crop.evaluate(image, IMAGE_SIZE), tf.cast(label, tf.int32)),
                      num_parallel_calls=tf.data.AUTOTUNE)
    return corrupt(clean, corruption_fn or corruption_op(name), severity, seed)
