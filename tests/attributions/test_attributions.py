import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attributions import (
    ATTRIBUTIONS, GradientShap, IntegratedGradients, SmoothGrad, gaussian_blur, get_attribution,
    make_baseline, saliency,
)
from igdtf.evaluation import gini_global

from tests.conftest import IMAGE_SHAPE, NUM_CLASSES, smooth_mlp, tiny_cnn

SEED = tf.constant([3, 4], tf.int64)


def linear_model(weights: np.ndarray, bias=None) -> keras.Model:
    """f(x) = W·flatten(x) (+ b) on IMAGE_SHAPE images; weights [H·W·C, K]."""
    inputs = keras.Input(IMAGE_SHAPE)
    dense = keras.layers.Dense(weights.shape[1], use_bias=bias is not None)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([weights] if bias is None else [weights, bias])
    return model


def _linear_weights(seed=0):
    """Class 0 weights are a signed permutation of 1..n; the other classes are random."""
    rng = np.random.default_rng(seed)
    n = int(np.prod(IMAGE_SHAPE))
    weights = rng.normal(size=(n, NUM_CLASSES)).astype(np.float32)
    weights[:, 0] = rng.permutation(np.arange(1, n + 1)) * rng.choice([-1.0, 1.0], n)
    return weights


def test_saliency_of_a_linear_model_is_abs_w_and_its_gini_matches_the_closed_form(batch):
    x, _ = batch
    weights = _linear_weights()
    maps = saliency(linear_model(weights), x, np.zeros(len(x), np.int32)).numpy()
    expected = np.abs(weights[:, 0]).reshape(IMAGE_SHAPE)
    np.testing.assert_allclose(maps, np.broadcast_to(expected, maps.shape), rtol=1e-6)
    n = expected.size  # |w| is 1..n: Gini = (n − 1) / (3n)
    np.testing.assert_allclose(gini_global(maps).numpy(), (n - 1) / (3 * n), rtol=1e-5)


def test_input_x_gradient_and_path_methods_are_exact_on_a_linear_model(batch):
    x, y = batch
    weights = _linear_weights(1)
    model = linear_model(weights)
    w = np.moveaxis(weights[:, y], 0, -1).reshape(x.shape)  # each example's class weights
    np.testing.assert_allclose(ATTRIBUTIONS["input_x_gradient"](model, x, y).numpy(), x * w, rtol=1e-5, atol=1e-5)
    for steps in (1, 7):
        for baseline in ("zero", "random", "random_normal", "blurred"):
            ig = IntegratedGradients(steps=steps, baseline=baseline)(model, x, y, SEED).numpy()
            x0 = make_baseline(baseline, tf.constant(x), SEED).numpy()
            np.testing.assert_allclose(ig, (x - x0) * w, rtol=1e-4, atol=1e-4)
    shap = GradientShap(samples=3, baseline="zero")(model, x, y, SEED).numpy()
    np.testing.assert_allclose(shap, x * w, rtol=1e-4, atol=1e-4)


def test_random_baselines_are_seeded_noise_of_their_distribution():
    x = tf.zeros([64, 8, 8, 3])
    normal, uniform = (make_baseline(kind, x, SEED).numpy() for kind in ("random_normal", "random"))
    np.testing.assert_array_equal(normal, make_baseline("random_normal", x, SEED).numpy())
    assert abs(normal.mean()) < 0.03 and abs(normal.std() - 1.0) < 0.03 and normal.min() < -3.0  # N(0, 1), unclipped
    assert uniform.min() >= 0.0 and uniform.max() <= 1.0 and abs(uniform.mean() - 0.5) < 0.02
    assert not np.array_equal(normal, make_baseline("random_normal", x, SEED + 1).numpy())
    assert IntegratedGradients().baseline == ATTRIBUTIONS["ig"].baseline == "random_normal"  # the IGD authors'
    assert IntegratedGradients().stochastic and not IntegratedGradients(baseline="zero").stochastic


def test_integrated_gradients_is_complete_on_a_smooth_model(batch):
    x, y = batch
    model = smooth_mlp()
    ig = IntegratedGradients(steps=200)(model, x, y, SEED).numpy()
    x0 = make_baseline("random_normal", tf.constant(x), SEED).numpy()
    rows = np.arange(len(y))
    difference = model(x).numpy()[rows, y] - model(x0).numpy()[rows, y]
    np.testing.assert_allclose(ig.reshape(len(x), -1).sum(1), difference, atol=5e-3)


def test_smoothgrad_matches_tf_keras_vis_given_the_same_noise(batch):
    from tf_keras_vis.saliency import Saliency
    from tf_keras_vis.utils.scores import CategoricalScore

    x, y = batch
    x = x.copy()
    x[:, 0, 0, 0], x[:, 0, 1, 0] = 0.0, 1.0  # each image spans [0, 1]: tf-keras-vis's relative σ = σ
    model, samples, sigma = tiny_cnn(), 4, 0.2
    np.random.seed(11)
    noise = np.random.normal(0.0, 1.0, (samples, *x.shape)).astype(np.float32)  # what tf-keras-vis draws / σ

    class GivenNoise(SmoothGrad):
        def unit_noise(self, x, seed, s):
            return tf.gather(tf.constant(noise), s)

    visualizer = Saliency(model, clone=True)
    for squared, modifier in ((False, lambda g: g), (True, tf.square)):
        np.random.seed(11)
        theirs = visualizer(CategoricalScore(list(y)), x, smooth_samples=samples, smooth_noise=sigma,
                            keepdims=True, normalize_map=False, gradient_modifier=modifier)
        ours = GivenNoise(samples=samples, sigma=sigma, squared=squared)(model, x, y, SEED).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=2e-4, atol=1e-6)
    plain = visualizer(CategoricalScore(list(y)), x, keepdims=True, normalize_map=False)
    np.testing.assert_allclose(ATTRIBUTIONS["saliency"](model, x, y).numpy(), plain, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(ATTRIBUTIONS))
def test_every_method_runs_batched_in_tf_function_and_is_seeded(name, batch):
    x, y = batch
    model, method = tiny_cnn(), get_attribution(name)
    compiled = tf.function(lambda x, y, seed: method(model, x, y, seed))
    maps = compiled(tf.constant(x), tf.constant(y), SEED)
    assert maps.shape == x.shape and maps.dtype == tf.float32
    np.testing.assert_allclose(maps.numpy(), method(model, x, y, SEED).numpy(), rtol=1e-4, atol=1e-6)
    other = compiled(tf.constant(x), tf.constant(y), tf.constant([5, 6], tf.int64)).numpy()
    assert np.array_equal(maps.numpy(), other) != method.stochastic


def test_stochastic_methods_need_a_seed_and_bad_settings_are_refused(batch):
    x, y = batch
    with pytest.raises(ValueError, match="needs a stateless"):
        ATTRIBUTIONS["smoothgrad"](tiny_cnn(), x, y)
    with pytest.raises(ValueError, match="Unknown attribution 'lime'. Allowed: gradient_shap"):
        get_attribution("lime")
    with pytest.raises(ValueError, match="Unknown baseline 'mean'"):
        IntegratedGradients(baseline="mean")
    with pytest.raises(ValueError, match="integrated gradients steps must be an integer >= 1, received 0"):
        IntegratedGradients(steps=0)
    with pytest.raises(ValueError, match="SmoothGrad sigma must be a number >= 0"):
        SmoothGrad(sigma=-1.0)


def test_blurred_baseline_keeps_constant_images_and_smooths_others():
    constant = tf.fill((1, 8, 8, 3), 0.3)
    np.testing.assert_allclose(gaussian_blur(constant, 5.0).numpy(), 0.3, rtol=1e-5)
    spike = np.zeros((1, 15, 15, 1), np.float32)
    spike[0, 7, 7, 0] = 1.0
    blurred = gaussian_blur(tf.constant(spike), 1.0).numpy()[0, :, :, 0]
    np.testing.assert_allclose(blurred.sum(), 1.0, rtol=1e-5)  # mass kept away from the borders
    assert blurred[7, 7] == blurred.max() < 0.2
    np.testing.assert_allclose(blurred, blurred.T, rtol=1e-6)
