"""Class-stratified subsets of a labelled split, drawn by index: a validation holdout that is
never trained on, and smaller training sets, the same on every run with the same seed.

Validation data held out of the training split (Rice et al. 2020 hold out 1 000 CIFAR-10
training images) keeps the test split out of checkpoint selection.
"""

import numpy as np
import tensorflow as tf

from igdtf.validation import check_positive_int


def stratified_indices(labels: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Sorted indices of `count` elements of `labels` [N], each class contributing in proportion
    to its size (largest remainders get the odd ones, lower classes first on ties), drawn
    uniformly within each class by a NumPy generator seeded with `seed`. ValueError if `count`
    is not in 1..N."""
    check_positive_int("count", count)
    labels = np.asarray(labels).reshape(-1)
    if count > labels.size:
        raise ValueError(f"Cannot draw {count} elements from a split of {labels.size}.")
    classes, sizes = np.unique(labels, return_counts=True)
    exact = sizes * count / labels.size
    shares = np.floor(exact).astype(np.int64)
    order = np.argsort(-(exact - shares), kind="stable")
    shares[order[:count - shares.sum()]] += 1
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:share] for c, share in zip(classes, shares)]
    return np.sort(np.concatenate(chosen))


def complement(indices: np.ndarray, size: int) -> np.ndarray:
    """Sorted indices of 0..size-1 not in `indices`."""
    keep = np.ones(size, bool)
    keep[indices] = False
    return np.flatnonzero(keep)


def labels_of(dataset: tf.data.Dataset) -> np.ndarray:
    """[N] labels of an unbatched (input, label) dataset, in its order."""
    return np.fromiter(dataset.map(lambda _, label: label).as_numpy_iterator(), dtype=np.int64)


def select(dataset: tf.data.Dataset, indices: np.ndarray) -> tf.data.Dataset:
    """The elements of an unbatched dataset at `indices` (sorted), in the dataset's order, with
    their count as its known cardinality."""
    size = int(dataset.cardinality())
    if size < 0:
        size = int(np.max(indices)) + 1 if len(indices) else 0
    mask = tf.constant(np.isin(np.arange(size), indices))
    chosen = dataset.enumerate().filter(lambda i, _: mask[i]).map(lambda _, example: example)
    return chosen.apply(tf.data.experimental.assert_cardinality(len(indices)))
