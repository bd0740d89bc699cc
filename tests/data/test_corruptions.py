import functools

import numpy as np
import pytest

from igdtf.data.corruptions import NOISE_CORRUPTIONS, corrupt, numpy_global_seed, to_uint8


def _images(n=4, size=8):
    return to_uint8(np.random.default_rng(0).uniform(0, 1, (n, size, size, 3)))


@pytest.mark.parametrize("name", NOISE_CORRUPTIONS)
def test_corruptions_are_seeded_and_keep_shape_and_dtype(name):
    images = _images()
    first = corrupt(images, name, 3, seed=5)
    assert first.dtype == np.uint8 and first.shape == images.shape
    np.testing.assert_array_equal(first, corrupt(images, name, 3, seed=5))
    assert not np.array_equal(first, corrupt(images, name, 3, seed=6))
    assert not np.array_equal(first, images)


def test_corruptions_match_tensorflow_datasets_imagenet_c_draw_for_draw(monkeypatch):
    import skimage.util
    from tensorflow_datasets.image_classification import corruptions as reference

    images = _images()
    for name in ("gaussian_noise", "shot_noise"):
        for severity in (1, 5):
            with numpy_global_seed(9):
                expected = getattr(reference, name)(images, severity)
            np.testing.assert_array_equal(corrupt(images, name, severity, seed=9), expected)
    for severity in (1, 5):  # give the reference's unseeded skimage call the same generator
        monkeypatch.setattr(skimage.util, "random_noise",
                            functools.partial(skimage.util.random_noise, rng=np.random.default_rng(9)))
        expected = reference.impulse_noise(images, severity)
        monkeypatch.undo()
        np.testing.assert_array_equal(corrupt(images, "impulse_noise", severity, seed=9), expected)


def test_the_global_numpy_generator_is_left_as_it_was():
    np.random.seed(1)
    expected = np.random.random(3)
    np.random.seed(1)
    corrupt(_images(), "gaussian_noise", 2, seed=4)
    np.testing.assert_array_equal(np.random.random(3), expected)


def test_bad_corruption_arguments_are_refused():
    with pytest.raises(ValueError, match="Unknown corruption 'fog'. Allowed: gaussian_noise"):
        corrupt(_images(), "fog", 1, 0)
    with pytest.raises(ValueError, match="severity must be an integer in 1..5, received 6"):
        corrupt(_images(), "shot_noise", 6, 0)
    with pytest.raises(ValueError, match="takes uint8 images"):
        corrupt(np.zeros((1, 4, 4, 3), np.float32), "shot_noise", 1, 0)
