"""Batched tf.data pipelines over unbatched (image, label) datasets."""

import tensorflow as tf


def training_pipeline(dataset: tf.data.Dataset, batch_size: int, seed: int,
                      shuffle_buffer: int = 10_000, augment=None) -> tf.data.Dataset:
    """Shuffled (seeded, reshuffled every epoch), optionally augmented, batched, prefetched.

    Batches have exactly `batch_size` (the global batch) examples: the remainder is dropped so
    that every replica of a strategy gets an equal share.
    """
    dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if augment is not None:
        dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def evaluation_pipeline(dataset: tf.data.Dataset, batch_size: int) -> tf.data.Dataset:
    """Fixed order, batched (the last batch may be smaller), prefetched."""
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)
