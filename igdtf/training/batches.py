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

    def fit_input(self, epoch: int, start_step: int):
        """(data, steps_per_epoch) for a model.fit call over epoch `epoch` from `start_step` on."""
        steps = self.steps_per_epoch - start_step if self.steps_per_epoch else None
        if not isinstance(self.data, EpochBatches):
            return (self.data.skip(start_step), steps) if start_step else (self.data, None)
        if self.strategy.num_replicas_in_sync > 1 or in_multi_worker_mode(self.strategy):
            data = self.strategy.distribute_datasets_from_function(
                lambda context: self.data.dataset(epoch, start_step, context))
        else:
            data = self.data.dataset(epoch, start_step)
        return data, steps
