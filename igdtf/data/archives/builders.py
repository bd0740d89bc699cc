"""Shared plumbing of the tensorflow-datasets builders: where archives are looked for, how a
builder is prepared from them, and how its records are read."""

import os

import tensorflow as tf

from igdtf.data.tfds_compat import tfds

DEFAULT_MANUAL_DIR = os.path.join("~", "tensorflow_datasets", "downloads", "manual")


def manual_directory(manual_dir: str | None) -> str:
    """The expanded manual_dir, or tensorflow-datasets' default one."""
    return os.path.expanduser(manual_dir or DEFAULT_MANUAL_DIR)


def prepare_from_manual_dir(builder, manual_dir: str) -> None:
    """Builds `builder`'s records from the archives in manual_dir (no network)."""
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(manual_dir=manual_dir))


def label_names(builder) -> tuple[str, ...]:
    """The class names of a builder's "label" feature (its prepared records' names once built)."""
    return tuple(builder.info.features["label"].names)


def read_split(builder, split: str, encoded_images: bool) -> tf.data.Dataset:
    """Unbatched (image, label int64) of one prepared split, in the fixed order of its records.

    With encoded_images, images are the stored JPEG bytes (decoded later, cropped first);
    otherwise decoded uint8 [H, W, 3] tensors.
    """
    decoders = {"image": tfds.decode.SkipDecoding()} if encoded_images else None
    return builder.as_dataset(split=split, as_supervised=True, shuffle_files=False, decoders=decoders)
