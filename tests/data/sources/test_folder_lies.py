"""Data that lies: symbolic-link loops, links out of the dataset folder or into another class,
files listed twice, class folders with images only in subfolders, empty test classes and test
images that are copies of training images (folder: and npz: specs)."""

import logging
import os
import shutil

import keras
import numpy as np
import pytest

from igdtf.data.registry import dataset_info
from igdtf.data.sources.folder import open_folder
from igdtf.data.sources.folder_index import TreeIndex
from igdtf.errors import DataError

from tests.data.sources.user_data import image_folder, npz_file


def _keras_index(root, holdout=None):
    options = dict(labels="inferred", batch_size=None, image_size=(8, 8), follow_links=True, verbose=False)
    if holdout is None:
        return keras.utils.image_dataset_from_directory(root, shuffle=False, **options)
    return keras.utils.image_dataset_from_directory(root, validation_split=holdout, subset="both", seed=0,
                                                    shuffle=True, **options)


def test_the_index_lists_what_keras_lists_so_splits_do_not_change(tmp_path):
    root = image_folder(str(tmp_path / "tree"), per_class=7)
    for nested in ("blue/a/x", "blue/a-b", "green/z"):  # '-' sorts before '/': Keras sorts folders by path
        image_folder(str(tmp_path / "tree" / nested), per_class=1)
    plain_paths, plain_labels, classes = TreeIndex(root).index(root)
    expected = _keras_index(root)
    assert plain_paths == list(expected.file_paths) and classes == expected.class_names
    (train, labels), (test, test_labels), _ = TreeIndex(root).index(root, 0.3, seed=0)
    keras_train, keras_test = _keras_index(root, 0.3)
    assert train == list(keras_train.file_paths) and test == list(keras_test.file_paths)
    assert [int(y) for _, y in keras_test] == test_labels and len(labels) == len(train)


def test_a_symlink_loop_or_a_link_into_another_class_is_refused_in_one_line(tmp_path):
    root = image_folder(str(tmp_path / "loop"), per_class=4)
    os.symlink("..", os.path.join(root, "blue", "loop"))  # the case: 48 images became 1 761
    with pytest.raises(DataError, match=r"blue/loop is a symbolic link to .*/loop, a folder that contains it"):
        open_folder(root)
    other = image_folder(str(tmp_path / "into"), per_class=4)
    os.symlink(os.path.join(other, "green"), os.path.join(other, "blue", "more"))
    with pytest.raises(DataError, match=r": (blue/more/\d\.png and green/\d\.png|green/\d\.png and blue/more/\d\.png) "
                                        "are the same file"):
        open_folder(other)


def test_links_out_of_the_folder_are_skipped_and_nested_only_classes_warned(tmp_path, caplog):
    outside = image_folder(str(tmp_path / "outside"), per_class=5)
    root = image_folder(str(tmp_path / "data"), per_class=4)
    os.symlink(os.path.join(outside, "red"), os.path.join(root, "blue", "elsewhere"))
    os.symlink(os.path.join(outside, "red", "2.png"), os.path.join(root, "green", "far.png"))
    os.symlink(os.path.join(root, "red", "2.png"), os.path.join(root, "green", "near.png"))  # inside, listed twice
    with pytest.raises(DataError, match="are the same file"):
        open_folder(root)
    os.remove(os.path.join(root, "green", "near.png"))
    os.makedirs(os.path.join(root, "white", "only", "deeper"))
    for name in ("5", "8", "11"):
        shutil.copy(os.path.join(outside, "red", f"{name}.png"), os.path.join(root, "white", "only", "deeper"))
    with caplog.at_level(logging.WARNING, logger="igdtf.data"):
        source = open_folder(root)
    assert source.class_names == ("blue", "green", "red", "white")
    assert "2 symbolic link(s) lead out of the dataset folder or nowhere and are skipped: blue/elsewhere, " \
           "green/far.png" in caplog.text
    assert "class folder white holds no image itself, only in its subfolders (white/only/deeper)" in caplog.text
    assert sum(1 for _ in source.read("train")) + sum(1 for _ in source.read("test")) == 15  # 3 x 4 + 3


def test_test_images_copied_from_training_images_are_counted_and_empty_test_classes_warned(tmp_path, caplog):
    root = image_folder(str(tmp_path / "split"), per_class=4, split_layout=True)
    shutil.copy(os.path.join(root, "train", "red", "2.png"), os.path.join(root, "test", "red", "copy.png"))
    shutil.rmtree(os.path.join(root, "test", "blue"))
    os.makedirs(os.path.join(root, "test", "blue"))  # an empty test class folder
    with caplog.at_level(logging.WARNING, logger="igdtf.data"):
        dataset_info(f"folder:{root}")
    assert "1 test image(s) are identical to training images (test/red/copy.png = train/red/2.png)" in caplog.text
    assert "the test split has no images of class(es) blue" in caplog.text
    caplog.clear()
    x_train = np.random.default_rng(0).integers(0, 255, (12, 8, 8, 3)).astype(np.uint8)
    x_test = x_train[[3, 5, 7, 9, 10, 11]].copy()
    x_test[2:] = 0
    path = npz_file(str(tmp_path / "arrays.npz"), x_train=x_train, x_test=x_test)
    with caplog.at_level(logging.WARNING, logger="igdtf.data"):
        dataset_info(f"npz:{path}")
    assert "2 test image(s) are identical to training images (x_test[0] = x_train[3], x_test[1] = x_train[5])" \
        in caplog.text
