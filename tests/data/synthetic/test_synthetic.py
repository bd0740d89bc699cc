import numpy as np
import pytest
import tensorflow as tf

from igdtf.data.synthetic import line_modes, spheres, squares
from igdtf.data.registry import dataset_info, load_split


def test_spheres_lie_on_their_class_radius_and_delta_x_reaches_the_other_sphere():
    points, labels = spheres.generate_spheres(200, seed=0)
    assert points.shape == (200, 500) and set(labels) == {0, 1} and abs(labels.mean() - 0.5) < 0.01
    np.testing.assert_allclose(np.linalg.norm(points, axis=1), np.array(spheres.RADII)[labels], rtol=1e-5)
    target = 1 - labels
    delta = spheres.spheres_delta_x(tf.constant(points), tf.constant(labels), tf.constant(target)).numpy()
    moved = points + delta
    np.testing.assert_allclose(np.linalg.norm(moved, axis=1), np.array(spheres.RADII)[target], rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(delta, axis=1), 0.3, rtol=1e-4)  # the gap between the spheres
    # the closest point: no random point of the target sphere is closer
    rng = np.random.default_rng(1)
    others = rng.normal(size=(2000, 500))
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    for i in range(3):
        candidates = others * spheres.RADII[target[i]]
        assert np.linalg.norm(candidates - points[i], axis=1).min() > np.linalg.norm(delta[i]) + 1e-3


def test_squares_are_in_the_unit_range_and_delta_x_swaps_the_square_keeping_the_noise():
    images, labels = squares.generate_squares(64, seed=0, image_size=32)
    assert images.shape == (64, 32, 32, 1) and images.min() >= 0.0 and images.max() <= 1.0
    templates = squares.square_templates(32)
    noise = images - templates[labels]
    assert np.abs(noise).max() <= 4 * squares.NOISE_STD + 1e-6
    target = 1 - labels
    delta = squares.squares_delta_x(tf.constant(images), tf.constant(labels), tf.constant(target)).numpy()
    np.testing.assert_allclose(images + delta, templates[target] + noise, atol=1e-6)
    large, small = templates[1, :, :, 0] > 0.5, templates[0, :, :, 0] > 0.5
    assert small.sum() < large.sum() and (small <= large).all()  # the small square inside the large one
    same = squares.squares_delta_x(tf.constant(images), tf.constant(labels), tf.constant(labels)).numpy()
    assert not same.any()


def test_line_modes_follow_the_pag_papers_appendix_c1():
    points, labels = line_modes.generate_line_modes(6000, seed=0)
    np.testing.assert_array_equal(points[:, 1], 2 * points[:, 0])  # on the line x₂ = 2·x₁
    centres, classes = line_modes.mode_centres()
    np.testing.assert_array_equal(centres[:, 0], [-50, -30, -10, 10, 30, 50])
    assert list(classes) == [0, 1, 0, 1, 0, 1]  # class 0 at {−50, −10, 30}, class 1 at {−30, 10, 50}
    nearest = np.argmin(np.abs(points[:, None, 0] - centres[None, :, 0]), axis=1)
    np.testing.assert_array_equal(classes[nearest], labels)
    for mode in range(6):  # 1 000 points per mode, x₁ ~ N(c, 1)
        x1 = points[nearest == mode, 0]
        assert len(x1) == 1000
        assert abs(x1.mean() - centres[mode, 0]) < 4 / np.sqrt(1000)
        assert abs(x1.std() - 1.0) < 0.06
    assert np.bincount(labels).tolist() == [3000, 3000]


@pytest.mark.parametrize("name,shape,bounds", [("spheres", (500,), None), ("squares", (32, 32, 1), (0.0, 1.0)),
                                               ("line_modes", (2,), None)])
def test_registry_describes_and_loads_the_synthetic_datasets(name, shape, bounds):
    info = dataset_info(name)
    assert info.image_shape == shape and info.bounds == bounds and info.num_classes == 2
    x, y = next(iter(load_split(name, "test", num_samples=10).batch(10)))
    assert tuple(x.shape) == (10, *shape) and x.dtype == tf.float32 and y.dtype == tf.int32
    again, _ = next(iter(load_split(name, "test", num_samples=10).batch(10)))
    np.testing.assert_array_equal(x.numpy(), again.numpy())  # deterministic per split
