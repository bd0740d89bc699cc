"""Training attacks: the threat set of each kind in every precision, that a reduced precision
really computes in it, and that each kind raises the loss."""

import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD, TrainingAttack, cross_entropy
from igdtf.precision import MIXED_FLOAT16, dtype_policy

from tests.conftest import tiny_cnn

SEED = tf.constant([0, 1], tf.int64)
EPSILON = 8 / 255
RADIUS = {"pgd": EPSILON, "fgsm_rs": EPSILON, "n_fgsm": 3 * EPSILON}  # N-FGSM: noise 2ε + step ε, unprojected


def _attack(model, attack, x, y):
    """(x' as numpy, the dtypes the traced attack computes in, PGD's loop body included)."""
    graph_def = tf.function(lambda x, y: attack(model, x, y, SEED)).get_concrete_function(x, y).graph.as_graph_def()
    nodes = list(graph_def.node) + [node for function in graph_def.library.function for node in function.node_def]
    dtypes = {tf.as_dtype(value.type) for node in nodes for value in node.attr.values() if value.type}
    return attack(model, x, y, SEED).numpy(), dtypes


@pytest.mark.parametrize("kind", ["pgd", "fgsm_rs", "n_fgsm"])
@pytest.mark.parametrize("precision", ["float32", "bfloat16", "float16"])
def test_every_kind_stays_in_its_threat_set_in_float32_and_raises_the_loss(kind, precision, batch):
    x, y = (tf.constant(t) for t in batch)
    model = tiny_cnn(0)
    x_adv, dtypes = _attack(model, TrainingAttack(PGD(steps=3), kind, precision), x, y)
    assert x_adv.dtype == np.float32
    assert np.abs(x_adv - x.numpy()).max() <= RADIUS[kind] + 1e-6
    assert x_adv.min() >= 0.0 and x_adv.max() <= 1.0
    if kind != "n_fgsm":  # the ε-ball is reached (the bounds clip some elements)
        assert np.abs(x_adv - x.numpy()).max() >= RADIUS[kind] - 1e-6
    assert dtypes & {tf.bfloat16, tf.float16} == ({tf.as_dtype(precision)} if precision != "float32" else set())
    assert cross_entropy(y, model(x_adv)).numpy().mean() > cross_entropy(y, model(x)).numpy().mean()
    assert all(layer.compute_dtype == "float32" for layer in model._flatten_layers())  # policy restored


def test_single_step_kinds_follow_the_papers_steps(batch):
    """x' − x = clip(η + 1.25ε·sign(g), ±ε), η ~ U(±ε) (FGSM-RS) and η + ε·sign(g), η ~ U(±2ε),
    unprojected (N-FGSM), g the loss gradient at x + η. With bounds=None nothing else clips."""
    x, y = (tf.constant(t) for t in batch)
    model = tiny_cnn(0)
    pgd = PGD(epsilon=0.1, bounds=None)
    for kind, noise, step, radius in (("fgsm_rs", 0.1, 0.125, 0.1), ("n_fgsm", 0.2, 0.1, None)):
        attack = TrainingAttack(pgd, kind)
        start = attack.plan()[0].random_init(x, SEED)
        assert np.abs((start - x).numpy()).max() <= noise + 1e-6
        with tf.GradientTape() as tape:
            tape.watch(start)
            loss = tf.reduce_sum(cross_entropy(y, model(start)))
        expected = (start - x).numpy() + step * np.sign(tape.gradient(loss, start).numpy())
        if radius is not None:
            expected = np.clip(expected, -radius, radius)
        np.testing.assert_allclose(attack(model, x, y, SEED).numpy() - x.numpy(), expected, atol=1e-6)


def test_a_mixed_precision_student_is_attacked_in_the_requested_precision(batch):
    x, y = (tf.constant(t) for t in batch)
    with dtype_policy(MIXED_FLOAT16):
        model = tiny_cnn(0)
    x_adv, dtypes = _attack(model, TrainingAttack(PGD(steps=2), "n_fgsm", "bfloat16"), x, y)
    assert tf.bfloat16 in dtypes
    assert np.abs(x_adv - x.numpy()).max() <= 3 * EPSILON + 1e-6 and 0.0 <= x_adv.min() <= x_adv.max() <= 1.0
    assert {layer.compute_dtype for layer in model._flatten_layers() if layer.weights} == {"float16"}


def test_unknown_kinds_and_precisions_are_refused():
    with pytest.raises(ValueError, match="Unknown training attack 'fgsm'. Allowed: fgsm_rs, n_fgsm, pgd"):
        TrainingAttack(kind="fgsm")
    with pytest.raises(ValueError, match="Unknown attack precision 'int8'"):
        TrainingAttack(precision="int8")
