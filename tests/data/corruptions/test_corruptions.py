import functools

import numpy as np
import pytest

from igdtf.data.corruptions import filters
from igdtf.data.corruptions.apply import corrupt, to_uint8
from igdtf.data.corruptions.names import BENCHMARK_CORRUPTIONS, CORRUPTIONS, EXTRA_CORRUPTIONS, corruption_names
from igdtf.data.corruptions.severities import SEVERITY_CONSTANTS


def _images(n=2, size=8, channels=3):
    return to_uint8(np.random.default_rng(0).uniform(0, 1, (n, size, size, channels)))


def _smooth_images(n=2, size=32):
    """Colour gradients with a checkerboard texture and a bright square (blurs and warps change them)."""
    ramp = np.linspace(0.1, 0.7, size)
    image = np.stack([ramp[:, None] * np.ones(size), np.ones(size)[:, None] * ramp, 0.4 * np.ones((size, size))], -1)
    image += 0.2 * ((np.arange(size)[:, None] // 3 + np.arange(size)[None] // 3) % 2)[..., None]
    image[size // 4:size // 2, size // 4:size // 2] = 1.0
    return to_uint8(np.stack([image, image[::-1]])[:n])


def test_the_nineteen_corruptions_and_all():
    assert len(BENCHMARK_CORRUPTIONS) == 15 and len(EXTRA_CORRUPTIONS) == 4 and len(set(CORRUPTIONS)) == 19
    assert corruption_names(["all"]) == CORRUPTIONS
    assert corruption_names(["frost", "fog"]) == ("frost", "fog")
    with pytest.raises(ValueError, match="give 'all' alone"):
        corruption_names(["all", "fog"])
    with pytest.raises(ValueError, match="Unknown corruption 'smoke'. Allowed: brightness, contrast"):
        corruption_names(["smoke"])
    with pytest.raises(ValueError, match="'fog' is listed twice"):
        corruption_names(["fog", "fog"])
    for constants in SEVERITY_CONSTANTS.values():
        assert set(constants) == set(CORRUPTIONS) and all(len(c) == 5 for c in constants.values())


@pytest.mark.parametrize("name", CORRUPTIONS)
def test_every_corruption_is_seeded_keeps_shape_and_grows_with_severity(name):
    images = _smooth_images()
    first = corrupt(images, name, 3, seed=5)
    assert first.dtype == np.uint8 and first.shape == images.shape
    np.testing.assert_array_equal(first, corrupt(images, name, 3, seed=5))
    assert not np.array_equal(first, images)
    change = [np.abs(corrupt(images, name, s, seed=5).astype(float) - images).mean() for s in (1, 5)]
    if name != "elastic_transform":  # CIFAR-10-C's severity 1 warps more than its severity 5 (published)
        assert change[1] > change[0] > 0, change
    grey = _smooth_images()[..., :1]
    assert corrupt(grey, name, 2, seed=1).shape == grey.shape


@pytest.mark.parametrize("name", ["frost", "fog", "motion_blur", "spatter", "elastic_transform", "glass_blur"])
def test_random_corruptions_depend_on_the_seed(name):
    images = _smooth_images()
    assert not np.array_equal(corrupt(images, name, 4, seed=1), corrupt(images, name, 4, seed=2))


def test_cifar10_c_constants_at_32_px_and_imagenet_c_constants_at_224_px():
    small, large = _images(1, 32), _images(1, 224)
    np.testing.assert_array_equal(corrupt(small, "contrast", 1, 0), corrupt(small, "contrast", 1, 0, "cifar10_c"))
    assert not np.array_equal(corrupt(small, "contrast", 1, 0), corrupt(small, "contrast", 1, 0, "imagenet_c"))
    # contrast keeps the mean and scales deviations from it by the constant (0.75 vs ImageNet-C's 0.4)
    x = small[0] / 255.0
    expected = (x - x.mean(axis=(0, 1))) * 0.75 + x.mean(axis=(0, 1))
    np.testing.assert_allclose(corrupt(small, "contrast", 1, 0)[0], np.around(np.clip(expected, 0, 1) * 255), atol=0)
    np.testing.assert_array_equal(corrupt(large, "contrast", 1, 0), corrupt(large, "contrast", 1, 0, "imagenet_c"))


def test_noise_matches_tensorflow_datasets_imagenet_c_draw_for_draw(monkeypatch):
    import skimage.util
    from tensorflow_datasets.image_classification import corruptions as reference

    images = _images(2, 8)
    state = np.random.get_state()
    try:
        for name in ("gaussian_noise", "shot_noise", "speckle_noise"):
            for severity in (1, 5):
                np.random.seed(9)
                expected = getattr(reference, name)(images, severity)
                np.testing.assert_array_equal(corrupt(images, name, severity, 9, "imagenet_c"), expected)
    finally:
        np.random.set_state(state)
    generator_seed = np.random.RandomState(9).randint(2 ** 32)
    for severity in (1, 5):  # give the reference's unseeded skimage call the same generator
        monkeypatch.setattr(skimage.util, "random_noise", functools.partial(
            skimage.util.random_noise, rng=np.random.default_rng(generator_seed)))
        expected = reference.impulse_noise(images, severity)
        monkeypatch.undo()
        np.testing.assert_array_equal(corrupt(images, "impulse_noise", severity, 9, "imagenet_c"), expected)


def test_the_global_numpy_generator_is_left_as_it_was():
    np.random.seed(1)
    expected = np.random.random(3)
    np.random.seed(1)
    corrupt(_images(), "gaussian_noise", 2, seed=4)
    corrupt(_images(1, 32), "frost", 2, seed=4)
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_filters_keep_constant_images_and_normalise():
    flat = np.full((9, 9, 3), 0.25)
    assert filters.disk_kernel(1.5, 0.1).sum() == pytest.approx(1.0)
    np.testing.assert_allclose(filters.correlate_channels(flat, filters.disk_kernel(3, 0.5)), flat)
    np.testing.assert_allclose(filters.motion_blur(flat, 4, 2, 30.0), flat)
    np.testing.assert_allclose(filters.clipped_zoom(flat, 1.3), flat)
    fractal = filters.plasma_fractal(16, 2.0, np.random.RandomState(0))
    assert fractal.shape == (16, 16) and fractal.min() == 0.0 and fractal.max() == 1.0
    # motion blur along 0°: a pixel averages itself and the pixels to its right (edge repeated)
    step = np.zeros((1, 6, 1))
    step[0, 3:] = 1.0
    blurred = filters.motion_blur(step, 1, 1.0, 0.0)[0, :, 0]
    w = np.exp(-np.arange(3) ** 2 / 2.0) / np.exp(-np.arange(3) ** 2 / 2.0).sum()
    np.testing.assert_allclose(blurred, [0, w[2], w[1] + w[2], 1, 1, 1])
    grey = np.array([[0, 0, 10, 10, 200]], np.uint8)
    np.testing.assert_array_equal(filters.equalize_histogram(grey), [[0, 0, 170, 170, 255]])


def test_bad_corruption_arguments_are_refused():
    with pytest.raises(ValueError, match="Unknown corruption 'smoke'. Allowed: brightness, contrast"):
        corrupt(_images(), "smoke", 1, 0)
    with pytest.raises(ValueError, match="severity must be an integer in 1..5, received 6"):
        corrupt(_images(), "shot_noise", 6, 0)
    with pytest.raises(ValueError, match="takes uint8 images"):
        corrupt(np.zeros((1, 4, 4, 3), np.float32), "shot_noise", 1, 0)
    with pytest.raises(ValueError, match="Unknown corruption parameters 'cifar'"):
        corrupt(_images(), "fog", 1, 0, "cifar")
    with pytest.raises(ValueError, match="1 or 3 channels, received 2"):
        corrupt(_images(1, 8, 2), "fog", 1, 0)
