import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attributions import class_logit_gradient
from igdtf.models import build_model
from igdtf.models.first_order import FirstOrderMaxPooling2D, FirstOrderReLU, first_order_relu, with_stock_layers
from igdtf.ops import per_example_cosine

CASES = [("small_cnn", (16, 16, 3)), ("resnet18", (16, 16, 3)), ("resnet18", (72, 72, 3)), ("mlp", (6,))]


def _model(arch, shape):
    keras.utils.set_random_seed(0)
    stats = ([0.5], [0.25]) if arch == "mlp" else ([0.5] * 3, [0.25] * 3)
    return build_model(arch, shape, 3, *stats)


def _first_order_parts(model):
    return [layer for layer in model.layers if isinstance(layer, (FirstOrderReLU, FirstOrderMaxPooling2D))
            or getattr(layer, "activation", None) is first_order_relu]


def _alignment_gradients(model, x, y, target):
    """d/dw of mean cos(∂f_y/∂x, target): the double backprop of IGD."""
    with tf.GradientTape() as tape:
        cosine = tf.reduce_mean(per_example_cosine(class_logit_gradient(model, x, y), target))
    return [tf.zeros_like(v) if g is None else g
            for g, v in zip(tape.gradient(cosine, model.trainable_variables), model.trainable_variables)]


@pytest.mark.parametrize("arch,shape", CASES)
def test_values_and_first_and_second_derivatives_match_stock_layers(arch, shape):
    model = _model(arch, shape)
    stock = with_stock_layers(model)
    assert _first_order_parts(model) and not _first_order_parts(stock)
    rng = np.random.default_rng(1)
    x = tf.constant(rng.uniform(size=(3, *shape)), tf.float32)
    y = tf.constant([0, 1, 2])
    target = tf.constant(rng.normal(size=(3, *shape)), tf.float32)
    np.testing.assert_array_equal(model(x), stock(x))
    np.testing.assert_allclose(class_logit_gradient(model, x, y), class_logit_gradient(stock, x, y), rtol=1e-6,
                               atol=1e-7)
    ours, reference = _alignment_gradients(model, x, y, target), _alignment_gradients(stock, x, y, target)
    assert any(float(tf.reduce_max(tf.abs(g))) > 0 for g in reference)
    for a, b in zip(ours, reference):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-6 * float(tf.reduce_max(tf.abs(b)) + 1e-12))


def _count_ops(function, op_type, *args) -> int:
    graph_def = function.get_concrete_function(*args).graph.as_graph_def()
    nodes = list(graph_def.node) + [node for f in graph_def.library.function for node in f.node_def]
    return sum(node.op == op_type for node in nodes)


def test_double_backprop_graph_skips_the_pass_back_through_the_forward_network():
    model = _model("small_cnn", (16, 16, 3))
    stock = with_stock_layers(model)
    x = tf.random.uniform((2, 16, 16, 3))
    y = tf.constant([0, 1])
    target = tf.random.normal((2, 16, 16, 3))
    counts = {name: _count_ops(tf.function(lambda x, y, m=m: _alignment_gradients(m, x, y, target)),
                               "Conv2DBackpropFilter", x, y) for name, m in (("ours", model), ("stock", stock))}
    # Both graphs hold the filter gradients the weights need (and ones Grappler prunes); the stock
    # graph adds one per convolution (4) for the zeros pushed back through the forward pass.
    assert counts["stock"] - counts["ours"] == 4, counts


def test_keras_file_round_trip_keeps_the_first_order_layers(tmp_path):
    for arch, shape in (("small_cnn", (16, 16, 3)), ("resnet18", (72, 72, 3))):
        model = _model(arch, shape)
        model.save(tmp_path / f"{arch}.keras")
        loaded = keras.models.load_model(tmp_path / f"{arch}.keras")
        assert len(_first_order_parts(loaded)) == len(_first_order_parts(model)) > 0
        x = np.random.default_rng(0).uniform(size=(2, *shape)).astype("float32")
        np.testing.assert_array_equal(model(x), loaded(x))


def test_max_pooling_refuses_channels_first():
    with pytest.raises(ValueError, match="channels_last"):
        FirstOrderMaxPooling2D(2, data_format="channels_first")
