"""Dataset specs beyond the built-in names: folder:PATH, npz:PATH and tfds:NAME[/CONFIG].

A spec opens a Source (folder.py, arrays.py, tfds_source.py), whose measured facts become a
DatasetInfo (igdtf/data/registry.py): class names and count, image side (the most common shorter
side of the training images) and channels, per-channel mean and std, and the preprocessing
(`preprocessing`). Images up to
SMALL_IMAGE_SIDE px are preprocessed as CIFAR (whole image, pad-crop-flip by side/8 in
training), larger ones as ImageNet (random-resized crop in training, 0.875 centre crop in
evaluation). A new form is one more entry of OPENERS: name → function(target, **options) → Source.
"""

import functools

from igdtf.data.preprocess import LargeImages, SmallImages
from igdtf.data.sources.arrays import open_npz
from igdtf.data.sources.folder import open_folder
from igdtf.data.sources.tfds_source import open_tfds

OPENERS = {"folder": open_folder, "npz": open_npz, "tfds": open_tfds}
FORMS = "folder:PATH, npz:PATH or tfds:NAME[/CONFIG]"
SMALL_IMAGE_SIDE = 96


def is_spec(dataset: str) -> bool:
    """Whether `dataset` is written as FORM:TARGET (rather than a built-in name)."""
    return ":" in dataset


def opener(spec: str):
    """The function opening `spec`, with its target bound: its keyword parameters are the
    dataset options (--dataset_option). ValueError for an unknown form or an empty target."""
    form, _, target = spec.partition(":")
    if form not in OPENERS or not target:
        raise ValueError(f"Unknown dataset spec {spec!r}: give a built-in name, {FORMS}.")
    return functools.partial(OPENERS[form], target)


def preprocessing(side: int) -> SmallImages | LargeImages:
    """The preprocessing of images whose most common shorter side is `side` px (module docstring)."""
    return SmallImages(pad=max(1, side // 8)) if side <= SMALL_IMAGE_SIDE else LargeImages()
