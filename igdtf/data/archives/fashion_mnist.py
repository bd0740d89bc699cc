"""Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, MIT licence), read from its four original idx files.

60 000 training and 10 000 test images, 28×28 grayscale, 10 classes of Zalando article photos.
Offline, the files come from the Debian package dataset-fashion-mnist (in DEBIAN_DIR) or any
folder passed as `manual_dir`, gzipped or not; online, `download=True` fetches them with
tensorflow-datasets' `fashion_mnist` builder (its URLs and SHA-256 checksums) into
DATA_DIR/downloads. Both give the same images in the files' order, so a holdout drawn by index
is the same either way.
"""

import functools
import os

import numpy as np
import tensorflow as tf

from igdtf.data.archives.builders import manual_directory
from igdtf.data.archives.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from igdtf.data.tfds_compat import tfds
from igdtf.errors import DataError, MissingDataError

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
               "Ankle boot")
IMAGE_SIDE = 28
SPLITS = ("train", "test")
FILES = {"train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
         "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")}
DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
DEBIAN_PACKAGE = "dataset-fashion-mnist"
TFDS_NAME = "fashion_mnist"


def default_manual_dir() -> str:
    """DEBIAN_DIR when the Debian package is installed, else tensorflow-datasets' manual folder."""
    return DEBIAN_DIR if os.path.isdir(DEBIAN_DIR) else manual_directory(None)


def _in_folder(folder: str, name: str) -> str | None:
    """FOLDER/name, or the same file gunzipped (name without .gz), whichever exists."""
    for candidate in (name, name.removesuffix(".gz")):
        path = os.path.join(folder, candidate)
        if os.path.isfile(path):
            return path
    return None


def split_files(split: str, manual_dir: str | None = None, data_dir: str | None = None,
                download: bool = False) -> tuple[str, str]:
    """(images file, labels file) of `split`: from manual_dir (default: default_manual_dir()),
    else downloaded when `download`. MissingDataError naming the first missing file, the folder
    and the Debian package otherwise."""
    folder = manual_directory(manual_dir) if manual_dir else default_manual_dir()
    paths = [_in_folder(folder, name) for name in FILES[split]]
    if all(paths):
        return paths[0], paths[1]
    if download:
        downloaded = download_files(data_dir)
        return downloaded[FILES[split][0]], downloaded[FILES[split][1]]
    missing = FILES[split][paths.index(None)]
    raise MissingDataError(
        f"Fashion-MNIST file {missing} is not in {folder}: install the Debian package {DEBIAN_PACKAGE} "
        f"(apt-get install {DEBIAN_PACKAGE}; files in {DEBIAN_DIR}), pass --manual_dir=FOLDER holding the four "
        f"idx files ({', '.join(FILES['train'] + FILES['test'])}; gunzipped also read), or --download.")


def download_files(data_dir: str | None = None) -> dict[str, str]:
    """{file name: local path} of the four files, downloaded (once) by tensorflow-datasets'
    download manager with the `fashion_mnist` builder's URLs and checksums into DATA_DIR/downloads."""
    builder = tfds.builder(TFDS_NAME, data_dir=data_dir)
    root = os.path.expanduser(data_dir or os.path.join("~", "tensorflow_datasets"))
    manager = tfds.download.DownloadManager(download_dir=os.path.join(root, "downloads"),
                                            url_infos=builder.url_infos, dataset_name=TFDS_NAME)
    urls = {os.path.basename(url): url for url in builder.url_infos}
    return {name: os.fspath(path) for name, path in manager.download(urls).items()}


@functools.lru_cache(maxsize=4)
def _read_pair(images_path: str, labels_path: str, stamp: tuple) -> tuple[np.ndarray, np.ndarray]:
    del stamp  # part of the cache key only: a replaced file is read again
    images = read_idx(images_path, IMAGES_MAGIC)
    labels = read_idx(labels_path, LABELS_MAGIC)
    if images.shape[1:] != (IMAGE_SIDE, IMAGE_SIDE):
        raise DataError(f"{images_path} holds {images.shape[1]}x{images.shape[2]} images; Fashion-MNIST's are "
                        f"{IMAGE_SIDE}x{IMAGE_SIDE}.")
    if len(images) != len(labels):
        raise DataError(f"{images_path} holds {len(images)} images but {labels_path} {len(labels)} labels; "
                        "the two files must come from the same split.")
    if labels.size and labels.max() >= len(CLASS_NAMES):
        raise DataError(f"{labels_path} holds label {labels.max()}; Fashion-MNIST's labels are 0-9.")
    return images[..., None], labels


def read_arrays(split: str, manual_dir: str | None = None, data_dir: str | None = None,
                download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 images [N, 28, 28, 1], uint8 labels [N]) of `split` in the files' order; DataError
    naming a damaged file (see idx.read_idx), MissingDataError a missing one (split_files)."""
    images_path, labels_path = split_files(split, manual_dir, data_dir, download)
    stamp = tuple((os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in (images_path, labels_path))
    return _read_pair(images_path, labels_path, stamp)


def load_split(split: str, manual_dir: str | None = None, data_dir: str | None = None,
               download: bool = False) -> tf.data.Dataset:
    """Unbatched (uint8 image [28, 28, 1], label) of `split` ("train" or "test"), in the files' order."""
    images, labels = read_arrays(split, manual_dir, data_dir, download)
    return tf.data.Dataset.from_tensor_slices((images, labels))
