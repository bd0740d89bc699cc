"""A progress bar over the batches that evaluators consume (tqdm, on stderr)."""

import sys

import tensorflow as tf
from tqdm import tqdm


def count_batches(dataset) -> int:
    """Number of batches of `dataset` (its cardinality when known, else by iterating once)."""
    if isinstance(dataset, tf.data.Dataset):
        cardinality = int(dataset.cardinality())
        if cardinality >= 0:
            return cardinality
    return sum(1 for _ in dataset)


class CountingBatches:
    """Wraps a dataset: iterating it advances `bar` by one per batch; everything else
    (e.g. tf.data methods) is the wrapped dataset's."""

    def __init__(self, dataset, bar):
        self._dataset = dataset
        self._bar = bar

    def __iter__(self):
        for batch in self._dataset:
            yield batch
            self._bar.update(1)

    def __getattr__(self, name):
        return getattr(self._dataset, name)


def progress_bar(total: int, description: str = "evaluating"):
    return tqdm(total=total, desc=description, unit="batch", file=sys.stderr, dynamic_ncols=True)
