import io
import logging
import os
import tarfile

import numpy as np
import pytest
import tensorflow as tf

from igdtf.benchmarks.fake_ilsvrc import jpeg, make_fake_ilsvrc
from igdtf.data.archives import ilsvrc, imagenet100, tinyimagenet
from igdtf.data.images import CorruptImage, rgb_jpeg
from igdtf.data.registry import load_split
from igdtf.data.tfds_compat import tfds
from igdtf.errors import ConfigError, DataError, MissingDataError
from tests.data.archives.fake_archives import make_fake_tinyimagenet, truncate

CMC = imagenet100.class_wnids()


def _truncated_jpeg() -> bytes:
    data = jpeg(np.random.default_rng(1), 30, 40)
    return data[: len(data) // 2]


@pytest.fixture(scope="module")
def fake_imagenet(tmp_path_factory):
    """Fake ILSVRC2012 tars (100 CMC classes + 2 others, 2 training JPEGs per class, one of them
    truncated) and the ImageNet-100 records built from them."""
    root = tmp_path_factory.mktemp("ilsvrc")
    broken = f"{CMC[7]}_1.JPEG"
    written = make_fake_ilsvrc(str(root / "manual"), CMC, corrupt={broken: _truncated_jpeg()})
    return {"manual_dir": str(root / "manual"), "data_dir": str(root / "data"), "written": written,
            "broken": broken}


def _examples(dataset):
    return [(image.numpy(), int(label)) for image, label in dataset]


def test_imagenet100_builds_only_the_listed_classes_and_skips_a_corrupt_jpeg(fake_imagenet, caplog):
    with caplog.at_level(logging.WARNING, logger="igdtf.data"):
        train = _examples(imagenet100.load_split("train", fake_imagenet["manual_dir"], fake_imagenet["data_dir"]))
    assert len(train) == 2 * 100 - 1  # the two extra classes are never written; one JPEG skipped
    assert f"skipping corrupt image {fake_imagenet['broken']}" in caplog.text
    assert "skipped 1 corrupt ones" in caplog.text
    counts = np.bincount([label for _, label in train], minlength=100)
    assert counts[7] == 1 and np.delete(counts, 7).tolist() == [2] * 99
    assert all(tf.io.decode_jpeg(image).shape[-1] == 3 for image, _ in train[:5])
    validation = _examples(imagenet100.load_split("validation", data_dir=fake_imagenet["data_dir"]))
    assert sorted(label for _, label in validation) == list(range(100))
    builder = imagenet100.builder(fake_imagenet["data_dir"])
    assert builder.info.features["label"].names == CMC


def test_imagenet100_labels_follow_the_validation_label_file(fake_imagenet):
    """Each validation image gets the class tensorflow-datasets lists for its number."""
    builder = imagenet100.builder(fake_imagenet["data_dir"])
    dataset = builder.as_dataset(split="validation", decoders={"image": tfds.decode.SkipDecoding()})
    truth = ilsvrc.validation_wnids()
    for example in dataset:
        number = int(example["file_name"].numpy().decode()[15:23])
        assert CMC[int(example["label"])] == truth[number - 1]


def test_registry_preprocesses_imagenet100_to_the_requested_size(fake_imagenet):
    images = [x for x, _ in load_split("imagenet100", "validation", image_size=32,
                                       data_dir=fake_imagenet["data_dir"]).take(3)]
    for image in images:
        assert image.shape == (32, 32, 3) and image.dtype == tf.float32
        assert 0.0 <= float(tf.reduce_min(image)) and float(tf.reduce_max(image)) <= 1.0


def test_a_custom_class_list_builds_its_own_config(tmp_path, fake_imagenet):
    wnids = list(reversed(CMC))
    class_list = tmp_path / "mine.txt"
    class_list.write_text("# my classes\n" + "\n".join(wnids) + "\n")
    dataset = imagenet100.load_split("validation", fake_imagenet["manual_dir"], str(tmp_path / "data"),
                                     class_list=str(class_list))
    builder = imagenet100.builder(str(tmp_path / "data"), str(class_list))
    assert builder.builder_config.name.startswith("custom_")
    truth = ilsvrc.validation_wnids()
    assert builder.info.features["label"].names == wnids
    raw = builder.as_dataset(split="validation", decoders={"image": tfds.decode.SkipDecoding()})
    for example in raw.take(5):
        assert wnids[int(example["label"])] == truth[int(example["file_name"].numpy().decode()[15:23]) - 1]
    assert len(_examples(dataset)) == 100


@pytest.mark.parametrize("lines,message", [
    (CMC[:99] + ["n99999999"], "1 entries that are not ILSVRC2012 WNIDs: 'n99999999'"),
    (CMC[:99], "must list exactly 100 WNIDs, found 99"),
    (CMC[:99] + [CMC[0]], f"repeats {CMC[0]}"),
])
def test_bad_class_lists_are_refused(tmp_path, lines, message):
    path = tmp_path / "classes.txt"
    path.write_text("\n".join(lines))
    with pytest.raises(ConfigError, match=message):
        imagenet100.class_wnids(str(path))


def test_missing_archives_are_named_with_the_folder(tmp_path):
    with pytest.raises(MissingDataError) as error:
        imagenet100.load_split("train", manual_dir=str(tmp_path), data_dir=str(tmp_path / "data"))
    for text in (ilsvrc.TRAIN_ARCHIVE, ilsvrc.VALIDATION_ARCHIVE, str(tmp_path), "--manual_dir"):
        assert text in str(error.value)


def test_truncated_or_incomplete_archives_are_refused_before_building(tmp_path):
    make_fake_ilsvrc(str(tmp_path), CMC[:3], extra_classes=0)
    truncate(str(tmp_path / ilsvrc.TRAIN_ARCHIVE), 0.5)
    with pytest.raises(DataError, match="ILSVRC2012_img_train.tar is truncated"):
        imagenet100.check_archives(str(tmp_path), CMC[:3])
    make_fake_ilsvrc(str(tmp_path), CMC[:3], extra_classes=0)
    path = tmp_path / ilsvrc.VALIDATION_ARCHIVE
    with tarfile.open(path) as archive:
        last = archive.getmembers()[-1]
    with open(path, "r+b") as f:  # cut inside the last image's data, after every header
        f.truncate(last.offset_data + last.size // 2)
    with pytest.raises(DataError, match="ILSVRC2012_img_val.tar is truncated"):
        imagenet100.check_archives(str(tmp_path), CMC[:3])
    make_fake_ilsvrc(str(tmp_path), CMC[:3], extra_classes=0)
    with pytest.raises(DataError, match=f"no class tar for 1 of the 4 requested classes \\({CMC[3]}.tar\\)"):
        imagenet100.check_archives(str(tmp_path), CMC[:4])
    (tmp_path / ilsvrc.VALIDATION_ARCHIVE).write_bytes(b"not a tar at all" * 64)
    with pytest.raises(DataError, match="ILSVRC2012_img_val.tar is not a readable tar archive"):
        imagenet100.check_archives(str(tmp_path), CMC[:3])


def test_a_truncated_class_tar_inside_the_archive_is_named(tmp_path):
    make_fake_ilsvrc(str(tmp_path), CMC[:2], extra_classes=0, images_per_class=3)
    path = str(tmp_path / ilsvrc.TRAIN_ARCHIVE)
    with tarfile.open(path) as archive:
        inner = archive.extractfile(f"{CMC[1]}.tar").read()
    with tarfile.open(path, "w") as archive:  # the class tar cut short, the outer tar intact
        info = tarfile.TarInfo(f"{CMC[1]}.tar")
        info.size = len(inner) // 2
        archive.addfile(info, io.BytesIO(inner[: info.size]))
    with pytest.raises(DataError, match=f"{CMC[1]}.tar inside .* (is truncated|is not a readable tar)"):
        list(ilsvrc.train_images(path, CMC[1:2]))


def test_rgb_jpeg_keeps_rgb_jpegs_and_reencodes_the_rest():
    rng = np.random.default_rng(0)
    colour = jpeg(rng, 10, 12)
    assert rgb_jpeg(colour) is colour
    gray = jpeg(rng, 10, 12, channels=1)
    png = tf.io.encode_png(np.zeros((5, 6, 3), np.uint8)).numpy()
    for data in (gray, png):
        converted = rgb_jpeg(data)
        assert converted[:3] == b"\xff\xd8\xff" and tf.io.decode_jpeg(converted).shape[-1] == 3
    with pytest.raises(CorruptImage):
        rgb_jpeg(_truncated_jpeg())


@pytest.fixture(scope="module")
def fake_tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    os.makedirs(root / "manual")
    info = make_fake_tinyimagenet(str(root / "manual" / tinyimagenet.ARCHIVE), corrupt={"val_3.JPEG": b"garbage"})
    return {"manual_dir": str(root / "manual"), "data_dir": str(root / "data"), **info}


def test_tinyimagenet_builder_reads_train_and_annotated_validation(fake_tiny, caplog):
    with caplog.at_level(logging.WARNING, logger="igdtf.data"):
        train = _examples(tinyimagenet.load_split("train", fake_tiny["manual_dir"], fake_tiny["data_dir"]))
        validation = _examples(tinyimagenet.load_split("validation", data_dir=fake_tiny["data_dir"]))
    assert len(train) == fake_tiny["train"] and len(validation) == fake_tiny["validation"] - 1
    assert "skipping corrupt image val_3.JPEG" in caplog.text
    assert np.bincount([label for _, label in train]).tolist() == [2] * 200
    # val_i is annotated with class i (one validation image per class in the fixture)
    builder = tinyimagenet.TinyImagenet(data_dir=fake_tiny["data_dir"])
    for example in builder.as_dataset(split="validation").take(20):
        assert int(example["label"]) == int(example["file_name"].numpy().decode()[4:-5])
    assert builder.info.features["label"].names == sorted(fake_tiny["wnids"])
    image, _ = next(iter(load_split("tinyimagenet", "validation", data_dir=fake_tiny["data_dir"])))
    assert image.shape == (64, 64, 3)


def test_tinyimagenet_bad_archives(tmp_path):
    with pytest.raises(MissingDataError, match="tiny-imagenet-200.zip, which is missing from"):
        tinyimagenet.load_split("train", str(tmp_path), str(tmp_path / "data"))
    path = tmp_path / tinyimagenet.ARCHIVE
    make_fake_tinyimagenet(str(path), num_classes=200, images_per_class=1, with_annotations=False)
    with pytest.raises(DataError, match="val/val_annotations.txt"):
        tinyimagenet.check_archive(str(tmp_path))
    make_fake_tinyimagenet(str(path), num_classes=200, images_per_class=1)
    truncate(str(path), 0.7)
    with pytest.raises(DataError, match="not a readable zip archive"):
        tinyimagenet.check_archive(str(tmp_path))


@pytest.mark.parametrize("name,shape,classes", [("cifar10", (32, 32, 3), 10), ("cifar100", (32, 32, 3), 100),
                                                ("stl10", (96, 96, 3), 10)])
def test_downloadable_datasets_through_tfds_mock_data(tmp_path, name, shape, classes):
    with tfds.testing.mock_data(num_examples=6):
        for split in ("train", "test"):
            batch = list(load_split(name, split, data_dir=str(tmp_path), download=True).batch(6))[0]
            images, labels = batch
            assert images.shape == (6, *shape) and images.dtype == tf.float32 and labels.dtype == tf.int32
            assert 0.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0
            assert 0 <= int(tf.reduce_min(labels)) and int(tf.reduce_max(labels)) < classes


def test_downloadable_without_archive_or_with_a_wrong_one(tmp_path):
    with pytest.raises(MissingDataError) as error:
        load_split("cifar10", "train", data_dir=str(tmp_path / "data"), manual_dir=str(tmp_path))
    for text in ("cifar-10-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                 str(tmp_path), "--download"):
        assert text in str(error.value)
    (tmp_path / "stl10_binary.tar.gz").write_bytes(b"\x1f\x8b" + b"0" * 500)
    with pytest.raises(DataError, match="is not the official stl10_binary.tar.gz"):
        load_split("stl10", "train", data_dir=str(tmp_path / "data"), manual_dir=str(tmp_path))
