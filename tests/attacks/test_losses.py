import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import dlr_loss, dlr_targeted_loss, margin

LOGITS = np.array([[4.0, 1.0, 3.0, 0.0, -1.0], [0.0, 5.0, 1.0, 2.0, 3.0]], np.float32)
LABELS = np.array([0, 1])


def test_margin_is_negative_exactly_when_misclassified():
    np.testing.assert_allclose(margin(LABELS, LOGITS), [1.0, 2.0])
    np.testing.assert_allclose(margin(np.array([2, 0]), LOGITS), [-1.0, -5.0])


def test_dlr_values_by_hand():
    # sorted rows: [4, 3, 1, 0, -1] and [5, 3, 2, 1, 0]
    np.testing.assert_allclose(dlr_loss(LABELS, LOGITS), [-(4 - 3) / (4 - 1), -(5 - 3) / (5 - 2)], rtol=1e-6)
    targets = np.array([4, 0])
    expected = [-(4 - -1) / (4 - (1 + 0) / 2), -(5 - 0) / (5 - (2 + 1) / 2)]
    np.testing.assert_allclose(dlr_targeted_loss(LABELS, LOGITS, targets), expected, rtol=1e-6)


@pytest.mark.parametrize("loss", [dlr_loss, lambda y, z: dlr_targeted_loss(y, z, tf.constant([3, 2]))])
def test_dlr_is_invariant_to_shifting_and_scaling_logits(loss):
    base = loss(LABELS, LOGITS).numpy()
    np.testing.assert_allclose(loss(LABELS, 1000.0 * LOGITS + 7.0).numpy(), base, rtol=1e-5)
