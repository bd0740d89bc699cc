"""tfds:NAME[/CONFIG] — any tensorflow-datasets builder prepared in a data directory.

The image feature (tfds.features.Image) and the label feature (tfds.features.ClassLabel) are
found from the builder's info; `image_key` / `label_key` pick one when there are several. The
training split is "train", the evaluation split "test" (else "validation"). Nothing is
downloaded unless `download`. The training images' pixel statistics are cached in
igdtf_stats.json inside the builder's prepared folder.
"""

import dataclasses
import os

import numpy as np
import tensorflow as tf

from igdtf.data.sources.source import Source
from igdtf.data.sources.statistics import PixelMoments, cached, statistics_from
from igdtf.data.tfds_compat import tfds
from igdtf.errors import DataError, MissingDataError

STATS_FILE = "igdtf_stats.json"
EVALUATION_SPLITS = ("test", "validation")


def open_tfds(name: str, data_dir: str | None = None, download: bool = False, image_key: str | None = None,
              label_key: str | None = None) -> Source:
    """The Source of builder `name` ("NAME" or "NAME/CONFIG") in `data_dir` (default:
    ~/tensorflow_datasets)."""
    where = data_dir or "~/tensorflow_datasets"
    try:
        builder = tfds.builder(name, data_dir=data_dir)
    except tfds.core.registered.DatasetNotFoundError:
        raise MissingDataError(f"tfds:{name} is neither a tensorflow-datasets builder nor prepared in {where} "
                               "(--data_dir).") from None
    if not builder.is_prepared():
        if not download:
            raise MissingDataError(f"tfds:{name} is not prepared in {where}: prepare it there (e.g. "
                                   f"`tfds build {name} --data_dir={where}`), or pass --download.")
        builder.download_and_prepare()
    features = builder.info.features
    image = _pick(name, features, tfds.features.Image, image_key, "image_key")
    label = _pick(name, features, tfds.features.ClassLabel, label_key, "label_key")
    splits = tuple(builder.info.splits)
    evaluation = [split for split in EVALUATION_SPLITS if split in splits]
    if "train" not in splits or not evaluation:
        raise DataError(f"tfds:{name} has splits {', '.join(splits)}; igdtf needs train and test (or validation).")
    channels = features[image].shape[-1]
    if channels not in (1, 3):
        raise DataError(f"tfds:{name}: image feature {image!r} has shape {features[image].shape}; igdtf needs "
                        "images with 1 or 3 channels.")

    def read(split: str) -> tf.data.Dataset:
        examples = builder.as_dataset(split=split, shuffle_files=False)

        return examples.map(lambda example: (example[image], tf.cast(example[label], tf.int32)),
                            num_parallel_calls=tf.data.AUTOTUNE)

    statistics_file = os.path.join(builder.data_dir, STATS_FILE)
    fingerprint = f"{builder.info.full_name}|{image}|{builder.info.splits['train'].num_examples}"
    statistics = statistics_from(cached(statistics_file, fingerprint, lambda: _measure(read("train"), channels)))
    return Source(f"tfds:{name}", tuple(features[label].names), ("train", evaluation[0]), evaluation[0],
                  statistics, statistics_file, read)


def _pick(name: str, features, kind, chosen: str | None, option: str) -> str:
    """The one top-level feature of `kind`, or `chosen`; DataError listing them otherwise."""
    candidates = [key for key, feature in features.items() if isinstance(feature, kind)]
    described = ", ".join(f"{key} ({type(feature).__name__})" for key, feature in features.items())
    if chosen is not None:
        if chosen not in candidates:
            raise DataError(f"tfds:{name}: --dataset_option {option}={chosen} is not one of its {kind.__name__} "
                            f"features ({', '.join(candidates) or 'none'}); features: {described}.")
        return chosen
    if len(candidates) != 1:
        found = "no" if not candidates else f"{len(candidates)}"
        raise DataError(f"tfds:{name} has {found} {kind.__name__} features; features: {described}. "
                        f"Pick one with --dataset_option {option}=KEY.")
    return candidates[0]


def _measure(images: tf.data.Dataset, channels: int) -> dict:
    moments = PixelMoments(channels)
    for pixels, _ in images:
        values = pixels.numpy().astype(np.float64) / 255.0
        moments.add(values.sum(axis=(0, 1)), np.square(values).sum(axis=(0, 1)), *values.shape[:2])
    return dataclasses.asdict(moments.statistics(channels))
