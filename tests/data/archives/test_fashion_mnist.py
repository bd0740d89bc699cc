"""Fashion-MNIST from its idx files: the reader, damaged and missing files, the registry entry,
the download path, and the real files when the Debian package is installed."""

import gzip
import os

import numpy as np
import pytest

from igdtf.data.archives import fashion_mnist
from igdtf.data.archives.fashion_mnist import DEBIAN_DIR, DEBIAN_PACKAGE, FILES, read_arrays
from igdtf.data.archives.idx import IMAGES_MAGIC, LABELS_MAGIC, read_idx
from igdtf.data.registry import dataset_info, load_split
from igdtf.errors import DataError, MissingDataError

from tests.data.archives.idx_files import banded_images, idx_bytes, write_fashion_mnist, write_idx


@pytest.mark.parametrize("name", ["images.idx", "images.idx.gz"])
def test_read_idx_returns_the_array_written_gzipped_or_not(tmp_path, name):
    images, labels = banded_images(7)
    path = write_idx(str(tmp_path / name), images)
    np.testing.assert_array_equal(read_idx(path, IMAGES_MAGIC), images)
    labels_path = write_idx(str(tmp_path / ("labels-" + name)), labels)
    np.testing.assert_array_equal(read_idx(labels_path, LABELS_MAGIC), labels)


def test_read_idx_refuses_a_label_file_read_as_images(tmp_path):
    path = write_idx(str(tmp_path / "labels.gz"), np.arange(5, dtype=np.uint8))
    with pytest.raises(DataError, match=r"labels.gz is not an idx image file: magic number 2049, expected 2051"):
        read_idx(path, IMAGES_MAGIC)


@pytest.mark.parametrize("cut", [3, 10, -1])
def test_read_idx_names_a_truncated_file(tmp_path, cut):
    content = idx_bytes(banded_images(4)[0])[:cut]
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError, match="train-images-idx3-ubyte"):
        read_idx(str(path), IMAGES_MAGIC)


def test_read_idx_names_a_file_longer_than_its_header_says(tmp_path):
    path = tmp_path / "images"
    path.write_bytes(idx_bytes(banded_images(4)[0]) + b"\0")
    with pytest.raises(DataError, match=r"images is damaged: its header declares 4x28x28 bytes"):
        read_idx(str(path), IMAGES_MAGIC)


def test_read_idx_names_a_damaged_gzip_file(tmp_path):
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(idx_bytes(banded_images(4)[0]))[:-20])
    with pytest.raises(DataError, match=r"images.gz is a damaged gzip file"):
        read_idx(str(path), IMAGES_MAGIC)


@pytest.mark.parametrize("gzipped", [True, False])
def test_load_split_reads_the_four_files_in_order(tmp_path, gzipped):
    folder = write_fashion_mnist(tmp_path / "fm", train=30, test=10, gzipped=gzipped)
    images, labels = read_arrays("train", manual_dir=folder)
    expected_images, expected_labels = banded_images(30, seed=0)
    assert images.shape == (30, 28, 28, 1) and images.dtype == np.uint8
    np.testing.assert_array_equal(images[..., 0], expected_images)
    np.testing.assert_array_equal(labels, expected_labels)
    test = list(load_split("fashion_mnist", "test", manual_dir=folder).as_numpy_iterator())
    assert len(test) == 10 and test[0][0].shape == (28, 28, 1) and test[0][0].dtype == np.float32
    assert test[0][0].max() <= 1.0 and [int(y) for _, y in test] == list(banded_images(10, seed=1)[1])


def test_registry_entry_states_the_datasets_facts():
    info = dataset_info("fashion_mnist")
    assert (info.num_classes, info.image_shape, info.splits) == (10, (28, 28, 1), ("train", "test"))
    assert info.class_names[0] == "T-shirt/top" and info.class_names[-1] == "Ankle boot"


def test_a_missing_file_is_one_line_naming_it_and_the_debian_package(tmp_path):
    folder = write_fashion_mnist(tmp_path / "fm")
    os.remove(os.path.join(folder, FILES["train"][1]))
    with pytest.raises(MissingDataError) as error:
        read_arrays("train", manual_dir=folder)
    message = str(error.value)
    assert "\n" not in message
    assert f"file {FILES['train'][1]} is not in {folder}" in message
    assert f"apt-get install {DEBIAN_PACKAGE}" in message and "--download" in message


def test_images_and_labels_of_different_lengths_are_refused(tmp_path):
    folder = write_fashion_mnist(tmp_path / "fm", train=20)
    write_idx(os.path.join(folder, FILES["train"][1]), banded_images(19)[1])
    with pytest.raises(DataError, match="holds 20 images but .* 19 labels"):
        read_arrays("train", manual_dir=folder)


def test_download_reads_the_files_the_tfds_download_manager_returns(tmp_path, monkeypatch):
    source = write_fashion_mnist(tmp_path / "downloaded", train=12, test=4)
    requested = {}

    def download(self, urls):
        requested.update(urls)
        return {name: os.path.join(source, name) for name in urls}

    monkeypatch.setattr(fashion_mnist.tfds.download.DownloadManager, "download", download)
    images, labels = read_arrays("test", manual_dir=str(tmp_path / "empty"), data_dir=str(tmp_path / "tfds"),
                                 download=True)
    assert sorted(requested) == sorted(FILES["train"] + FILES["test"])
    assert all(url.startswith("http") and url.endswith(name) for name, url in requested.items())
    assert images.shape == (4, 28, 28, 1)


@pytest.mark.skipif(not os.path.isdir(DEBIAN_DIR), reason=f"{DEBIAN_PACKAGE} is not installed")
def test_the_real_files_hold_60000_and_10000_balanced_images():
    for split, count in (("train", 60_000), ("test", 10_000)):
        images, labels = read_arrays(split)
        assert images.shape == (count, 28, 28, 1)
        np.testing.assert_array_equal(np.bincount(labels), [count // 10] * 10)
    mean = images.mean() / 255
    assert abs(mean - dataset_info("fashion_mnist").mean[0]) < 0.01  # the test split's mean is close
