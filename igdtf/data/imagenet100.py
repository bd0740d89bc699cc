"""ImageNet-100: the 100 ILSVRC2012 classes of the CMC list (Tian et al. 2020), built offline.

The class list ships with the package (imagenet100_wnids.txt). The data comes from the two
ILSVRC2012 archives, which must be downloaded by hand from image-net.org (login required).
"""

import os

from igdtf.errors import MissingDataError

ARCHIVES = ("ILSVRC2012_img_train.tar", "ILSVRC2012_img_val.tar")
DEFAULT_MANUAL_DIR = os.path.join("~", "tensorflow_datasets", "downloads", "manual")
WNIDS_FILE = os.path.join(os.path.dirname(__file__), "imagenet100_wnids.txt")


def class_wnids(path: str = WNIDS_FILE) -> list[str]:
    """The WNIDs (e.g. 'n01558993') of the ImageNet-100 classes, in label order."""
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def check_archives(manual_dir: str | None) -> str:
    """Returns the expanded manual_dir if both ILSVRC2012 tars are in it, else raises
    MissingDataError saying which files to put where."""
    directory = os.path.expanduser(manual_dir or DEFAULT_MANUAL_DIR)
    missing = [name for name in ARCHIVES if not os.path.isfile(os.path.join(directory, name))]
    if missing:
        raise MissingDataError(
            f"ImageNet-100 is built offline from the ILSVRC2012 archives, and {', '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing from {directory}.\n"
            f"Download {' and '.join(ARCHIVES)} from https://image-net.org (login required), put "
            f"them in one folder and pass it as --manual_dir=FOLDER (default: {DEFAULT_MANUAL_DIR})."
        )
    return directory


def load_split(split: str, manual_dir: str | None = None, **options):
    """Unbatched (image, label) pairs of ImageNet-100; raises MissingDataError without the tars."""
    check_archives(manual_dir)
    raise NotImplementedError(
        "Building ImageNet-100 from the ILSVRC2012 tars is not implemented yet (the real-datasets "
        "issue); the archives were found, but no pipeline reads them."
    )
