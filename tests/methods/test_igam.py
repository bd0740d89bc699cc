import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.methods import InputAdapter, finetune_teacher
from igdtf.methods.igam import IGAM
from igdtf.methods.igam import gradient_discriminator, loss_input_gradient, standardize_gradient
from igdtf.models import build_model
from tests.conftest import tiny_cnn

SEED = tf.constant([3, 4], tf.int64)


def _cnn(shape, classes=3, seed=0):
    keras.utils.set_random_seed(seed)
    return build_model("small_cnn", shape, classes, [0.5] * 3, [0.25] * 3, width=4)


@pytest.mark.parametrize("kind,teacher_shape", [("upsize", (16, 16, 3)), ("zero_pad", (12, 16, 3)),
                                                ("random_pad", (16, 16, 3)), ("center_crop", (4, 6, 3)),
                                                ("transpose_conv", (16, 24, 3))])
def test_adapters_produce_the_teachers_input_size(batch, kind, teacher_shape):
    x, _ = batch
    out = InputAdapter(kind, (8, 8, 3), teacher_shape)(tf.constant(x), SEED)
    assert tuple(out.shape) == (8, *teacher_shape)


def test_pads_crops_and_nearest_upsampling_place_the_image_exactly(batch):
    x, _ = batch
    padded = InputAdapter("zero_pad", (8, 8, 3), (12, 16, 3))(tf.constant(x)).numpy()
    np.testing.assert_array_equal(padded[:, 2:10, 4:12], x)
    assert padded.sum() == pytest.approx(x.sum(), rel=1e-5)
    np.testing.assert_array_equal(InputAdapter("center_crop", (8, 8, 3), (4, 6, 3))(tf.constant(x)).numpy(),
                                  x[:, 2:6, 1:7])
    upsampled = InputAdapter("transpose_conv", (8, 8, 3), (16, 24, 3))(tf.constant(x)).numpy()
    np.testing.assert_allclose(upsampled, np.repeat(np.repeat(x, 2, axis=1), 3, axis=2), atol=1e-6)
    random_pad = InputAdapter("random_pad", (8, 8, 3), (16, 16, 3))
    placed = random_pad(tf.constant(x), SEED).numpy()
    offsets = set()
    for image, source in zip(placed, x):
        rows, cols = np.nonzero(image.sum(-1))
        top, left = rows.min(), cols.min()
        np.testing.assert_array_equal(image[top:top + 8, left:left + 8], source)
        offsets.add((top, left))
    assert len(offsets) > 1
    np.testing.assert_array_equal(random_pad(tf.constant(x), SEED).numpy(), placed)


def test_teacher_gradient_through_an_adapter_lives_in_the_students_space(batch):
    x, y = batch
    teacher = _cnn((12, 16, 3), seed=1)
    adapter = InputAdapter("zero_pad", (8, 8, 3), (12, 16, 3))
    through = loss_input_gradient(teacher, tf.constant(x), y, adapter=adapter).numpy()
    padded = adapter(tf.constant(x))
    direct = loss_input_gradient(teacher, padded, y).numpy()  # gradient in the teacher's space
    assert through.shape == x.shape
    np.testing.assert_allclose(through, direct[:, 2:10, 4:12], atol=1e-6)  # the adjoint of padding: a crop


def test_true_class_probability_gradient_of_a_linear_model():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(4, 5)).astype("float32"), np.array([0, 1, 2, 1], "int32")
    model = build_model("mlp", (5,), 3, [0.0], [1.0], hidden=())
    w = model.get_layer("logits").get_weights()[0]
    p = tf.nn.softmax(model(x)).numpy()
    expected = p[np.arange(4), y][:, None] * (w[:, y].T - p @ w.T)
    np.testing.assert_allclose(loss_input_gradient(model, x, y, "true_class_probability").numpy(), expected, atol=1e-5)


@pytest.mark.parametrize("kind,teacher_shape,message", [
    ("none", (16, 16, 3), "needs an input adapter .teacher 16×16, student 8×8.; received 'none'. Allowed: upsize"),
    ("center_crop", (16, 16, 3), "Allowed: upsize, zero_pad, random_pad, transpose_conv"),
    ("upsize", (4, 4, 3), "Allowed: center_crop"),
    ("upsize", (16, 16, 1), "no input adapter changes the channel count"),
    ("transpose_conv", (12, 12, 3), "multiple of the student's"),
    ("upsize", (8, 8, 3), "use the input adapter 'none'"),
    ("zoom", (16, 16, 3), "Unknown input adapter 'zoom'"),
])
def test_adapter_that_cannot_map_the_sizes_is_refused(kind, teacher_shape, message):
    with pytest.raises(ValueError, match=message):
        InputAdapter(kind, (8, 8, 3), teacher_shape)


def test_igam_refuses_a_teacher_of_another_size_without_adapter_and_bad_weights():
    with pytest.raises(ValueError, match="needs an input adapter"):
        IGAM(tiny_cnn(), _cnn((16, 16, 3)))
    with pytest.raises(ValueError, match="Teacher has 5 classes but the student has 3: finetune"):
        IGAM(tiny_cnn(), _cnn((8, 8, 3), classes=5))
    with pytest.raises(ValueError, match=r"igam_lambda_adv \(λ_adv\) must be a number >= 0"):
        IGAM(tiny_cnn(), tiny_cnn(1), igam_lambda_adv=-1.0)
    with pytest.raises(ValueError, match=r"igam_lambda_diff \(λ_diff\) must be a number >= 0"):
        IGAM(tiny_cnn(), tiny_cnn(1), igam_lambda_diff=-0.5)


def test_igam_trains_student_and_discriminator_in_one_step_with_a_larger_teacher(batch):
    x, y = batch
    teacher = _cnn((16, 16, 3), seed=1)
    teacher_before = [w.copy() for w in teacher.get_weights()]
    trainer = IGAM(tiny_cnn(), teacher, igam_adapter="upsize", igam_lambda_diff=1.0, igam_discriminator_every=2)
    trainer.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    assert trainer.adversary_optimizer.learning_rate.numpy() == pytest.approx(0.1)
    d_weights = lambda: [v.numpy().copy() for v in trainer.adversary.trainable_variables]  # noqa: E731
    d_before = d_weights()
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    history = trainer.fit(data.take(1), epochs=1, verbose=0).history
    assert all(np.array_equal(a, b) for a, b in zip(d_before, d_weights()))  # step 1 of 2: D only accumulates
    history = trainer.fit(data.skip(1), epochs=1, verbose=0).history
    assert 0.0 <= history["disc_acc"][-1] <= 1.0 and history["grad_diff"][-1] > 0
    assert any(not np.allclose(a, b) for a, b in zip(d_before, d_weights()))  # step 2: D moved once
    for before, after in zip(teacher_before, teacher.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert set(trainer.checkpoint_items()) == {"adversary", "adversary_optimizer"}


def test_discriminator_sees_directions_only(batch):
    x, _ = batch
    g = tf.constant(x) - 0.3
    np.testing.assert_allclose(standardize_gradient(5.0 * g).numpy(), standardize_gradient(g).numpy(), atol=1e-6)
    flat = standardize_gradient(g).numpy().reshape(8, -1)
    np.testing.assert_allclose(flat.mean(1), 0.0, atol=1e-6)
    np.testing.assert_allclose(np.linalg.norm(flat, axis=1), 1.0, atol=1e-5)
    assert gradient_discriminator((8, 8, 3)).output_shape == (None, 2)
    assert gradient_discriminator((500,), layers=3).output_shape == (None, 2)


def test_first_stage_trains_only_a_new_logit_layer_on_the_target_classes():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (96, 8, 8, 3)).astype("float32")
    y = np.argmax(x.mean(axis=(1, 2)), axis=1).astype("int32")  # the brightest channel: 3 classes
    teacher = _cnn((16, 16, 3), classes=5, seed=1)  # another task: 5 classes, 16×16 inputs
    body_before = [w.copy() for w in teacher.get_weights()[:-2]]
    adapter = InputAdapter("transpose_conv", (8, 8, 3), (16, 16, 3))
    adapter_before = [w.copy() for w in adapter.layer.get_weights()]
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    finetuned = finetune_teacher(teacher, 3, data, adapter, steps=300, learning_rate=3e-2)
    assert finetuned.output_shape == (None, 3) and not finetuned.trainable_weights
    for before, after in zip(body_before, teacher.get_weights()[:-2]):
        np.testing.assert_array_equal(before, after)
    assert any(not np.allclose(a, b) for a, b in zip(adapter_before, adapter.layer.get_weights()))
    accuracy = np.mean(np.argmax(finetuned(adapter(tf.constant(x))).numpy(), 1) == y)
    assert accuracy > 0.6  # chance is 1/3


def test_first_stage_needs_a_keras_teacher_with_a_dense_logit_layer():
    inputs = keras.Input((8, 8, 3))
    teacher = keras.Model(inputs, keras.layers.GlobalAveragePooling2D()(inputs))
    with pytest.raises(ValueError, match="last layer must be a Dense layer; received GlobalAveragePooling2D"):
        finetune_teacher(teacher, 3, None, InputAdapter("none", (8, 8, 3), (8, 8, 3)), steps=1)


@pytest.mark.parametrize("scale", [0.0, 1e-30])
def test_a_vanishing_gradient_standardizes_with_a_finite_gradient(scale):
    """A saturated softmax gives J = 0 or ~1e-30, whose squares underflow: tf.norm's gradient was NaN."""
    g = tf.Variable(scale * tf.random.stateless_normal([2, 4, 4, 3], [3, 4]))
    with tf.GradientTape() as tape:
        out = standardize_gradient(g)
        total = tf.reduce_sum(out * tf.random.stateless_normal([2, 4, 4, 3], [0, 1]))
    assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(tape.gradient(total, g).numpy()))
