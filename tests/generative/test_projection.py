import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.generative.projection import ConditionalGenerator, ProjectionSettings, project
from igdtf.generative.projection_table import ProjectionError, project_dataset

LATENT, DIM, CLASSES = 3, 6, 3
RNG = np.random.default_rng(0)
A = RNG.normal(size=(LATENT, DIM)).astype("float32")
B = RNG.normal(size=(CLASSES, DIM)).astype("float32")


def linear_generator(integer_classes=False) -> keras.Model:
    """G(z, c) = z·A + B[c]: the projection has a closed form (ridge regression)."""
    z = keras.Input((LATENT,))
    if integer_classes:
        c = keras.Input((), dtype="int32")
        offset = keras.layers.Embedding(CLASSES, DIM, embeddings_initializer=keras.initializers.Constant(B))(c)
    else:
        c = keras.Input((CLASSES,))
        offset = keras.layers.Dense(DIM, use_bias=False, kernel_initializer=keras.initializers.Constant(B))(c)
    spread = keras.layers.Dense(DIM, use_bias=False, kernel_initializer=keras.initializers.Constant(A))(z)
    return keras.Model([z, c], keras.layers.Add()([spread, offset]))


def ridge(x, c, prior):
    """argmin_z mean((zA + B_c − x)²) + prior·‖z‖²/d, in closed form."""
    lhs = A @ A.T / DIM + prior / LATENT * np.eye(LATENT)
    return np.linalg.solve(lhs, A @ (x - B[c]).T / DIM).T


SETTINGS = ProjectionSettings(steps=1500, learning_rate=0.05, prior_weight=0.01, tolerance=1e-3)


@pytest.mark.parametrize("integer_classes", [False, True])
def test_projection_finds_the_closed_form_optimum_and_reports_its_residual(integer_classes):
    generator = ConditionalGenerator(linear_generator(integer_classes), (DIM,),
                                     num_classes=CLASSES if integer_classes else None)
    z0 = RNG.normal(size=(4, LATENT)).astype("float32")
    x = (z0 @ A + B[[0, 1, 2, 0]]).astype("float32")
    result = project(generator, x, [2, 2, 2, 2], SETTINGS)  # class 2: x is off that manifold for 3 of 4
    expected = ridge(x, 2, 0.01)
    np.testing.assert_allclose(result.latents, expected, atol=2e-3)
    points = expected @ A + B[2]
    np.testing.assert_allclose(result.points, points, atol=5e-3)
    np.testing.assert_allclose(result.residuals, np.linalg.norm(points - x, axis=1) / np.sqrt(DIM), atol=2e-3)
    assert result.converged.all()
    own = project(generator, x, [0, 1, 2, 0], SETTINGS)
    assert own.residuals.max() < 0.02  # on its own class's manifold x is reconstructed


def test_project_dataset_tabulates_every_class_and_caches(tmp_path):
    generator = ConditionalGenerator(linear_generator(), (DIM,))
    x = (RNG.normal(size=(5, LATENT)) @ A + B[[0, 1, 2, 1, 0]]).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, np.array([0, 1, 2, 1, 0], "int32"))).batch(2)
    cache = str(tmp_path / "projections.npz")
    table = project_dataset(generator, data, SETTINGS, cache_path=cache)
    assert table.points.shape == (5, CLASSES, DIM) and table.residuals.shape == (5, CLASSES)
    for c in range(CLASSES):
        np.testing.assert_allclose(table.points[:, c], ridge(x, c, 0.01) @ A + B[c], atol=5e-3)
    assert table.describe()["mean_residual_own_class"] < 0.02 < table.describe()["mean_residual_other_classes"]
    reloaded = project_dataset(generator, data, SETTINGS, cache_path=cache)
    np.testing.assert_array_equal(reloaded.points, table.points)
    with open(cache, "r+b") as f:  # a cache truncated by a crash is recomputed and rewritten
        f.truncate(100)
    rewritten = project_dataset(generator, data, SETTINGS, cache_path=cache)
    np.testing.assert_allclose(rewritten.points, table.points, atol=1e-6)
    with np.load(cache) as cached:
        np.testing.assert_array_equal(cached["points"], rewritten.points)
    other = ProjectionSettings(steps=1500, learning_rate=0.05, prior_weight=0.5, tolerance=1e-3)
    recomputed = project_dataset(generator, data, other, cache_path=cache)  # other settings: not the cache
    np.testing.assert_allclose(recomputed.points[:, 1], ridge(x, 1, 0.5) @ A + B[1], atol=5e-3)


def test_a_projection_that_did_not_converge_is_refused_with_its_residual(tmp_path):
    generator = ConditionalGenerator(linear_generator(), (DIM,))
    x = (RNG.normal(size=(3, LATENT)) @ A + B[1]).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, np.ones(3, "int32"))).batch(3)
    hasty = ProjectionSettings(steps=10, learning_rate=1e-3)  # the restart barely moves: the line search sees it
    result = project(generator, x, [1, 1, 1], hasty)
    assert not result.converged.any() and (result.movement < hasty.tolerance).all()
    assert (result.objective_fall > 0.3).all()
    cache = tmp_path / "p.npz"
    with pytest.raises(ProjectionError, match=r"6 of 6 projections did not converge.*sample 0 → class 0: residual "
                                              r"\d\.\d{4}, moved \d+\.\d%, objective fell"):
        project_dataset(generator, data, hasty, cache_path=str(cache))
    assert not cache.exists()


def test_bad_generators_and_class_ids_are_refused():
    with pytest.raises(ValueError, match=r"The generator outputs shape \(6,\), but the data has shape \(7,\)"):
        ConditionalGenerator(linear_generator(), (7,))
    with pytest.raises(ValueError, match="takes integer class ids; pass num_classes"):
        ConditionalGenerator(linear_generator(integer_classes=True), (DIM,))
    with pytest.raises(ValueError, match="one-hot for 3 classes, but num_classes=4"):
        ConditionalGenerator(linear_generator(), (DIM,), num_classes=4)
    single = keras.Model(inputs := keras.Input((LATENT,)), keras.layers.Dense(DIM)(inputs))
    with pytest.raises(ValueError, match="takes two inputs"):
        ConditionalGenerator(single, (DIM,))
    generator = ConditionalGenerator(linear_generator(), (DIM,))
    with pytest.raises(ValueError, match=r"Class ids must be in \[0, 3\) for this generator; received \[3, 7\]"):
        project(generator, np.zeros((3, DIM), "float32"), [0, 3, 7])
    with pytest.raises(ValueError, match=r"Inputs of shape \(5,\) cannot be projected"):
        project(generator, np.zeros((2, 5), "float32"), [0, 1])
    data = tf.data.Dataset.from_tensor_slices((np.zeros((2, DIM), "float32"), np.array([0, 5], "int32"))).batch(2)
    with pytest.raises(ValueError, match=r"Class ids must be in \[0, 3\)"):
        project_dataset(generator, data, SETTINGS)


def test_projected_delta_x_feeds_alpha_dx_for_the_closest_wrong_class_of_three():
    from igdtf.attributions import closest_wrong_class, margin_gradient
    from igdtf.evaluation import alignment_evaluators, compare_models
    from igdtf.data.registry import dataset_info

    generator = ConditionalGenerator(linear_generator(), (DIM,))
    labels = np.array([0, 1, 2, 1], "int32")
    x = (RNG.normal(size=(4, LATENT)) @ A + B[labels]).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(2)
    table = project_dataset(generator, data, SETTINGS)
    inputs = keras.Input((DIM,))
    classifier = keras.Model(inputs, keras.layers.Dense(CLASSES)(inputs))
    evaluators = alignment_evaluators(dataset_info("line_modes"), ("alpha_dx",), delta_x=table)
    got = compare_models({"m": classifier}, data, evaluators).outcomes["m"]["alpha_dx"].values
    target = closest_wrong_class(classifier, x, labels).numpy()
    gradient = margin_gradient(classifier, x, labels, target).numpy()
    direction = table.points[np.arange(4), target] - x
    expected = (gradient * direction).sum(1) / np.linalg.norm(gradient, axis=1) / np.linalg.norm(direction, axis=1)
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert (target != labels).all()


def test_a_projection_that_the_restart_still_moves_is_refused_unless_later_rounds_settle_it():
    generator = ConditionalGenerator(linear_generator(), (DIM,))
    x = (RNG.normal(size=(3, LATENT)) @ A + B[0]).astype("float32")  # projected onto another class
    # A short main phase, then one restart at the full learning rate that is as long: G(z) moves.
    drifting = ProjectionSettings(steps=20, learning_rate=0.05, window=1.0, restart_ratio=1.0, checks=1,
                                  tolerance=0.01, objective_tolerance=1e9)
    result = project(generator, x, [2, 2, 2], drifting)
    assert (result.movement > 0.01).all() and not result.converged.any()
    # More check rounds continue the descent until a round no longer moves it: the closed form.
    settled = project(generator, x, [2, 2, 2], dataclasses.replace(drifting, checks=200))
    assert (settled.movement <= 0.01).all() and settled.converged.all()
    np.testing.assert_allclose(settled.latents, ridge(x, 2, drifting.prior_weight), atol=0.05)
