import keras
import numpy as np
import tensorflow as tf

from igdtf.evaluation.metrics.map_tests import OcclusionTest
from igdtf.evaluation.metrics.occlusion import distance_to_nearest_centre, occlude, occlusion_still_correct, top_pixels


def test_top_pixels_rank_pixels_by_attribution_summed_over_channels():
    maps = np.zeros((1, 5, 5, 3), np.float32)
    maps[0, 1, 2] = [1.0, -1.0, 1.0]  # 3 in total
    maps[0, 4, 0, 2] = -2.5
    maps[0, 0, 4, 0] = 2.0
    np.testing.assert_array_equal(top_pixels(maps, 3).numpy()[0], [[1, 2], [4, 0], [0, 4]])


def test_occlusion_masks_are_squares_around_the_first_n_centres_clipped_at_borders():
    centres = tf.constant([[[0, 0], [3, 4]]])
    nearest = distance_to_nearest_centre(centres, 6, 6).numpy()  # [n, N, H, W]
    one = nearest[0, 0] <= 1
    expected = np.zeros((6, 6), bool)
    expected[:2, :2] = True  # the 3×3 square around the corner, clipped
    np.testing.assert_array_equal(one, expected)
    both = nearest[1, 0] <= 1
    expected[2:5, 3:6] = True
    np.testing.assert_array_equal(both, expected)
    image = tf.fill((1, 6, 6, 2), 0.3)
    painted = occlude(image, tf.constant(both[None]), 1.0).numpy()
    np.testing.assert_allclose(painted[0][both], 1.0)
    np.testing.assert_allclose(painted[0][~both], 0.3)


def _one_pixel_model():
    """Class 1 if pixel (3, 3) > 0.25, else class 0 (8×8×1 images)."""
    inputs = keras.Input((8, 8, 1))
    dense = keras.layers.Dense(2)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    w = np.zeros((64, 2), np.float32)
    w[3 * 8 + 3, 1] = 1.0
    dense.set_weights([w, np.array([0.0, -0.25], np.float32)])
    return model


def test_occlusion_in_the_image_colour_changes_nothing_and_other_colours_act_as_expected():
    model = _one_pixel_model()
    x = tf.fill((3, 8, 8, 1), 0.5)  # gray images of class 1
    y = tf.ones(3, tf.int32)
    maps = tf.abs(tf.random.stateless_normal(x.shape, [0, 1]))  # any attribution
    for colour in (0.5, 1.0):  # the image's own colour; white only raises pixel (3, 3)
        kept = occlusion_still_correct(model, x, y, maps, centres=3, radius=2, colour=colour).numpy()
        assert kept.shape == (2, 3) and kept.all()
    # Black occlusion around the pixel the model reads flips it as soon as a square covers it.
    maps = np.zeros((3, 8, 8, 1), np.float32)
    maps[:, 3, 3, 0] = 1.0
    kept = occlusion_still_correct(model, x, y, tf.constant(maps), centres=1, radius=2, colour=0.0).numpy()
    assert not kept.any()
    maps[:, 3, 3, 0], maps[:, 0, 7, 0] = 0.0, 1.0  # centre far from (3, 3): radius 2 cannot reach it
    kept = occlusion_still_correct(model, x, y, tf.constant(maps), centres=1, radius=2, colour=0.0).numpy()
    assert kept.all()


def test_ioa_outcomes_are_cumulative_over_radius():
    model = _one_pixel_model()
    x = tf.fill((2, 8, 8, 1), 0.5)
    maps = np.zeros((2, 8, 8, 1), np.float32)
    maps[:, 1, 1, 0] = 1.0  # (3, 3) is at Chebyshev distance 2 from the centre
    results = OcclusionTest(centres=1, radius=3, colours=("black",)).outcomes(
        model, x, tf.ones(2, tf.int32), tf.constant(maps), None, None)
    assert [bool(results[f"ioa_black@{r}"].numpy().all()) for r in (1, 2, 3)] == [True, False, False]
