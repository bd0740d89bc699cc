"""Dataset specs folder:, npz: and tfds: through dataset_info/load_split, on files made here."""

import json
import os

import numpy as np
import pytest

from igdtf.data.preprocess import LargeImages, SmallImages
from igdtf.data.registry import dataset_info, load_split
from igdtf.errors import DataError, MissingDataError

from tests.data.sources.user_data import CLASSES, coloured_images, image_folder, npz_file, prepare_tiny_tfds, write_image


def _arrays(dataset):
    images, labels = zip(*[(x.numpy(), int(y)) for x, y in dataset])
    return np.stack(images), np.array(labels)


def test_png_tree_is_split_by_holdout_with_sorted_class_names_and_cached_statistics(tmp_path):
    root = image_folder(str(tmp_path / "pngs"), per_class=10)
    spec = f"folder:{root}"
    info = dataset_info(spec, holdout=0.2)
    assert info.class_names == CLASSES and info.num_classes == 3 and info.image_shape == (8, 8, 3)
    assert isinstance(info.preprocess, SmallImages)
    train, test = load_split(spec, "train", holdout=0.2), load_split(spec, "test", holdout=0.2)
    x_train, y_train = _arrays(train)
    x_test, _ = _arrays(test)
    assert len(x_train) == 24 and len(x_test) == 6
    assert not {x.tobytes() for x in x_train} & {x.tobytes() for x in x_test}  # disjoint splits
    np.testing.assert_allclose(info.mean, x_train.mean(axis=(0, 1, 2)), atol=1e-4)
    np.testing.assert_allclose(info.std, x_train.std(axis=(0, 1, 2)), atol=1e-4)
    assert np.all(x_train[y_train == 2][..., 0].mean() > x_train[y_train == 2][..., 2].mean())  # red is red
    stored = json.load(open(os.path.join(root, "igdtf_stats.json")))
    assert stored["mean"] == list(info.mean) and stored["count"] == 24
    assert info.describe()["statistics_file"] == os.path.join(root, "igdtf_stats.json")
    assert dataset_info(spec, holdout=0.5).num_classes == 3  # another holdout: measured again
    assert json.load(open(os.path.join(root, "igdtf_stats.json")))["count"] == 15


def test_jpeg_train_test_folders_skip_and_count_corrupt_images(tmp_path, caplog):
    root = image_folder(str(tmp_path / "jpegs"), per_class=4, size=12, split_layout=True, extension="jpg")
    with open(os.path.join(root, "train", "red", "broken.jpg"), "wb") as f:
        f.write(b"\xff\xd8\xff not a jpeg")
    info = dataset_info(f"folder:{root}")
    assert info.image_shape == (12, 12, 3) and info.class_names == CLASSES
    assert len(list(load_split(f"folder:{root}", "train"))) == 12
    assert len(list(load_split(f"folder:{root}", "test", image_size=16))) == 6
    assert "skipping corrupt image train/red/broken.jpg" in caplog.text
    corrupt = json.load(open(os.path.join(root, "igdtf_stats.json")))["corrupt"]
    assert corrupt == {"train": ["train/red/broken.jpg"], "test": []}


def test_grayscale_pngs_give_one_channel(tmp_path):
    images, labels = coloured_images(12)  # 4 per class, 3 held out: every class keeps training images
    for i, (image, label) in enumerate(zip(images, labels)):
        write_image(str(tmp_path / "gray" / CLASSES[label] / f"{i}.png"), image[..., 2 - label:3 - label])
    info = dataset_info(f"folder:{tmp_path / 'gray'}", holdout=0.25)
    assert info.image_shape == (8, 8, 1) and len(info.mean) == 1
    x, _ = _arrays(load_split(info.name, "train", holdout=0.25))
    assert x.shape == (9, 8, 8, 1)


@pytest.mark.parametrize("damage,message", [
    ("missing", "no such folder"),
    ("empty_class", "class folder 'green' has no readable JPEG or PNG training images"),
    ("unknown_test_class", "class folder 'purple' is not among the training classes"),
])
def test_bad_folders_are_refused_naming_the_folder(tmp_path, damage, message):
    root = image_folder(str(tmp_path / "data"), per_class=2, split_layout=True)
    if damage == "missing":
        root = str(tmp_path / "nowhere")
    elif damage == "empty_class":
        for name in os.listdir(os.path.join(root, "train", "green")):
            os.remove(os.path.join(root, "train", "green", name))
    else:
        write_image(os.path.join(root, "test", "purple", "0.png"), coloured_images(1)[0][0])
    with pytest.raises((DataError, MissingDataError), match=message):
        dataset_info(f"folder:{root}")


def test_npz_arrays_uint8_and_float_grayscale(tmp_path):
    info = dataset_info(f"npz:{npz_file(str(tmp_path / 'a.npz'))}")
    assert info.class_names == CLASSES and info.image_shape == (8, 8, 3)
    x, y = _arrays(load_split(info.name, "test"))
    assert x.shape == (6, 8, 8, 3) and x.dtype == np.float32 and list(y) == [0, 1, 2, 0, 1, 2]
    gray = np.random.default_rng(0).uniform(0, 1, (10, 6, 6)).astype(np.float32)
    path = npz_file(str(tmp_path / "g.npz"), x_train=gray, y_train=np.arange(10) % 2, x_test=gray[:4],
                    y_test=np.arange(4) % 2, class_names=None)
    info = dataset_info(f"npz:{path}")
    assert info.image_shape == (6, 6, 1) and info.class_names == ("class_0", "class_1")
    np.testing.assert_allclose(info.mean, [gray.mean()], rtol=1e-5)
    assert os.path.isfile(path + ".igdtf_stats.json")


@pytest.mark.parametrize("overrides,message", [
    ({"y_test": None}, "missing key(s) y_test"),
    ({"y_train": np.zeros(5, int)}, "x_train has 12 images but y_train has 5 labels"),
    ({"y_test": np.array([0, 1, 2, 3, 0, 1])}, "y_test holds label 3, but class_names names 3 classes (labels 0 to 2)"),
    ({"x_train": np.zeros((12, 8), np.uint8)}, "x_train has shape (12, 8); images must be"),
    ({"x_test": np.full((6, 8, 8, 3), 2.0)}, "x_test is float with values from 2 to 2"),
    ({"x_test": np.where(np.arange(6)[:, None, None, None] == 4, np.nan, np.full((6, 8, 8, 3), 0.5))},
     "x_test holds 192 NaN and 0 infinite values (the first in image 4); images must be finite, in [0, 1]"),
    ({"y_train": np.arange(12) % 2}, "class_names names 3 classes, but y_train has no image of class(es) 2 ('red')"),
    ({"class_names": np.array(["blue", "green", "red", "white", "black"])},
     "class_names names 5 classes, but y_train has no image of class(es) 3 ('white'), 4 ('black'); every class"),
    ({"class_names": None, "y_train": np.arange(12) % 3 * 2, "y_test": np.zeros(6, int)},
     "the labels give 5 classes, but y_train has no image of class(es) 1 ('class_1'), 3 ('class_3')"),
])
def test_bad_npz_is_refused_naming_the_file_and_key(tmp_path, overrides, message):
    path = npz_file(str(tmp_path / "bad.npz"), **overrides)
    with pytest.raises(DataError, match=f"npz:{path}") as refused:
        dataset_info(f"npz:{path}")
    assert message in str(refused.value)


def test_tfds_builder_in_a_data_dir_features_found_or_picked(tmp_path):
    data_dir = str(tmp_path / "tfds")
    prepare_tiny_tfds(data_dir)
    info = dataset_info("tfds:tiny_colours/plain", data_dir=data_dir)
    assert info.class_names == CLASSES and info.image_shape == (8, 8, 3) and info.splits == ("train", "test")
    x, y = _arrays(load_split(info.name, "test", data_dir=data_dir))
    assert x.shape == (6, 8, 8, 3) and sorted(y) == [0, 0, 1, 1, 2, 2]
    with pytest.raises(DataError, match="2 Image features; features: ") as ambiguous:
        dataset_info("tfds:tiny_colours/two_images", data_dir=data_dir)
    for part in ("picture (Image)", "mask (Image)", "kind (ClassLabel)", "Pick one with --dataset_option image_key=KEY"):
        assert part in str(ambiguous.value)
    assert dataset_info("tfds:tiny_colours/two_images", data_dir=data_dir, image_key="picture").num_classes == 3
    with pytest.raises(MissingDataError, match="not prepared in .*or pass --download"):
        dataset_info("tfds:mnist", data_dir=data_dir)
    with pytest.raises(ValueError, match="give a built-in name, folder:PATH, npz:PATH or tfds:NAME"):
        dataset_info("csv:table.csv")


def test_scikit_image_photographs_as_a_folder(tmp_path):
    from skimage import data

    photos = {"animals": ("chelsea", "cat", "astronaut", "coffee"), "objects": ("rocket", "camera", "moon", "coins")}
    for label, names in photos.items():
        for name in names:
            image = getattr(data, name)()
            image = np.stack([image] * 3, -1) if image.ndim == 2 else image
            write_image(str(tmp_path / "photos" / label / f"{name}.jpg"), image)
    spec = f"folder:{tmp_path / 'photos'}"
    info = dataset_info(spec, holdout=0.25)
    assert info.class_names == ("animals", "objects") and info.image_shape[0] > 96
    assert isinstance(info.preprocess, LargeImages) and all(0.2 < m < 0.8 for m in info.mean)
    x, _ = _arrays(load_split(spec, "train", image_size=32, holdout=0.25))
    assert x.shape == (6, 32, 32, 3) and 0.0 <= x.min() and x.max() <= 1.0 and x.std() > 0.1
