"""Per-example losses of training methods and attacks: cross-entropy, KL, and the losses that
attacks maximise (or, for the margin, minimise).

All take integer labels [N] (KL: a second set of logits) and logits [N, K] and return float32 [N].
DLR losses are from Croce & Hein (ICML 2020, "Reliable evaluation of adversarial robustness
with an ensemble of diverse parameter-free attacks"); they are invariant to shifting and
rescaling the logits, so a model cannot hide behind a saturated softmax.
"""

import tensorflow as tf

_TINY = 1e-12


def cross_entropy(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Per-example sparse softmax cross-entropy, [N] float32."""
    return tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=tf.cast(labels, tf.int32), logits=tf.cast(logits, tf.float32)
    )


def kl_divergence(p_logits: tf.Tensor, q_logits: tf.Tensor) -> tf.Tensor:
    """KL(softmax(p) ‖ softmax(q)) per example, [N] float32."""
    p_log = tf.nn.log_softmax(tf.cast(p_logits, tf.float32))
    q_log = tf.nn.log_softmax(tf.cast(q_logits, tf.float32))
    return tf.reduce_sum(tf.exp(p_log) * (p_log - q_log), axis=-1)


def _sorted_logits(logits: tf.Tensor) -> tf.Tensor:
    """[N, K] logits sorted in descending order."""
    return tf.sort(logits, axis=-1, direction="DESCENDING")


def true_logit(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """z_y, [N]."""
    return tf.gather(logits, tf.cast(labels, tf.int32), axis=1, batch_dims=1)


def max_other_logit(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """max_{k != y} z_k, [N]."""
    is_true = tf.one_hot(tf.cast(labels, tf.int32), tf.shape(logits)[1], on_value=True, off_value=False)
    return tf.reduce_max(tf.where(is_true, tf.constant(-float("inf"), logits.dtype), logits), axis=1)


def margin(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """z_y − max_{k≠y} z_k: negative exactly when the prediction is wrong (Square minimises it)."""
    logits = tf.cast(logits, tf.float32)
    return true_logit(labels, logits) - max_other_logit(labels, logits)


def dlr_loss(labels: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Untargeted DLR: −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3); needs K ≥ 3."""
    logits = tf.cast(logits, tf.float32)
    ranked = _sorted_logits(logits)
    return -margin(labels, logits) / (ranked[:, 0] - ranked[:, 2] + _TINY)


def dlr_targeted_loss(labels: tf.Tensor, logits: tf.Tensor, targets: tf.Tensor) -> tf.Tensor:
    """Targeted DLR: −(z_y − z_t) / (z_π1 − (z_π3 + z_π4) / 2); needs K ≥ 4."""
    logits = tf.cast(logits, tf.float32)
    ranked = _sorted_logits(logits)
    gap = true_logit(labels, logits) - true_logit(targets, logits)
    return -gap / (ranked[:, 0] - 0.5 * (ranked[:, 2] + ranked[:, 3]) + _TINY)
