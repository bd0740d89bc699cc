import numpy as np
import pytest
import tensorflow as tf

from igdtf.evaluation.inductive import inductive_noise, top_k_mask


def test_top_k_mask_selects_exactly_the_k_largest_elements():
    rng = np.random.default_rng(0)
    maps = rng.permutation(2 * 4 * 4 * 3).reshape(2, 4, 4, 3).astype(np.float32) - 40
    mask = top_k_mask(maps, 0.25).numpy()
    k = round(0.25 * 48)
    for a, m in zip(maps, mask):
        assert m.sum() == k
        threshold = np.sort(np.abs(a).ravel())[-k]
        assert (np.abs(a)[m == 1] >= threshold).all()
        assert (np.abs(a)[m == 0] < threshold).all()


def test_ina1_adds_noise_and_ina2_replaces_only_masked_elements():
    x = tf.fill((1, 4, 4, 1), 0.5)
    mask = tf.constant(np.eye(4, dtype=np.float32)[None, :, :, None])
    noise = tf.fill((1, 4, 4, 1), 0.25)
    ina1 = inductive_noise(x, mask, noise, "ina1").numpy()[0, :, :, 0]
    ina2 = inductive_noise(x, mask, noise, "ina2").numpy()[0, :, :, 0]
    np.testing.assert_allclose(np.diag(ina1), 0.75)
    np.testing.assert_allclose(np.diag(ina2), 0.25)
    off_diagonal = ~np.eye(4, dtype=bool)
    np.testing.assert_allclose(ina1[off_diagonal], 0.5)
    np.testing.assert_allclose(ina2[off_diagonal], 0.5)


def test_perturbed_images_are_clipped_to_the_pixel_range():
    out = inductive_noise(tf.fill((1, 2, 2, 1), 0.9), tf.ones((1, 2, 2, 1)), tf.fill((1, 2, 2, 1), 5.0), "ina1")
    assert float(tf.reduce_max(out)) == 1.0


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="Unknown inductive noise mode 'ina3'"):
        inductive_noise(tf.zeros((1, 1, 1, 1)), tf.zeros((1, 1, 1, 1)), tf.zeros((1, 1, 1, 1)), "ina3")
