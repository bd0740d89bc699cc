import numpy as np
import pytest
import tensorflow as tf

from igdtf.evaluation.metrics.gini import block_sums, gini, gini_global, gini_regional, reduce_channels


def test_constant_map_has_gini_zero():
    np.testing.assert_allclose(gini(tf.fill((2, 50), 3.0)).numpy(), [0.0, 0.0], atol=1e-6)


def test_single_spike_has_gini_n_minus_one_over_n():
    n = 64
    values = np.zeros((1, n), np.float32)
    values[0, 17] = 5.0
    np.testing.assert_allclose(gini(values).numpy(), [(n - 1) / n], atol=1e-6)


def test_gini_is_scale_invariant_and_matches_the_mean_difference_formula():
    rng = np.random.default_rng(0)
    values = rng.exponential(size=(3, 200)).astype(np.float32)
    # Gini = Σ_i Σ_j |φ_i − φ_j| / (2 n Σ φ), an independent closed form.
    expected = [np.abs(v[:, None] - v[None, :]).sum() / (2 * v.size * v.sum()) for v in values]
    np.testing.assert_allclose(gini(values).numpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(gini(7.5 * values).numpy(), gini(values).numpy(), rtol=1e-6)


def test_all_zero_map_is_defined_as_zero():
    assert gini(tf.zeros((1, 10))).numpy()[0] == 0.0


def test_global_gini_uses_absolute_values_over_all_elements():
    rng = np.random.default_rng(1)
    maps = rng.normal(size=(2, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(
        gini_global(maps).numpy(), gini(np.abs(maps).reshape(2, -1)).numpy(), rtol=1e-6
    )


def test_regional_gini_equals_gini_of_the_pooled_map():
    rng = np.random.default_rng(2)
    maps = rng.normal(size=(2, 8, 8, 3)).astype(np.float32)
    pooled = tf.nn.avg_pool2d(np.abs(maps).sum(-1, keepdims=True), 4, 4, "VALID").numpy()
    np.testing.assert_allclose(block_sums(maps, 4).numpy(), 16 * pooled, rtol=1e-5)
    np.testing.assert_allclose(
        gini_regional(maps, 4).numpy(), gini(pooled.reshape(2, -1)).numpy(), rtol=1e-5
    )


@pytest.mark.parametrize("channels,pool", [
    ("sum", lambda a: a.sum(-1, keepdims=True)),
    ("max", lambda a: a.max(-1, keepdims=True)),
    ("keep", lambda a: a),
])
def test_gini_of_block_sums_equals_gini_of_the_pooled_map_for_every_channel_reduction(channels, pool):
    rng = np.random.default_rng(3)
    maps = rng.normal(size=(2, 8, 8, 3)).astype(np.float32)
    reduced = pool(np.abs(maps))
    pooled = tf.nn.avg_pool2d(reduced, 2, 2, "VALID").numpy()
    np.testing.assert_allclose(reduce_channels(maps, channels).numpy(), reduced, rtol=1e-6)
    np.testing.assert_allclose(gini_regional(maps, 2, channels).numpy(), gini(pooled.reshape(2, -1)).numpy(),
                               rtol=1e-5)
    np.testing.assert_allclose(gini_global(maps, channels).numpy(), gini(reduced.reshape(2, -1)).numpy(),
                               rtol=1e-5)


def test_unknown_channel_reduction_is_refused():
    with pytest.raises(ValueError, match="Unknown channel reduction 'mean'. Allowed: keep, max, sum"):
        gini_global(tf.ones((1, 4, 4, 3)), "mean")


def test_block_must_fit_in_the_image():
    with pytest.raises(ValueError, match="Block size 9 must not exceed the image side; images are 8×8"):
        gini_regional(tf.ones((1, 8, 8, 3)), 9)


def test_sides_not_a_multiple_of_the_block_are_reflect_padded_before_pooling():
    rng = np.random.default_rng(4)
    maps = rng.normal(size=(2, 10, 7, 3)).astype(np.float32)
    summed = np.abs(maps).sum(-1)
    padded = np.pad(summed, [(0, 0), (0, 2), (0, 1)], mode="reflect")  # to 12×8, numpy's reflect = torch's
    pooled = padded.reshape(2, 3, 4, 2, 4).mean(axis=(2, 4))
    np.testing.assert_allclose(block_sums(maps, 4).numpy()[..., 0], 16 * pooled, rtol=1e-5)
    np.testing.assert_allclose(gini_regional(maps, 4).numpy(), gini(pooled.reshape(2, -1)).numpy(), rtol=1e-5)
    # the padded map weighs the reflected border pixels twice: not the Gini of the cropped blocks
    cropped = summed[:, :8, :4].reshape(2, 2, 4, 1, 4).sum(axis=(2, 4))
    assert np.abs(gini_regional(maps, 4).numpy() - gini(cropped.reshape(2, -1)).numpy()).max() > 1e-3
