"""Training batches of a run, positioned for resuming."""

import tensorflow as tf

from igdtf.data.pipeline import EpochBatches
from igdtf.distribute import in_multi_worker_mode


class TrainingBatches:
    """Training batches of either kind: EpochBatches (exact data position), or a plain batched
    tf.data.Dataset re-iterated every epoch (resumes at the right step, but its shuffle order
    after a restart is not the uninterrupted run's)."""

    def __init__(self, data, strategy: tf.distribute.Strategy):
        self.data, self.strategy = data, strategy
        if isinstance(data, EpochBatches):
            self.steps_per_epoch = data.steps_per_epoch
        else:
            count = int(data.cardinality())
            self.steps_per_epoch = count if count > 0 else None

    def first_epoch(self) -> tf.data.Dataset:
        """The batches of epoch 0 as one tf.data.Dataset (for one-off passes over the data)."""
        return self.data.dataset(0, 0) if isinstance(self.data, EpochBatches) else self.data

    def fit_input(self, epoch: int, start_step: int, end_epoch: int | None = None):
        """(data, steps_per_epoch) for one model.fit call over epochs `epoch` … `end_epoch` − 1
        (default: `epoch` only) from step `start_step` of the first on. Keras counts the same
        steps in every epoch of a fit call, so a partial epoch (start_step > 0) is a call of its own."""
        end_epoch = epoch + 1 if end_epoch is None else end_epoch
        if start_step and end_epoch > epoch + 1:
            raise ValueError("A fit call from start_step > 0 covers that one epoch only.")
        steps = self.steps_per_epoch - start_step if self.steps_per_epoch else None
        if not isinstance(self.data, EpochBatches):  # re-iterated by Keras every epoch
            return (self.data.skip(start_step), steps) if start_step else (self.data, None)
        if self.strategy.num_replicas_in_sync > 1 or in_multi_worker_mode(self.strategy):
            data = self.strategy.distribute_datasets_from_function(
                lambda context: self.data.dataset(epoch, start_step, context, end_epoch))
        else:
            data = self.data.dataset(epoch, start_step, end_epoch=end_epoch)
        return data, steps
