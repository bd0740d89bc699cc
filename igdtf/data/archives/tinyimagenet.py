"""TinyImageNet (200 classes, 64×64): a tensorflow-datasets builder reading the official zip.

tensorflow-datasets has no TinyImageNet builder. This one reads tiny-imagenet-200.zip (from
http://cs231n.stanford.edu/tiny-imagenet-200.zip) in `manual_dir` without extracting it:
  tiny-imagenet-200/wnids.txt                        the 200 WNIDs (label order: sorted)
  tiny-imagenet-200/train/<wnid>/images/*.JPEG       500 training images per class
  tiny-imagenet-200/val/images/val_<i>.JPEG          10 000 validation images
  tiny-imagenet-200/val/val_annotations.txt          "file<TAB>wnid<TAB>box", their labels
The test folder has no labels and is not read. Corrupt images are skipped and counted.
"""

import os
import zipfile

from igdtf.data.archives.builders import (
    DEFAULT_MANUAL_DIR, label_names, manual_directory, prepare_from_manual_dir, read_split,
)
from igdtf.data.images import CorruptImage, SkipCounter, rgb_jpeg
from igdtf.data.tfds_compat import tfds
from igdtf.errors import DataError, MissingDataError

ARCHIVE = "tiny-imagenet-200.zip"
URL = "http://cs231n.stanford.edu/tiny-imagenet-200.zip"
NUM_CLASSES = 200
SPLITS = ("train", "validation")
_ROOT = "tiny-imagenet-200"
_WNIDS = f"{_ROOT}/wnids.txt"
_ANNOTATIONS = f"{_ROOT}/val/val_annotations.txt"


def open_zip(path: str) -> zipfile.ZipFile:
    """Opens the archive; MissingDataError if absent, DataError if truncated or not a zip."""
    if not os.path.isfile(path):
        raise MissingDataError(
            f"TinyImageNet is built offline from {ARCHIVE}, which is missing from {os.path.dirname(path)}.\n"
            f"Download it from {URL}, put it in one folder and pass it as --manual_dir=FOLDER "
            f"(default: {DEFAULT_MANUAL_DIR})."
        )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DataError(f"{path} is not a readable zip archive ({error}): truncated? Download it again.") from None


def read_layout(archive: zipfile.ZipFile, path: str) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """(wnids sorted, {wnid: training image members}, {validation image member: wnid}).

    Raises DataError naming what is missing: wnids.txt, val_annotations.txt, a class's training
    images, or a validation image listed in the annotations.
    """
    names = set(archive.namelist())
    for required in (_WNIDS, _ANNOTATIONS):
        if required not in names:
            raise DataError(
                f"{path} has no {required}; it is not the official TinyImageNet archive "
                f"(the validation labels live in val/val_annotations.txt). Download it again from {URL}."
            )
    wnids = sorted(archive.read(_WNIDS).decode().split())
    if len(wnids) != NUM_CLASSES or len(set(wnids)) != NUM_CLASSES:
        raise DataError(f"{path}: {_WNIDS} must list {NUM_CLASSES} distinct WNIDs, found {len(set(wnids))}.")
    train = {w: sorted(n for n in names if n.startswith(f"{_ROOT}/train/{w}/images/") and n.endswith(".JPEG"))
             for w in wnids}
    empty = [w for w, members in train.items() if not members]
    if empty:
        raise DataError(f"{path} has no training images for {len(empty)} classes ({', '.join(empty[:5])}).")
    validation = {}
    for line in archive.read(_ANNOTATIONS).decode().splitlines():
        fields = line.split("\t")
        if len(fields) < 2:
            continue
        member, wnid = f"{_ROOT}/val/images/{fields[0]}", fields[1]
        if wnid not in train:
            raise DataError(f"{path}: {_ANNOTATIONS} labels {fields[0]} with {wnid!r}, which is not in {_WNIDS}.")
        if member not in names:
            raise DataError(f"{path}: {_ANNOTATIONS} lists {fields[0]}, which is not in val/images/.")
        validation[member] = wnid
    if not validation:
        raise DataError(f"{path}: {_ANNOTATIONS} lists no image.")
    return wnids, train, validation


def check_archive(manual_dir: str | None) -> str:
    """The path of the archive in manual_dir after checking its layout (see read_layout)."""
    path = os.path.join(manual_directory(manual_dir), ARCHIVE)
    with open_zip(path) as archive:
        read_layout(archive, path)
    return path


class TinyImagenet(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """tensorflow-datasets builder of TinyImageNet's train and validation splits."""

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Train and validation of tiny-imagenet-200.zip, as JPEG."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = f"Put {ARCHIVE} (from {URL}) in the manual_dir."

    def _info(self):
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(64, 64, 3), encoding_format="jpeg"),
                "label": tfds.features.ClassLabel(num_classes=NUM_CLASSES),
                "file_name": tfds.features.Text(),
            }),
            supervised_keys=("image", "label"),
            homepage="https://www.kaggle.com/c/tiny-imagenet",
        )

    def _split_generators(self, dl_manager):
        path = os.path.join(os.fspath(dl_manager.manual_dir), ARCHIVE)
        with open_zip(path) as archive:
            self.info.features["label"].names = read_layout(archive, path)[0]
        return {"train": self._generate_examples(path, "train"),
                "validation": self._generate_examples(path, "validation")}

    def _generate_examples(self, path: str, split: str):
        with open_zip(path) as archive:
            wnids, train, validation = read_layout(archive, path)
            label = {wnid: index for index, wnid in enumerate(wnids)}
            if split == "train":
                members = [(member, wnid) for wnid in wnids for member in train[wnid]]
            else:
                members = sorted(validation.items())
            skipped = SkipCounter(f"TinyImageNet {split}")
            kept = 0
            for member, wnid in members:
                name = os.path.basename(member)
                try:
                    jpeg = rgb_jpeg(archive.read(member))
                except CorruptImage as error:
                    skipped.skip(name, str(error))
                    continue
                except zipfile.BadZipFile as error:
                    raise DataError(f"{path}: {member} cannot be read ({error}); download it again.") from None
                kept += 1
                yield name, {"image": jpeg, "label": label[wnid], "file_name": name}
            skipped.summary(kept)


def class_names(data_dir: str | None = None, **unused) -> tuple[str, ...]:
    """The 200 WNIDs in label order, as the prepared records in data_dir store them."""
    return label_names(TinyImagenet(data_dir=data_dir))


def load_split(split: str, manual_dir: str | None = None, data_dir: str | None = None):
    """Unbatched (JPEG bytes, label) of one split, building the records first if needed (the
    archive is checked before any work starts)."""
    builder = TinyImagenet(data_dir=data_dir)
    if not builder.is_prepared():
        prepare_from_manual_dir(builder, os.path.dirname(check_archive(manual_dir)))
    return read_split(builder, split, encoded_images=True)
