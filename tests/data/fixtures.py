"""Small archives shaped like the real ones, generated on the fly (no downloads)."""

import io
import os
import tarfile
import zipfile

import numpy as np
import tensorflow as tf

from igdtf.data import ilsvrc


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


def make_fake_tinyimagenet(path: str, num_classes: int = 200, images_per_class: int = 2,
                           validation_per_class: int = 1, with_annotations: bool = True,
                           corrupt: dict | None = None, seed: int = 0) -> dict:
    """Writes a tiny-imagenet-200.zip laid out like the official one, with 64x64 JPEGs.

    Returns {"wnids": [...], "train": n_train, "validation": n_validation}.
    """
    rng = np.random.default_rng(seed)
    corrupt = corrupt or {}
    wnids = ilsvrc.ilsvrc_wnids()[:num_classes]
    root = "tiny-imagenet-200"
    annotations = []
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{root}/wnids.txt", "\n".join(wnids) + "\n")
        archive.writestr(f"{root}/words.txt", "".join(f"{w}\tthing {w}\n" for w in wnids))
        for wnid in wnids:
            boxes = []
            for i in range(images_per_class):
                name = f"{wnid}_{i}.JPEG"
                archive.writestr(f"{root}/train/{wnid}/images/{name}", corrupt.get(name) or jpeg(rng, 64, 64))
                boxes.append(f"{name}\t0\t0\t63\t63\n")
            archive.writestr(f"{root}/train/{wnid}/{wnid}_boxes.txt", "".join(boxes))
        count = 0
        for wnid in wnids:
            for _ in range(validation_per_class):
                name = f"val_{count}.JPEG"
                archive.writestr(f"{root}/val/images/{name}", corrupt.get(name) or jpeg(rng, 64, 64))
                annotations.append(f"{name}\t{wnid}\t0\t0\t63\t63\n")
                count += 1
        if with_annotations:
            archive.writestr(f"{root}/val/val_annotations.txt", "".join(annotations))
        archive.writestr(f"{root}/test/images/test_0.JPEG", jpeg(rng, 64, 64))
    return {"wnids": wnids, "train": num_classes * images_per_class, "validation": count}


def truncate(path: str, keep_fraction: float = 0.6) -> None:
    """Cuts a file to `keep_fraction` of its size, like an interrupted download."""
    size = os.path.getsize(path)
    with open(path, "r+b") as f:
        f.truncate(int(size * keep_fraction))
