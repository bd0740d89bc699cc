"""Reading the ILSVRC2012 archives without extracting them, one class subset at a time.

ILSVRC2012_img_train.tar holds one tar per class (n01440764.tar, ...) of JPEGs; only the tars
of the requested classes are read, the others are skipped by seeking past them.
ILSVRC2012_img_val.tar holds ILSVRC2012_val_00000001.JPEG ... _00050000.JPEG; their classes
come from tensorflow-datasets' validation label list (one WNID per image, in order).
"""

import importlib.resources
import logging
import os
import re
import tarfile
from collections.abc import Iterator

from igdtf.errors import ConfigError, DataError, MissingDataError

log = logging.getLogger("igdtf.data")

TRAIN_ARCHIVE = "ILSVRC2012_img_train.tar"
VALIDATION_ARCHIVE = "ILSVRC2012_img_val.tar"
_VALIDATION_NAME = re.compile(r"^(?:.*/)?ILSVRC2012_val_(\d{8})\.JPEG$")


def _tfds_imagenet_file(name: str) -> list[str]:
    path = importlib.resources.files("tensorflow_datasets") / "datasets" / "imagenet2012" / name
    return path.read_text().split()


def ilsvrc_wnids() -> list[str]:
    """The 1000 WNIDs of ILSVRC2012, sorted (tensorflow-datasets' imagenet2012 labels.txt)."""
    return _tfds_imagenet_file("labels.txt")


def validation_wnids() -> list[str]:
    """The WNID of each of the 50 000 validation images, image 1 first."""
    return _tfds_imagenet_file("validation_labels.txt")


def read_class_list(path: str, expected_count: int) -> list[str]:
    """The WNIDs listed in `path` (one per line; blank lines and '#' comments ignored), in order.

    Raises MissingDataError if the file does not exist, ConfigError if an entry is not an
    ILSVRC2012 WNID, is repeated, or the count differs from `expected_count`.
    """
    if not os.path.isfile(path):
        raise MissingDataError(f"Class list {path} does not exist.")
    with open(path) as f:
        entries = [line.split("#")[0].strip() for line in f]
    wnids = [entry for entry in entries if entry]
    known = set(ilsvrc_wnids())
    unknown = [w for w in wnids if w not in known]
    if unknown:
        shown = ", ".join(repr(w) for w in unknown[:5]) + (" ..." if len(unknown) > 5 else "")
        raise ConfigError(
            f"Class list {path} has {len(unknown)} entries that are not ILSVRC2012 WNIDs: {shown}. "
            "Each line must be one WNID such as 'n01558993'."
        )
    repeated = sorted({w for w in wnids if wnids.count(w) > 1})
    if repeated:
        raise ConfigError(f"Class list {path} repeats {', '.join(repeated)}; each class must appear once.")
    if len(wnids) != expected_count:
        raise ConfigError(f"Class list {path} must list exactly {expected_count} WNIDs, found {len(wnids)}.")
    return wnids


def open_archive(path: str) -> tarfile.TarFile:
    """Opens a tar for random access after reading all its headers (tarfile checks that the
    file holds each member's data while it does).

    Raises MissingDataError if it does not exist, DataError if it is empty, truncated or not
    a tar.
    """
    if not os.path.isfile(path):
        raise MissingDataError(f"{path} does not exist.")
    try:
        archive = tarfile.open(path, mode="r:")
        members = archive.getmembers()
    except (tarfile.TarError, EOFError) as error:
        if "unexpected end of data" in str(error):
            raise DataError(f"{path} is truncated (it ends inside a member); download it again.") from None
        raise DataError(f"{path} is not a readable tar archive ({error}); download it again.") from None
    if not members:
        raise DataError(f"{path} is an empty tar archive; download it again.")
    return archive


def check_train_archive(archive: tarfile.TarFile, path: str, wnids: list[str]) -> dict[str, tarfile.TarInfo]:
    """{wnid: member of its class tar}; DataError naming the classes whose tar is missing."""
    members = {os.path.basename(m.name): m for m in archive.getmembers() if m.isfile()}
    missing = [w for w in wnids if f"{w}.tar" not in members]
    if missing:
        raise DataError(
            f"{path} has no class tar for {len(missing)} of the {len(wnids)} requested classes "
            f"({', '.join(m + '.tar' for m in missing[:5])}{' ...' if len(missing) > 5 else ''}); "
            "it is incomplete or not the ILSVRC2012 training archive."
        )
    return {w: members[f"{w}.tar"] for w in wnids}


def train_images(path: str, wnids: list[str]) -> Iterator[tuple[str, str, bytes]]:
    """(wnid, file name, JPEG bytes) of every training image of the `wnids` classes, class by
    class in the given order; reads only those classes' tars."""
    archive = open_archive(path)
    with archive:
        for wnid, member in check_train_archive(archive, path, wnids).items():
            what = f"{member.name} inside {path}"
            try:
                with tarfile.open(fileobj=archive.extractfile(member), mode="r:") as class_tar:
                    for image in [m for m in class_tar.getmembers() if m.isfile()]:
                        yield wnid, os.path.basename(image.name), class_tar.extractfile(image).read()
            except (tarfile.TarError, EOFError) as error:
                raise DataError(f"{what} is not a readable tar ({error}); download {path} again.") from None


def validation_members(archive: tarfile.TarFile, path: str, wnids: list[str]) -> list[tuple[str, tarfile.TarInfo]]:
    """(wnid, member) of the validation images of the `wnids` classes, in image order.

    Raises DataError if the archive holds no ILSVRC2012_val_*.JPEG image of those classes.
    """
    labels = validation_wnids()
    wanted = set(wnids)
    selected = []
    for member in archive.getmembers():
        match = _VALIDATION_NAME.match(member.name)
        if not (member.isfile() and match):
            continue
        index = int(match.group(1))
        if not 1 <= index <= len(labels):
            raise DataError(f"{path} holds {member.name}, but ILSVRC2012 has validation images "
                            f"1-{len(labels)} only.")
        if labels[index - 1] in wanted:
            selected.append((labels[index - 1], member))
    if not selected:
        raise DataError(
            f"{path} holds no ILSVRC2012_val_*.JPEG image of the requested classes; it is not the "
            "ILSVRC2012 validation archive."
        )
    expected = sum(label in wanted for label in labels)
    if len(selected) < expected:
        log.warning("%s holds %d of the %d validation images of the requested classes.", path,
                    len(selected), expected)
    return sorted(selected, key=lambda pair: pair[1].name)


def validation_images(path: str, wnids: list[str]) -> Iterator[tuple[str, str, bytes]]:
    """(wnid, file name, JPEG bytes) of every validation image of the `wnids` classes."""
    archive = open_archive(path)
    with archive:
        for wnid, member in validation_members(archive, path, wnids):
            yield wnid, os.path.basename(member.name), archive.extractfile(member).read()
