"""CIFAR-10, CIFAR-100 and STL-10 through tensorflow-datasets' own builders.

Those builders download one archive each. Offline, put that archive (unchanged, under its
official name) in `manual_dir`: tensorflow-datasets then takes it from there after checking its
size and SHA-256. Downloading is opt-in (`download=True`) so that a machine without network
fails at once with a message naming the file, rather than after a network timeout.
"""

import dataclasses
import os

from igdtf.data.archives.builders import DEFAULT_MANUAL_DIR, label_names, manual_directory, read_split
from igdtf.data.tfds_compat import tfds
from igdtf.errors import DataError, MissingDataError
from tensorflow_datasets.core.download.download_manager import NonMatchingChecksumError  # not exported by tfds


@dataclasses.dataclass(frozen=True)
class Downloadable:
    """A tensorflow-datasets dataset, the archive it downloads and our split names → its own."""

    tfds_name: str
    archive: str
    url: str
    splits: dict


DOWNLOADABLE = {
    "cifar10": Downloadable("cifar10", "cifar-10-binary.tar.gz",
                            "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                            {"train": "train", "test": "test"}),
    "cifar100": Downloadable("cifar100", "cifar-100-binary.tar.gz",
                             "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz",
                             {"train": "train", "test": "test"}),
    "stl10": Downloadable("stl10", "stl10_binary.tar.gz",
                          "http://ai.stanford.edu/~acoates/stl10/stl10_binary.tar.gz",
                          {"train": "train", "test": "test"}),
}


def prepare(name: str, builder, manual_dir: str | None, download: bool) -> None:
    """Builds the records of DOWNLOADABLE[name] from manual_dir, or by downloading if allowed.

    Raises MissingDataError naming the archive, its URL and the folder when neither is
    possible, and DataError when the archive in manual_dir is not the official file.
    """
    spec = DOWNLOADABLE[name]
    directory = manual_directory(manual_dir)
    archive = os.path.join(directory, spec.archive)
    if os.path.isfile(archive):
        config = tfds.download.DownloadConfig(manual_dir=directory)
    elif download:
        config = tfds.download.DownloadConfig()
    else:
        raise MissingDataError(
            f"{name} has no records in {builder.data_dir} and {spec.archive} is not in {directory}.\n"
            f"Offline: download {spec.url} elsewhere, put {spec.archive} in a folder and pass it as "
            f"--manual_dir=FOLDER (default: {DEFAULT_MANUAL_DIR}). Online: pass --download."
        )
    try:
        builder.download_and_prepare(download_config=config)
    except NonMatchingChecksumError:
        raise DataError(
            f"{archive} is not the official {spec.archive}: its size or SHA-256 differs from the "
            f"registered one (an interrupted download?). Download it again from {spec.url}."
        ) from None


def class_names(name: str, data_dir: str | None = None, **unused) -> tuple[str, ...]:
    """The class names tensorflow-datasets' builder of `name` declares (other loader options unused)."""
    return label_names(tfds.builder(DOWNLOADABLE[name].tfds_name, data_dir=data_dir))


def load_split(name: str, split: str, manual_dir: str | None = None, data_dir: str | None = None,
               download: bool = False):
    """Unbatched (uint8 image [H, W, 3], label) of one split of cifar10, cifar100 or stl10."""
    spec = DOWNLOADABLE[name]
    builder = tfds.builder(spec.tfds_name, data_dir=data_dir)
    if not builder.is_prepared():
        prepare(name, builder, manual_dir, download)
    return read_split(builder, spec.splits[split], encoded_images=False)
