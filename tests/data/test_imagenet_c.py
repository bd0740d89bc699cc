import math
import os

import numpy as np
import pytest
import tensorflow as tf

from igdtf.data import imagenet100, imagenet_c, noise
from igdtf.data.registry import load_split
from igdtf.errors import MissingDataError
from tests.data.fixtures import jpeg, make_fake_ilsvrc

CMC = imagenet100.class_wnids()
LEVEL = 128 / 255  # an 8-bit grey level
GRAY = tf.fill([64, 64, 3], LEVEL)


def test_gaussian_noise_has_the_severity_sigma_and_is_seeded():
    for severity, sigma in zip(noise.SEVERITIES, (0.08, 0.12, 0.18, 0.26, 0.38)):
        out = noise.gaussian_noise(GRAY, severity, tf.constant([1, 2], tf.int64)).numpy()
        clipped = np.mean((out == 0) | (out == 1))
        expected = 0.5 * (math.erfc((1 - LEVEL) / sigma / math.sqrt(2)) + math.erfc(LEVEL / sigma / math.sqrt(2)))
        assert abs(clipped - expected) < 0.01
        if severity <= 3:  # clipping negligible: the spread is σ
            assert abs(float(np.std(out - LEVEL)) - sigma) < 0.05 * sigma
    again = noise.gaussian_noise(GRAY, 3, tf.constant([1, 2], tf.int64))
    np.testing.assert_array_equal(again, noise.gaussian_noise(GRAY, 3, tf.constant([1, 2], tf.int64)))
    assert not np.array_equal(again, noise.gaussian_noise(GRAY, 3, tf.constant([1, 3], tf.int64)))


def test_shot_noise_is_poisson_in_photon_units_and_impulse_noise_flips_a_fraction():
    out = noise.shot_noise(GRAY, 1, tf.constant([0, 1], tf.int64))  # 60 photons per unit
    counts = out * 60.0
    rate = LEVEL * 60.0  # Poisson: mean = variance = x·c
    assert abs(float(tf.reduce_mean(counts)) - rate) < 0.5
    assert abs(float(tf.math.reduce_variance(counts)) - rate) < 3.0
    out = noise.impulse_noise(GRAY, 5, tf.constant([0, 1], tf.int64)).numpy()
    changed = np.abs(out - LEVEL) > 1e-6
    assert abs(changed.mean() - 0.27) < 0.02
    assert set(np.unique(out[changed]).tolist()) == {0.0, 1.0}
    assert abs((out[changed] == 1.0).mean() - 0.5) < 0.05


def test_corruptions_quantise_to_8_bits_and_check_severity_and_name():
    out = noise.gaussian_noise(tf.random.uniform([8, 8, 3], seed=1), 2, tf.constant([0, 0], tf.int64))
    np.testing.assert_allclose(out * 255, np.round(out * 255), atol=1e-4)
    with pytest.raises(ValueError, match=r"severity must be one of \(1, 2, 3, 4, 5\), received 6"):
        noise.shot_noise(GRAY, 6, tf.constant([0, 0], tf.int64))
    with pytest.raises(ValueError, match="Unknown corruption 'fog'"):
        noise.corruption("fog")
    with pytest.raises(ValueError, match="Unknown ImageNet-C split 'gaussian_noise_6'"):
        imagenet_c.parse_split("gaussian_noise_6")


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
