"""Fashion-MNIST-shaped idx files written in the test: the four files, with images whose
bright band position is the label, so a small model learns them at once."""

import gzip
import os
import struct

import numpy as np

from igdtf.data.archives.fashion_mnist import FILES


def idx_bytes(array: np.ndarray, magic_type: int = 0x08) -> bytes:
    """The idx encoding of a uint8 array: zero, type, rank, big-endian sizes, then the data."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    return struct.pack(">HBB", 0, magic_type, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape) + \
        array.tobytes()


def write_idx(path: str, array: np.ndarray) -> str:
    content = idx_bytes(array)
    with open(path, "wb") as stream:
        stream.write(gzip.compress(content, mtime=0) if path.endswith(".gz") else content)
    return path


def banded_images(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images [count, 28, 28] with a bright horizontal band at rows 2·label..2·label+3 on
    faint noise, and labels [count] cycling over the 10 classes."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 10
    images = rng.integers(0, 40, (count, 28, 28))
    for i, label in enumerate(labels):
        images[i, 2 * label + 2:2 * label + 6] += 200
    return images.astype(np.uint8), labels.astype(np.uint8)


def write_fashion_mnist(folder, train: int = 60, test: int = 20, gzipped: bool = True) -> str:
    """Writes the four files (gzipped or not) into `folder`; returns it."""
    os.makedirs(folder, exist_ok=True)
    for split, count, seed in (("train", train, 0), ("test", test, 1)):
        images, labels = banded_images(count, seed)
        for name, array in zip(FILES[split], (images, labels)):
            write_idx(os.path.join(folder, name if gzipped else name.removesuffix(".gz")), array)
    return str(folder)
