"""Small tensor helpers shared by methods and evaluators."""

import tensorflow as tf


def flatten_per_example(t: tf.Tensor) -> tf.Tensor:
    """[N, ...] → [N, prod(...)]."""
    return tf.reshape(t, [tf.shape(t)[0], -1])


def per_example_cosine(a: tf.Tensor, b: tf.Tensor, eps: float = 1e-12) -> tf.Tensor:
    """Cosine similarity of each example's flattened a and b, [N] float32 in [-1, 1].

    A zero vector has cosine 0 with everything (eps keeps the gradient finite).
    """
    a = flatten_per_example(tf.cast(a, tf.float32))
    b = flatten_per_example(tf.cast(b, tf.float32))
    dot = tf.reduce_sum(a * b, axis=1)
    norms = tf.sqrt(tf.reduce_sum(a * a, axis=1) * tf.reduce_sum(b * b, axis=1) + eps)
    return dot / norms
