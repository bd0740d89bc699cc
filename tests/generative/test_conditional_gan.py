import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.generative import (
    ConditionalGAN, ConditionalGenerator, ProjectionSettings, conditional_discriminator, conditional_generator,
    conditional_samples, project, train_conditional_gan,
)

SHAPE = (8, 8, 1)


def halves(num: int, seed: int = 0):
    """Two classes of 8×8 images: class 0 bright on the left half, class 1 on the right half, on a
    random grey level with pixel noise. `left − right` brightness tells the class."""
    rng = np.random.default_rng(seed)
    labels = (np.arange(num) % 2).astype("int32")
    images = np.full((num,) + SHAPE, 0.2, "float32") + rng.uniform(0, 0.2, (num, 1, 1, 1)).astype("float32")
    for n, label in enumerate(labels):
        images[n, :, 4 * label:4 * label + 4] += 0.5
    return np.clip(images + rng.normal(0, 0.03, images.shape).astype("float32"), 0, 1), labels


def side_accuracy(images, classes) -> float:
    """The share of images whose brighter half is their class's half."""
    left, right = images[:, :, :4].mean(axis=(1, 2, 3)), images[:, :, 4:].mean(axis=(1, 2, 3))
    return float(np.mean((left < right).astype(int) == classes))


def test_generator_outputs_images_in_the_unit_range_and_the_discriminator_one_logit():
    generator = conditional_generator((8, 12, 3), 4, latent_dim=5, width=4)
    z = tf.random.normal([6, 5]) * 10.0
    images = generator([z, tf.one_hot([0, 1, 2, 3, 0, 1], 4)]).numpy()
    assert images.shape == (6, 8, 12, 3) and images.min() >= 0.0 and images.max() <= 1.0
    logits = conditional_discriminator((8, 12, 3), 4, width=4)([tf.constant(images), tf.one_hot([0] * 6, 4)])
    assert logits.shape == (6, 1)
    # Directly usable for projections, as one-hot G(z, c) of the data's shape.
    wrapped = ConditionalGenerator(generator, (8, 12, 3))
    assert wrapped.num_classes == 4 and wrapped.latent_dim == 5


def test_bad_shapes_and_mismatched_players_are_refused():
    with pytest.raises(ValueError, match=r"H and W divisible by 4; received shape \(10, 10, 1\)"):
        conditional_generator((10, 10, 1), 2)
    with pytest.raises(ValueError, match=r"takes images \(H, W, C\); received shape \(64,\)"):
        conditional_discriminator((64,), 2)
    generator = conditional_generator(SHAPE, 3, latent_dim=4, width=4)
    with pytest.raises(ValueError, match=r"discriminator takes images \(8, 8, 1\) and 2 classes; the generator makes "
                                         r"\(8, 8, 1\) for 3 classes"):
        ConditionalGAN(generator, conditional_discriminator(SHAPE, 2, width=4))
    with pytest.raises(ValueError, match=r"discriminator takes images \(8, 8, 3\)"):
        ConditionalGAN(generator, conditional_discriminator((8, 8, 3), 3, width=4))
    with pytest.raises(ValueError, match=r"ema_decay must be in \[0, 1\), received 1.5"):
        ConditionalGAN(generator, conditional_discriminator(SHAPE, 3, width=4), ema_decay=1.5)
    with pytest.raises(ValueError, match=r"Class ids must be in \[0, 3\) for this generator; received \[3, 7\]"):
        conditional_samples(generator, [0, 3, 7])


def _gan(classes=2):
    gan = ConditionalGAN(conditional_generator(SHAPE, classes, latent_dim=4, width=4),
                         conditional_discriminator(SHAPE, classes, width=4))
    gan.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return gan


def test_training_data_of_the_wrong_shape_or_classes_is_refused():
    x, y = halves(8)
    with pytest.raises(ValueError, match=r"makes images of shape \(8, 8, 1\); the data's batches hold \(8, 8, 3\)"):
        _gan().fit(tf.data.Dataset.from_tensor_slices((np.repeat(x, 3, -1), y)).batch(4), verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"class ids must be < 2 \(the classes of the GAN\)"):
        _gan().fit(tf.data.Dataset.from_tensor_slices((x, y + 1)).batch(4), verbose=0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="class ids must be >= 0"):
        _gan().fit(tf.data.Dataset.from_tensor_slices((x, y - 1)).batch(4), verbose=0)


def test_one_step_moves_both_players_and_the_moving_average():
    x, y = halves(8)
    gan = _gan()
    before = [w.copy() for w in gan.generator.get_weights()], [w.copy() for w in gan.discriminator.get_weights()]
    history = gan.fit(tf.data.Dataset.from_tensor_slices((x, y)).batch(8), epochs=1, verbose=0).history
    assert set(history) == {"d_loss", "g_loss", "d_real", "d_fake"}
    assert np.isfinite([v[0] for v in history.values()]).all()
    assert 0 < history["d_real"][0] < 1 and 0 < history["d_fake"][0] < 1
    for old, new in zip(before, (gan.generator.get_weights(), gan.discriminator.get_weights())):
        assert all(not np.array_equal(a, b) for a, b in zip(old, new) if a.ndim > 1)  # every kernel moved
    for start, now, average in zip(before[0], gan.generator.get_weights(), gan.average_generator.get_weights()):
        np.testing.assert_allclose(average, 0.999 * start + 0.001 * now, atol=1e-6)


def test_a_short_training_learns_the_class_conditional_layout_and_projects(tmp_path):
    x, y = halves(256)
    data = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(256, seed=0).batch(32, drop_remainder=True)
    classes = np.arange(200) % 2
    keras.utils.set_random_seed(0)  # the same initialisation as the training below
    untrained = side_accuracy(conditional_samples(conditional_generator(SHAPE, 2, 8, 8), classes), classes)
    gan, history = train_conditional_gan(data, SHAPE, 2, steps=400, latent_dim=8, width=8, learning_rate=2e-3,
                                         ema_decay=0.99)
    trained = side_accuracy(conditional_samples(gan.average_generator, classes), classes)
    assert trained > 0.9 and trained > untrained + 0.2, (untrained, trained)
    assert len(history["d_loss"]) == 4 and np.isfinite(history["d_loss"]).all()
    # The saved generator reloads to the same function and x is closer to its own class's manifold.
    path = str(tmp_path / "g.keras")
    gan.average_generator.save(path)
    reloaded = keras.models.load_model(path, compile=False)
    z = tf.random.normal([3, 8])
    np.testing.assert_allclose(reloaded([z, tf.one_hot([0, 1, 0], 2)]), gan.average_generator(
        [z, tf.one_hot([0, 1, 0], 2)]), atol=1e-6)
    generator = ConditionalGenerator(reloaded, SHAPE)
    settings = ProjectionSettings(steps=300, learning_rate=0.05)
    own = project(generator, x[:20], y[:20], settings)
    other = project(generator, x[:20], 1 - y[:20], settings)
    assert np.mean(own.residuals < other.residuals) > 0.9
