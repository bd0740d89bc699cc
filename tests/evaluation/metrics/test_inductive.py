import numpy as np
import pytest
import tensorflow as tf

from igdtf.evaluation.metrics.inductive import inductive_noise, top_k_mask


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


def _concentrated_linear_model(k: int, shape=(4, 4, 2)):
    """Two logits; class 0's weights are large and decreasing on k elements, tiny elsewhere."""
    import keras

    n = int(np.prod(shape))
    rng = np.random.default_rng(5)
    order = rng.permutation(n)
    w = np.full(n, 1e-3, np.float32)
    w[order[:k]] = np.linspace(10.0, 5.0, k) * rng.choice([-1.0, 1.0], k)
    inputs = keras.Input(shape)
    dense = keras.layers.Dense(2, use_bias=False)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([np.stack([w, np.zeros(n, np.float32)], axis=1)])
    top = np.zeros(n, bool)
    top[order[:k]] = True
    return model, top.reshape(shape), w.reshape(shape)


def test_ina_on_a_concentrated_model_perturbs_exactly_the_top_k_elements():
    from igdtf.attributions import saliency

    model, top, _ = _concentrated_linear_model(k=6)
    x = tf.fill((2, 4, 4, 2), 0.5)
    maps = saliency(model, x, tf.zeros(2, tf.int32))
    mask = top_k_mask(maps, 6 / 32).numpy().astype(bool)
    np.testing.assert_array_equal(mask, np.broadcast_to(top, mask.shape))
    noise = tf.fill(x.shape, 0.2)
    ina1 = inductive_noise(x, tf.constant(mask, tf.float32), noise, "ina1").numpy()
    ina2 = inductive_noise(x, tf.constant(mask, tf.float32), noise, "ina2").numpy()
    np.testing.assert_allclose(ina1[mask], 0.7)  # added
    np.testing.assert_allclose(ina2[mask], 0.2)  # replaced
    np.testing.assert_allclose(ina1[~mask], 0.5)
    np.testing.assert_allclose(ina2[~mask], 0.5)


def test_weight_sums_over_the_attacked_elements():
    from igdtf.evaluation.metrics.inductive import masked_weight_sums

    gradient = tf.constant([[1.0, -2.0, 3.0, 4.0]])
    mask = tf.constant([[1.0, 1.0, 0.0, 1.0]])
    squares, square_of_sum = masked_weight_sums(gradient, mask)
    assert float(squares[0]) == 1 + 4 + 16
    assert float(square_of_sum[0]) == (1 - 2 + 4) ** 2


def test_random_masks_have_k_elements_and_nest_across_fractions():
    from igdtf.evaluation.metrics.inductive import random_k_mask

    seed = tf.constant([1, 2], tf.int64)
    small = random_k_mask(tf.constant([3, 8, 8, 3]), 0.05, seed).numpy()
    large = random_k_mask(tf.constant([3, 8, 8, 3]), 0.2, seed).numpy()
    assert (small.reshape(3, -1).sum(1) == round(0.05 * 192)).all()
    assert (large.reshape(3, -1).sum(1) == round(0.2 * 192)).all()
    assert (large >= small).all()
    assert not np.array_equal(small[0], small[1])  # every example draws its own elements
