"""ILSVRC2012-shaped archives of random JPEGs, generated on the fly: the tests' fake ImageNet and
the input benchmark's ImageNet-shaped data (no download)."""

import io
import os
import tarfile

import numpy as np
import tensorflow as tf

from igdtf.data.archives import ilsvrc


def jpeg(rng: np.random.Generator, height: int, width: int, channels: int = 3) -> bytes:
    """A random JPEG with a smooth colour gradient plus noise (compresses like a photo)."""
    base = rng.uniform(0, 255, (1, 1, channels))
    ramp = np.linspace(0, 60, width)[None, :, None]
    image = np.clip(base + ramp + rng.normal(0, 20, (height, width, channels)), 0, 255).astype(np.uint8)
    return tf.io.encode_jpeg(image, quality=90).numpy()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def make_fake_ilsvrc(directory: str, wnids: list[str], images_per_class: int = 2,
                     validation_per_class: int = 1, extra_classes: int = 2, size=(30, 40),
                     corrupt: dict | None = None, seed: int = 0) -> dict:
    """Writes ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar into `directory`.

    Train: one inner tar per class (the `wnids` plus `extra_classes` others that a subset must
    skip) of `images_per_class` JPEGs. Validation: for each class, the first
    `validation_per_class` image numbers that tensorflow-datasets labels with it.
    `corrupt` maps file names to bytes to store instead (e.g. a truncated JPEG).
    Returns {"train": {wnid: [names]}, "validation": {wnid: [names]}}.
    """
    rng = np.random.default_rng(seed)
    corrupt = corrupt or {}
    others = [w for w in ilsvrc.ilsvrc_wnids() if w not in wnids][:extra_classes]
    written = {"train": {}, "validation": {}}
    os.makedirs(directory, exist_ok=True)
    with tarfile.open(os.path.join(directory, ilsvrc.TRAIN_ARCHIVE), "w") as outer:
        for wnid in sorted(wnids + others):
            buffer = io.BytesIO()
            with tarfile.open(fileobj=buffer, mode="w") as inner:
                names = [f"{wnid}_{i}.JPEG" for i in range(images_per_class)]
                for name in names:
                    _add(inner, name, corrupt.get(name) or jpeg(rng, *size))
            _add(outer, f"{wnid}.tar", buffer.getvalue())
            written["train"][wnid] = names
    labels = ilsvrc.validation_wnids()
    with tarfile.open(os.path.join(directory, ilsvrc.VALIDATION_ARCHIVE), "w") as tar:
        for wnid in wnids + others:
            indices = [i + 1 for i, label in enumerate(labels) if label == wnid][:validation_per_class]
            names = [f"ILSVRC2012_val_{i:08d}.JPEG" for i in indices]
            for name in names:
                _add(tar, name, corrupt.get(name) or jpeg(rng, *size))
            written["validation"][wnid] = names
    return written
