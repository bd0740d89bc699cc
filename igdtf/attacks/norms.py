"""Per-example norms and shape helpers shared by the minimum-norm and search attacks."""

import tensorflow as tf

from igdtf.validation import check_choice

NORMS = ("linf", "l2")


def per_example(values: tf.Tensor, like: tf.Tensor) -> tf.Tensor:
    """Reshapes [N] values to [N, 1, ..., 1] so they broadcast against `like` ([N, ...])."""
    shape = tf.concat([tf.shape(like)[:1], tf.ones([tf.rank(like) - 1], tf.int32)], 0)
    return tf.reshape(tf.cast(values, like.dtype), shape)


def select(condition: tf.Tensor, a: tf.Tensor, b: tf.Tensor) -> tf.Tensor:
    """Per-example choice: a[i] where condition[i] ([N] bool), else b[i]."""
    return tf.where(per_example(condition, tf.cast(a, tf.float32)) > 0, a, b)


def norm_of(delta: tf.Tensor, norm: str) -> tf.Tensor:
    """‖delta_i‖ over all but the first axis, [N] float32; norm is "linf" or "l2"."""
    check_choice("norm", norm, NORMS)
    flat = tf.reshape(delta, [tf.shape(delta)[0], -1])
    if norm == "linf":
        return tf.reduce_max(tf.abs(flat), axis=1)
    return tf.norm(flat, axis=1)


def predicted_wrong(logits: tf.Tensor, labels: tf.Tensor) -> tf.Tensor:
    """[N] bool: argmax of logits differs from the label."""
    return tf.not_equal(tf.argmax(logits, axis=-1, output_type=tf.int32), tf.cast(labels, tf.int32))
