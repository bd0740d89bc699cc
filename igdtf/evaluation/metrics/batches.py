"""Running a per-batch function over a fixed-order test set (seeds: igdtf.seeding.batch_seed)."""

from collections import defaultdict

import numpy as np
import tensorflow as tf


def map_batches(fn, dataset) -> dict[str, np.ndarray]:
    """Runs fn(x, y, batch_index) → {name: [B] tensor} over `dataset` in tf.function (fn is
    wrapped unless it already is one) and concatenates the results."""
    compiled = fn if isinstance(fn, tf.types.experimental.PolymorphicFunction) else \
        tf.function(fn, reduce_retracing=True)
    chunks = defaultdict(list)
    for index, (x, y) in enumerate(dataset):
        x = tf.cast(x, tf.float32)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        for name, value in compiled(x, y, tf.constant(index, tf.int64)).items():
            chunks[name].append(value.numpy())
    return {name: np.concatenate(parts) for name, parts in chunks.items()}


def correct(model, x, y) -> tf.Tensor:
    """[B] bool: model's prediction on x equals y (training=False)."""
    return tf.equal(tf.argmax(model(x, training=False), -1, output_type=tf.int32), y)
