import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attributions import class_logit_gradient
from igdtf.models import build_model


@pytest.mark.parametrize("arch,shape,options", [
    ("small_cnn", (32, 32, 3), {}),
    ("resnet18", (32, 32, 3), {}),
    ("resnet18", (64, 64, 3), {"stem": "7x7"}),
])
def test_models_map_images_to_logits_with_input_gradients(arch, shape, options):
    model = build_model(arch, shape, 7, [0.5] * 3, [0.25] * 3, **options)
    x = tf.random.uniform((2, *shape))
    assert model(x).shape == (2, 7)
    gradient = class_logit_gradient(model, x, tf.constant([0, 3]))
    assert gradient.shape == (2, *shape)
    assert float(tf.reduce_sum(tf.abs(gradient))) > 0


def test_resnet18_stems_follow_the_input_size():
    small = build_model("resnet18", (32, 32, 3), 10, [0.5] * 3, [0.25] * 3)
    large = build_model("resnet18", (224, 224, 3), 100, [0.5] * 3, [0.25] * 3)
    assert small.get_layer("stem_conv").kernel.shape[:2] == (3, 3)
    assert large.get_layer("stem_conv").kernel.shape[:2] == (7, 7)
    assert large.get_layer("avg_pool").input.shape[1:3] == (7, 7)
    # 11.17M trainable parameters for 10 classes, as torchvision-style CIFAR ResNet-18.
    trainable = sum(int(np.prod(w.shape)) for w in small.trainable_weights)
    assert trainable == 11_173_962


def test_normalisation_is_inside_the_model():
    model = build_model("small_cnn", (8, 8, 3), 3, [0.2, 0.4, 0.6], [0.5, 0.5, 0.5])
    standardize = model.get_layer("standardize")
    out = standardize(tf.fill((1, 8, 8, 3), 0.6))
    np.testing.assert_allclose(out[0, 0, 0].numpy(), [0.8, 0.4, 0.0], atol=1e-6)


def test_saved_model_file_round_trip(tmp_path):
    model = build_model("resnet18", (32, 32, 3), 4, [0.5] * 3, [0.25] * 3)
    x = tf.random.uniform((2, 32, 32, 3))
    path = str(tmp_path / "m.keras")
    model.save(path)
    loaded = keras.models.load_model(path, compile=False)
    np.testing.assert_allclose(loaded(x).numpy(), model(x).numpy(), atol=1e-5)


@pytest.mark.parametrize("kwargs,message", [
    ({"arch": "vgg"}, "Unknown architecture 'vgg'. Allowed: mlp, preact_resnet18, resnet18, resnet50, small_cnn, wide_resnet, wrn28_10, wrn34_10"),
    ({"num_classes": 1}, "num_classes must be >= 2"),
    ({"std": [0.0, 1.0, 1.0]}, "std values must be > 0"),
    ({"mean": (), "std": ()}, "small_cnn normalises its inputs with the data's per-channel mean and std: pass both"),
    ({"arch": "resnet18", "stem": "5x5"}, "Unknown ResNet stem '5x5'"),
])
def test_bad_model_arguments_are_refused(kwargs, message):
    arguments = {"arch": "small_cnn", "input_shape": (8, 8, 3), "num_classes": 3,
                 "mean": [0.5] * 3, "std": [0.25] * 3, **kwargs}
    with pytest.raises(ValueError, match=message):
        build_model(**arguments)


@pytest.mark.parametrize("shape,mean,std", [((2,), [0.0], [10.0]), ((500,), [0.0], [0.05]), ((2,), [1.0, 2.0], [3.0, 4.0])])
def test_mlp_takes_vectors_and_normalises_each_feature(shape, mean, std):
    model = build_model("mlp", shape, 3, mean, std, hidden=(16, 8))
    assert model.output_shape == (None, 3)
    x = np.random.default_rng(0).normal(size=(4, *shape)).astype("float32")
    assert model(x).shape == (4, 3)
    normalised = model.get_layer("standardize")(x).numpy()
    expected = (x - np.broadcast_to(mean, shape[-1:])) / np.broadcast_to(std, shape[-1:])
    np.testing.assert_allclose(normalised, expected, rtol=1e-5, atol=1e-5)


def test_mlp_pytorch_init_draws_weights_and_biases_within_one_over_root_fan_in():
    keras_init = build_model("mlp", (2,), 3, [0.0], [1.0], hidden=(400,))
    torch_init = build_model("mlp", (2,), 3, [0.0], [1.0], hidden=(400,), init="pytorch")
    for name, fan_in in (("dense1", 2), ("logits", 400)):
        kernel, bias = (w.numpy() for w in torch_init.get_layer(name).weights)
        bound = 1 / np.sqrt(fan_in)
        for values in (kernel, bias):
            assert 0 < np.abs(values).max() <= bound
            if values.size >= 100:  # U(±bound) fills its range
                assert np.abs(values).max() > 0.9 * bound
        assert np.abs(keras_init.get_layer(name).weights[1].numpy()).max() == 0.0  # Keras: zero biases
    with pytest.raises(ValueError, match="Unknown mlp init 'xavier'. Allowed: keras, pytorch"):
        build_model("mlp", (2,), 3, [0.0], [1.0], init="xavier")


def test_mlp_without_hidden_layers_is_a_linear_classifier():
    model = build_model("mlp", (5,), 2, [0.0], [1.0], hidden=())
    assert [layer.name for layer in model.layers if layer.trainable_weights] == ["logits"]
