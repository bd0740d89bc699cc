"""Batched tf.data pipelines over unbatched (image, label) datasets."""

import dataclasses
import time
from collections.abc import Callable

import tensorflow as tf

from igdtf.data.augment import cutout
from igdtf.seeding import fold_seed, fold_seed_int32
from igdtf.validation import check_positive_int


def training_pipeline(dataset: tf.data.Dataset, batch_size: int, seed: int,
                      shuffle_buffer: int = 10_000, augment=None) -> tf.data.Dataset:
    """Shuffled (seeded, reshuffled every epoch), optionally augmented, batched, prefetched.

    Batches have exactly `batch_size` (the global batch) examples: the remainder is dropped so
    that every replica of a strategy gets an equal share. The order of an epoch depends on how
    often the dataset was iterated before; use EpochBatches for runs that must resume exactly.
    """
    dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if augment is not None:
        dataset = dataset.map(augment, num_parallel_calls=tf.data.AUTOTUNE)
    return dataset.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)


def evaluation_pipeline(dataset: tf.data.Dataset, batch_size: int) -> tf.data.Dataset:
    """Fixed order, batched (the last batch may be smaller), prefetched."""
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def element_seed(seed: int, epoch: tf.Tensor, index: tf.Tensor) -> tf.Tensor:
    """The stateless [2] seed of the augmentation of element `index` of epoch `epoch`."""
    return fold_seed(fold_seed(tf.constant([seed, 11], tf.int64), epoch), index)


@dataclasses.dataclass(frozen=True)
class EpochBatches:
    """Training batches as a pure function of (seed, epoch, position in the epoch).

    Epoch e shuffles `examples` (a dataset yielding the same elements in the same order every
    time it is iterated) with a seed derived from (seed, e), keeps the first
    steps_per_epoch × batch_size elements, and augments element i with the stateless seed
    element_seed(seed, e, i). Nothing depends on how often anything was iterated before, so
    `dataset(e, s)` rebuilds exactly the batches an uninterrupted run would see from step s of
    epoch e on: this is the data position a checkpoint stores. (tf.data combines the shuffle
    seed with TensorFlow's global seed, which train_model sets from the run's seed.)

    Under tf.distribute, `dataset(..., input_context)` gives each input pipeline (worker) the
    per-replica batches of its replicas, cut from the same global order, so a global step
    covers the same examples whatever the number of workers and replicas. Each worker reads
    every record (cheap: encoded bytes) but decodes and augments only its own.

    Args:
      examples: unbatched (stored image, label) in a fixed order (see preprocess.py).
      transform: (stored image, seed [2]) → float32 [H, W, C] in [0, 1].
      batch_size: the global batch size.
      shuffle_buffer: elements in tf.data's shuffle buffer (records written by
        tensorflow-datasets are already in a random order; the buffer re-mixes them per epoch).
      deterministic: keep element order across parallel map calls (exact reproducibility);
        False lets tf.data return elements as soon as they are ready (faster, order may vary).
      cutout_size: if set, one CutOut square of this side per image after the transform.
    """

    examples: tf.data.Dataset
    transform: Callable[[tf.Tensor, tf.Tensor], tf.Tensor]
    batch_size: int
    seed: int = 0
    shuffle_buffer: int = 10_000
    deterministic: bool = True
    cutout_size: int | None = None
    cutout_fill: float = 0.5
    num_examples: int = dataclasses.field(init=False)

    def __post_init__(self):
        count = int(self.examples.cardinality())
        if count < 0:
            raise ValueError("EpochBatches needs examples of known length (tf.data cardinality); "
                             "apply tf.data.experimental.assert_cardinality to the dataset.")
        object.__setattr__(self, "num_examples", count)
        check_positive_int("batch_size", self.batch_size)
        check_positive_int("shuffle_buffer", self.shuffle_buffer)
        if self.cutout_size is not None:
            check_positive_int("cutout_size", self.cutout_size)
        if self.steps_per_epoch < 1:
            raise ValueError(f"The training set has {self.num_examples} examples, fewer than one batch "
                             f"of {self.batch_size}.")

    @property
    def steps_per_epoch(self) -> int:
        return self.num_examples // self.batch_size

    def dataset(self, epoch: int, start_step: int = 0,
                input_context: tf.distribute.InputContext | None = None,
                end_epoch: int | None = None) -> tf.data.Dataset:
        """The batches of epochs `epoch` … `end_epoch` − 1 (default: `epoch` only), from step
        `start_step` of the first on, as one pipeline (one iterator for all of them): per-replica
        batches of `input_context`'s pipeline when given, else global ones."""
        if not 0 <= start_step < self.steps_per_epoch:
            raise ValueError(f"start_step must be in [0, {self.steps_per_epoch}), received {start_step}.")
        end_epoch = epoch + 1 if end_epoch is None else end_epoch
        if end_epoch <= epoch:
            raise ValueError(f"end_epoch must be greater than epoch {epoch}, received {end_epoch}.")
        batch = self.batch_size
        if input_context is not None:
            batch = input_context.get_per_replica_batch_size(self.batch_size)
        elements = self._epoch_elements(epoch, input_context, batch, skip=start_step * self.batch_size)
        for later in range(epoch + 1, end_epoch):
            elements = elements.concatenate(self._epoch_elements(later, input_context, batch))
        elements = elements.map(self._prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=self.deterministic)
        options = tf.data.Options()
        options.deterministic = self.deterministic
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.OFF
        return elements.batch(batch, drop_remainder=True).prefetch(tf.data.AUTOTUNE).with_options(options)

    def _epoch_elements(self, epoch: int, input_context, per_replica_batch: int, skip: int = 0) -> tf.data.Dataset:
        """(epoch, index in the epoch, stored image, label) of epoch `epoch`'s kept elements in
        order, from element `skip` on, only this pipeline's under `input_context`."""
        # tf.data takes the shuffle seed as a Python int: a tensor seed breaks when the global
        # seed is 0 (tf.compat.v1.random.get_seed compares it with (0, 0)).
        shuffle_seed = (self.seed * 1_000_003 + epoch) % (2**31 - 1)
        shuffled = self.examples.shuffle(self.shuffle_buffer, seed=shuffle_seed, reshuffle_each_iteration=False)
        elements = shuffled.take(self.steps_per_epoch * self.batch_size).enumerate()
        elements = elements.map(lambda index, example: (tf.constant(epoch, tf.int64), index, example[0], example[1]))
        elements = elements.skip(skip)
        if input_context is not None:
            elements = _shard_by_chunks(elements, per_replica_batch, input_context)
        return elements

    def _prepare(self, epoch, index, image, label):  # epoch, index: int64 scalars
        seed = element_seed(self.seed, epoch, index)
        image = self.transform(image, seed)
        if self.cutout_size:
            image = cutout(image[None], self.cutout_size, fold_seed_int32(seed, 1),
                           self.cutout_fill)[0]
        return image, tf.cast(label, tf.int32)


def _shard_by_chunks(elements: tf.data.Dataset, per_replica_batch: int,
                     context: tf.distribute.InputContext) -> tf.data.Dataset:
    """Keeps the elements whose per-replica batch belongs to one of this pipeline's replicas.

    Global step k is made of the per-replica batches k·R … k·R + R − 1 (R replicas in all),
    consecutive chunks of the epoch order; pipeline p serves replicas p·R/P … (p + 1)·R/P − 1.
    """
    replicas = context.num_replicas_in_sync
    pipelines = context.num_input_pipelines
    if replicas % pipelines:
        raise ValueError(f"{replicas} replicas cannot be split evenly over {pipelines} input pipelines.")
    local = replicas // pipelines
    pipeline = context.input_pipeline_id

    def mine(epoch, index, image, label):
        chunk = index // per_replica_batch
        return (chunk % replicas) // local == pipeline

    return elements.filter(mine)


def images_per_second(batches: EpochBatches, count: int, warmup: int = 5) -> float:
    """Training images per second that `batches` delivers (no model): timed over `count`
    batches of epoch 0 (repeated if shorter) after `warmup` batches that fill the buffers."""
    iterator = iter(batches.dataset(0).repeat())
    for _ in range(warmup):
        next(iterator)
    start = time.perf_counter()
    images = sum(int(next(iterator)[0].shape[0]) for _ in range(count))
    return images / (time.perf_counter() - start)
