import os

import numpy as np
import pytest
import tensorflow as tf

from igdtf.benchmarks.fake_ilsvrc import jpeg, make_fake_ilsvrc
from igdtf.data.archives import imagenet100, imagenet_c
from igdtf.data.corruptions import apply, names
from igdtf.data.registry import load_split
from igdtf.errors import MissingDataError

CMC = imagenet100.class_wnids()


def test_corruption_op_runs_the_corruptions_seeded_and_checks_its_arguments():
    image = tf.random.uniform([16, 16, 3], seed=1)
    seed = tf.constant([1, 2], tf.int64)
    for name in names.NOISE_CORRUPTIONS + ("frost", "glass_blur", "spatter"):
        op = apply.corruption_op(name)
        out = tf.function(op)(image, 3, seed)  # works in graph code (tf.data maps are graphs)
        assert out.shape == image.shape and out.dtype == tf.float32
        integer_seed = (1 * 1_000_003 + 2) % 2**32
        expected = apply.corrupt(apply.to_uint8(image.numpy()), name, 3, integer_seed) / 255.0
        np.testing.assert_allclose(out, expected, atol=1e-7)
        np.testing.assert_array_equal(out, op(image, 3, seed))
        assert not np.array_equal(out, op(image, 3, tf.constant([1, 3], tf.int64)))
    with pytest.raises(ValueError, match="Unknown corruption 'smoke'"):
        apply.corruption_op("smoke")
    with pytest.raises(ValueError, match="severity must be an integer in 1..5, received 6"):
        apply.corruption_op("shot_noise")(image, 6, seed)
    with pytest.raises(ValueError, match="Unknown ImageNet-C split 'gaussian_noise_6'"):
        imagenet_c.parse_split("gaussian_noise_6")
    assert imagenet_c.parse_split("jpeg_compression_5") == ("jpeg_compression", 5)
    assert len(imagenet_c.splits()) == 19 * 5


def _imagenet_c_folder(root, corruption: str, severity: int, wnids, per_class: int = 1) -> None:
    rng = np.random.default_rng(0)
    for wnid in wnids:
        directory = os.path.join(root, corruption, str(severity), wnid)
        os.makedirs(directory)
        for i in range(per_class):
            with open(os.path.join(directory, f"ILSVRC2012_val_{i:08d}.JPEG"), "wb") as f:
                f.write(jpeg(rng, 224, 224))


def test_imagenet_c_folder_keeps_the_imagenet100_classes_in_label_order(tmp_path):
    other = ["n01440764"]  # an ILSVRC2012 class outside the CMC list
    assert other[0] not in CMC
    _imagenet_c_folder(str(tmp_path), "shot_noise", 2, CMC + other)
    dataset = load_split("imagenet100_c", "shot_noise_2", imagenet_c_dir=str(tmp_path))
    labels = [int(y) for _, y in dataset]
    assert labels == list(range(100))  # the extra class is not read
    image, _ = next(iter(dataset))
    assert image.shape == (224, 224, 3) and image.dtype == tf.float32


def test_imagenet_c_folder_errors_name_what_is_missing(tmp_path):
    with pytest.raises(MissingDataError, match="ImageNet-C folder .* does not exist.*noise.tar"):
        load_split("imagenet100_c", "gaussian_noise_1", imagenet_c_dir=str(tmp_path / "nowhere"))
    _imagenet_c_folder(str(tmp_path), "gaussian_noise", 1, CMC[:98])
    with pytest.raises(MissingDataError, match=f"no images for 2 of the 100 classes \\({CMC[98]}, {CMC[99]}\\)"):
        load_split("imagenet100_c", "gaussian_noise_1", imagenet_c_dir=str(tmp_path))


def test_on_the_fly_noise_corrupts_the_clean_validation_crops(tmp_path):
    make_fake_ilsvrc(str(tmp_path / "manual"), CMC, images_per_class=1, extra_classes=0, size=(40, 50))
    options = dict(manual_dir=str(tmp_path / "manual"), data_dir=str(tmp_path / "data"))
    clean = [x.numpy() for x, _ in load_split("imagenet100", "validation", **options).take(4)]
    noisy = [x.numpy() for x, _ in load_split("imagenet100_noise", "impulse_noise_4", **options).take(4)]
    again = [x.numpy() for x, _ in load_split("imagenet100_noise", "impulse_noise_4", **options).take(4)]
    for c, n, a in zip(clean, noisy, again):
        np.testing.assert_array_equal(n, a)  # seeded: every model sees the same noisy images
        changed = np.abs(n - np.round(c * 255) / 255) > 1e-6
        assert 0.12 < changed.mean() < 0.22  # 17 % of the elements, minus those already 0 or 1
    calls = []

    def mine(image, severity, seed):
        calls.append(severity)
        return tf.zeros_like(image)

    replaced = imagenet_c.load_corrupted_split("shot_noise_3", corruption_fn=mine, **options)
    image, _ = next(iter(replaced))
    assert float(tf.reduce_max(image)) == 0.0 and calls == [3]


def test_imagenet100_c_without_a_folder_corrupts_the_validation_crops_on_the_fly(tmp_path):
    make_fake_ilsvrc(str(tmp_path / "manual"), CMC, images_per_class=1, extra_classes=0, size=(40, 50))
    options = dict(manual_dir=str(tmp_path / "manual"), data_dir=str(tmp_path / "data"))
    clean = [x.numpy() for x, _ in load_split("imagenet100", "validation", **options).take(2)]
    for split in ("frost_5", "elastic_transform_2"):
        corrupted = [x.numpy() for x, _ in load_split("imagenet100_c", split, **options).take(2)]
        again = [x.numpy() for x, _ in load_split("imagenet100_c", split, **options).take(2)]
        for c, x, a in zip(clean, corrupted, again):
            assert x.shape == (224, 224, 3)
            np.testing.assert_array_equal(x, a)
            assert np.abs(x - c).mean() > 0.01, split
    noise = [x.numpy() for x, _ in load_split("imagenet100_noise", "shot_noise_2", **options).take(2)]
    same = [x.numpy() for x, _ in load_split("imagenet100_c", "shot_noise_2", **options).take(2)]
    np.testing.assert_array_equal(noise, same)
