import numpy as np
import pytest
import tensorflow as tf

from igdtf.data.augment import cutout
from igdtf.data.registry import dataset_info, load_split
from igdtf.data.synthetic.shapes import NUM_CLASSES, class_textures, generate_shapes


def test_shapes_are_deterministic_balanced_and_valid_images():
    images, labels = generate_shapes(200, seed=3)
    again, _ = generate_shapes(200, seed=3)
    np.testing.assert_array_equal(images, again)
    assert images.shape == (200, 32, 32, 3) and images.dtype == np.float32
    assert images.min() >= 0.0 and images.max() <= 1.0
    np.testing.assert_allclose(images * 255, np.round(images * 255), atol=1e-3)  # 8-bit levels
    assert np.bincount(labels, minlength=NUM_CLASSES).tolist() == [20] * NUM_CLASSES
    assert not np.array_equal(images, generate_shapes(200, seed=4)[0])


def test_texture_adds_the_class_pattern_with_the_given_amplitude():
    plain, labels = generate_shapes(50, seed=1)
    textured, _ = generate_shapes(50, seed=1, texture_amplitude=4 / 255)
    difference = textured - plain
    pattern = class_textures(32)[labels]
    inside = (plain > 5 / 255) & (plain < 250 / 255)  # away from clipping
    np.testing.assert_allclose(difference[inside], (4 / 255) * pattern[inside], atol=1.01 / 255)


def test_registry_loads_batches_in_the_unit_range():
    info = dataset_info("shapes")
    images, labels = next(iter(load_split("shapes", "test", num_samples=20).batch(20)))
    assert images.shape == (20, *info.image_shape)
    assert int(tf.reduce_max(labels)) < info.num_classes


def test_unknown_dataset_and_split_are_refused():
    with pytest.raises(ValueError, match="Unknown dataset 'mnist'. Allowed: .*cifar10, .*imagenet100, .*shapes, .*spheres"):
        dataset_info("mnist")
    with pytest.raises(ValueError, match="Unknown split of shapes 'val'"):
        load_split("shapes", "val")


def test_cutout_fills_one_clipped_square_per_image():
    images = tf.zeros((16, 10, 10, 1))
    out = cutout(images, 4, tf.constant([0, 1], tf.int64), fill_value=1.0).numpy()[..., 0]
    for image in out:
        rows, cols = np.nonzero(image)
        assert 0 < len(rows) <= 16
        assert rows.max() - rows.min() < 4 and cols.max() - cols.min() < 4
        assert len(rows) == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
