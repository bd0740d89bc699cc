"""A small tiny-imagenet-200.zip shaped like the real one, generated on the fly (no downloads); the
ILSVRC2012-shaped tars come from igdtf/benchmarks/fake_ilsvrc.py (the input benchmark uses them too)."""

import os
import zipfile

import numpy as np

from igdtf.benchmarks.fake_ilsvrc import jpeg
from igdtf.data.archives import ilsvrc


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
