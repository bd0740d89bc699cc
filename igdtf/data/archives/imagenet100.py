"""ImageNet-100: the 100 ILSVRC2012 classes of the CMC list (Tian et al. 2020), built offline.

The class list ships with the package (imagenet100_wnids.txt); another list of 100 ILSVRC2012
WNIDs can be passed as `class_list`. Records are built once, by tensorflow-datasets, from the
two ILSVRC2012 archives (downloaded by hand from image-net.org, login required) in
`manual_dir`, and only for the listed classes: the other 900 classes are never written.
Images are stored as JPEG bytes; corrupt images are skipped and counted in the log.
"""

import hashlib
import os

from igdtf.data.archives import ilsvrc
from igdtf.data.archives.builders import DEFAULT_MANUAL_DIR, manual_directory, prepare_from_manual_dir, read_split
from igdtf.data.images import CorruptImage, SkipCounter, rgb_jpeg
from igdtf.data.tfds_compat import tfds
from igdtf.errors import MissingDataError

ARCHIVES = (ilsvrc.TRAIN_ARCHIVE, ilsvrc.VALIDATION_ARCHIVE)
WNIDS_FILE = os.path.join(os.path.dirname(__file__), "imagenet100_wnids.txt")
NUM_CLASSES = 100
SPLITS = ("train", "validation")

__all__ = ["ARCHIVES", "DEFAULT_MANUAL_DIR", "Imagenet100", "builder", "check_archives", "class_wnids",
           "load_split"]


def class_wnids(path: str | None = None) -> list[str]:
    """The WNIDs (e.g. 'n01558993') of the ImageNet-100 classes, in label order; `path` is a
    class-list file (default: the CMC list), checked for unknown, repeated or missing WNIDs."""
    return ilsvrc.read_class_list(path or WNIDS_FILE, NUM_CLASSES)


def check_archives(manual_dir: str | None, wnids: list[str] | None = None) -> str:
    """Returns the expanded manual_dir if both ILSVRC2012 tars are in it and usable, else raises
    MissingDataError saying which files to put where (or DataError for a damaged archive).

    With `wnids`, also checks that the training archive has those classes' tars and the
    validation archive has images of them.
    """
    directory = manual_directory(manual_dir)
    missing = [name for name in ARCHIVES if not os.path.isfile(os.path.join(directory, name))]
    if missing:
        raise MissingDataError(
            f"ImageNet-100 is built offline from the ILSVRC2012 archives, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing from {directory}.\n"
            f"Download {' and '.join(ARCHIVES)} from https://image-net.org (login required), put "
            f"them in one folder and pass it as --manual_dir=FOLDER (default: {DEFAULT_MANUAL_DIR})."
        )
    if wnids is not None:
        train_path, validation_path = (os.path.join(directory, name) for name in ARCHIVES)
        with ilsvrc.open_archive(train_path) as archive:
            ilsvrc.check_train_archive(archive, train_path, wnids)
        with ilsvrc.open_archive(validation_path) as archive:
            ilsvrc.validation_members(archive, validation_path, wnids)
    return directory


class Imagenet100Config(tfds.core.BuilderConfig):
    """A class subset of ILSVRC2012: `wnids` in label order."""

    def __init__(self, *, wnids: tuple[str, ...], **kwargs):
        super().__init__(**kwargs)
        self.wnids = tuple(wnids)


CMC_CONFIG = "cmc"


def builder_config(class_list: str | None = None) -> Imagenet100Config | str:
    """"cmc", the config of the shipped CMC list, or the config of another list ("custom_<hash>")."""
    wnids = tuple(class_wnids(class_list))
    if wnids == tuple(class_wnids()):
        return CMC_CONFIG
    digest = hashlib.sha1(",".join(wnids).encode()).hexdigest()[:10]
    return Imagenet100Config(name=f"custom_{digest}", wnids=wnids, description=f"Classes of {class_list}.")


class Imagenet100(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """tensorflow-datasets builder of a 100-class subset of ILSVRC2012 (train and validation)."""

    VERSION = tfds.core.Version("1.0.0")
    BUILDER_CONFIGS = [Imagenet100Config(name=CMC_CONFIG, wnids=tuple(class_wnids()),
                                         description="The CMC list (Tian et al. 2020).")]
    RELEASE_NOTES = {"1.0.0": "ILSVRC2012 train and validation images of 100 classes, as JPEG."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        f"Put {ARCHIVES[0]} and {ARCHIVES[1]} (from https://image-net.org) in the manual_dir."
    )

    def _info(self):
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "image": tfds.features.Image(shape=(None, None, 3), encoding_format="jpeg"),
                "label": tfds.features.ClassLabel(names=list(self.builder_config.wnids)),
                "file_name": tfds.features.Text(),
            }),
            supervised_keys=("image", "label"),
            homepage="https://image-net.org",
        )

    def _split_generators(self, dl_manager):
        directory = os.fspath(dl_manager.manual_dir)
        train, validation = (os.path.join(directory, name) for name in ARCHIVES)
        return {"train": self._generate_examples(train, "train"),
                "validation": self._generate_examples(validation, "validation")}

    def _generate_examples(self, path: str, split: str):
        wnids = list(self.builder_config.wnids)
        label = {wnid: index for index, wnid in enumerate(wnids)}
        images = ilsvrc.train_images(path, wnids) if split == "train" else ilsvrc.validation_images(path, wnids)
        skipped = SkipCounter(f"ImageNet-100 {split} ({os.path.basename(path)})")
        kept = 0
        for wnid, name, data in images:
            try:
                jpeg = rgb_jpeg(data)
            except CorruptImage as error:
                skipped.skip(name, str(error))
                continue
            kept += 1
            yield name, {"image": jpeg, "label": label[wnid], "file_name": name}
        skipped.summary(kept)


def builder(data_dir: str | None = None, class_list: str | None = None) -> Imagenet100:
    """The ImageNet-100 builder for `class_list` (default: the CMC list) in data_dir."""
    return Imagenet100(data_dir=data_dir, config=builder_config(class_list))


def class_names(class_list: str | None = None, **unused) -> tuple[str, ...]:
    """The WNIDs of `class_list` (default: the CMC list) in label order."""
    return tuple(class_wnids(class_list))


def load_split(split: str, manual_dir: str | None = None, data_dir: str | None = None,
               class_list: str | None = None):
    """Unbatched (JPEG bytes, label) of one split, in record order.

    Builds the records first if data_dir has none for this class list; the archives are checked
    before any work starts (MissingDataError / DataError / ConfigError on a bad class list).
    """
    dataset_builder = builder(data_dir, class_list)
    if not dataset_builder.is_prepared():
        directory = check_archives(manual_dir, list(dataset_builder.builder_config.wnids))
        prepare_from_manual_dir(dataset_builder, directory)
    return read_split(dataset_builder, split, encoded_images=True)
