"""Stateless seeds: every random draw in igdtf comes from a [2] int64 seed folded from the
run's seed with integers (stream, step, replica, batch, sample), so draws are reproducible
and independent of how many replicas or restarts a run had."""

import tensorflow as tf


def fold_seed(seed: tf.Tensor, data) -> tf.Tensor:
    """A new stateless [2] seed from `seed` and an integer (stream, step, replica id, index)."""
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(data, tf.int64))


def fold_seed_int32(seed: tf.Tensor, data) -> tf.Tensor:
    """A new stateless [2] int32 seed from `seed` and an int32 integer (restart, attack, query).

    The attacks and the training cutout fold their indices as int32; the draws differ from
    fold_seed's, so those call sites keep this form to keep their numbers.
    """
    return tf.random.experimental.stateless_fold_in(seed, tf.cast(data, tf.int32))


def batch_seed(seed: int, batch_index) -> tf.Tensor:
    """The stateless [2] seed of evaluation batch `batch_index` (int64 scalar) of a run seeded `seed`."""
    return fold_seed(tf.constant([seed, 7], tf.int64), batch_index)


def replica_id() -> tf.Tensor:
    """This replica's index in its tf.distribute sync group (0 outside a strategy)."""
    context = tf.distribute.get_replica_context()
    if context is None:
        return tf.constant(0)
    return tf.cast(context.replica_id_in_sync_group, tf.int32)


def replica_invariant_normal(x: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """N(0, 1) noise shaped like this replica's x, equal to the rows a single device would draw.

    Every replica draws the noise of the whole global batch from the same (replica-independent)
    `seed` and keeps its own rows, so a step on R replicas sees exactly the noise of a step on
    one device (assuming equal per-replica batches, as the training pipeline's
    drop_remainder=True guarantees).
    """
    return _replica_rows(x, lambda shape: tf.random.stateless_normal(shape, seed))


def replica_invariant_uniform(x: tf.Tensor, seed: tf.Tensor, minval: float, maxval: float) -> tf.Tensor:
    """U[minval, maxval) noise shaped like this replica's x, replica-invariant like
    replica_invariant_normal."""
    return _replica_rows(x, lambda shape: tf.random.stateless_uniform(shape, seed, minval, maxval))


def _replica_rows(x: tf.Tensor, draw) -> tf.Tensor:
    """This replica's rows of draw([global batch, *x.shape[1:]])."""
    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    n = tf.shape(x)[0]
    noise = draw(tf.concat([[n * replicas], tf.shape(x)[1:]], 0))
    start = replica_id() * n
    return noise[start:start + n]
