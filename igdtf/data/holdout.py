"""Validation data held out from the training split: fixed, seeded and class-stratified.

Selecting checkpoints (and driving the learning-rate schedule) on the test images inflates the
robust accuracy reported on those same images: robust test accuracy peaks and then falls during
adversarial training ("robust overfitting", Rice et al. 2020, who hold out 1 000 CIFAR-10
training images for validation). So by default a run validates on part of its training split,
which it then does not train on, and reports on the test split.

`--validation` takes (parse_validation):
  holdout           the default: a holdout of default_holdout_size(N) images, N = training
                    examples: 10 % for N <= 10 000, 1 000 for N <= 100 000, 10 000 above
                    (CIFAR-10/100: 1 000; STL-10: 500; Tiny ImageNet: 1 000; ImageNet-100: 10 000)
  holdout:N         N images; holdout:0.1 or holdout:10% a fraction of the training split
  test              the dataset's evaluation split (the papers' protocol: validation and the
                    final report then use the same images, and the report says so)
  <split>           another named split of the dataset (e.g. shapes' validation split)

The holdout is the same for every run of a dataset: HOLDOUT_SEED is fixed (independent of the
run's seed, so all seeds validate on the same images) and the selection depends only on the
labels of the training split in its stored order. Each class gives its share (largest
remainders round it; every class keeps at least one training example).
"""

import dataclasses
import hashlib

import numpy as np
import tensorflow as tf

HOLDOUT = "holdout"
TEST = "test"
HOLDOUT_SEED = 2020  # fixed: every seed of a dataset validates on the same held-out images
SMALL_DATASET, LARGE_DATASET = 10_000, 100_000  # training examples: the bands of default_holdout_size


@dataclasses.dataclass(frozen=True)
class ValidationChoice:
    """A parsed --validation: kind "holdout" (with `count` images or a `fraction` of the training
    split, or neither: the default size), "test" (the evaluation split) or "split" (`split`)."""

    kind: str
    count: int | None = None
    fraction: float | None = None
    split: str | None = None

    def __str__(self) -> str:
        if self.kind == HOLDOUT:
            if self.count is not None:
                return f"{HOLDOUT}:{self.count}"
            return HOLDOUT if self.fraction is None else f"{HOLDOUT}:{self.fraction:g}"
        return TEST if self.kind == TEST else self.split


def parse_validation(text: str) -> ValidationChoice:
    """The ValidationChoice of `text` (module docstring); ValueError saying what is allowed."""
    allowed = ("allowed: holdout (default size), holdout:N (images), holdout:0.1 or holdout:10% (a fraction of "
               "the training split), test (the evaluation split), or a split name")
    text = (text or "").strip()
    if not text:
        raise ValueError(f"--validation is empty; {allowed}.")
    if text == TEST:
        return ValidationChoice(TEST)
    if text == HOLDOUT:
        return ValidationChoice(HOLDOUT)
    if not text.startswith(HOLDOUT + ":"):
        if ":" in text or text == "train":
            raise ValueError(f"--validation={text}: {allowed} (not the training split).")
        return ValidationChoice("split", split=text)
    size = text[len(HOLDOUT) + 1:]
    try:
        if size.endswith("%"):
            fraction = float(size[:-1]) / 100
        elif size.isdigit():
            if int(size) < 1:
                raise ValueError
            return ValidationChoice(HOLDOUT, count=int(size))
        else:
            fraction = float(size)
    except ValueError:
        raise ValueError(f"--validation={text}: the holdout size must be a count >= 1, a fraction in (0, 1) or a "
                         f"percentage; {allowed}.") from None
    if not 0 < fraction < 1:
        raise ValueError(f"--validation={text}: a holdout fraction must lie in (0, 1) (0-100 %); {allowed}.")
    return ValidationChoice(HOLDOUT, fraction=fraction)


def default_holdout_size(num_examples: int) -> int:
    """The default holdout of a training split of `num_examples`: 10 % up to SMALL_DATASET
    examples, 1 000 up to LARGE_DATASET, 10 000 above."""
    if num_examples <= SMALL_DATASET:
        return max(1, round(num_examples / 10))
    return 1_000 if num_examples <= LARGE_DATASET else 10_000


def holdout_size(choice: ValidationChoice, num_examples: int) -> int:
    """The number of images `choice` (kind holdout) holds out of `num_examples`."""
    if choice.count is not None:
        return choice.count
    if choice.fraction is not None:
        return max(1, round(choice.fraction * num_examples))
    return default_holdout_size(num_examples)


def stratified_holdout(labels: np.ndarray, size: int, seed: int = HOLDOUT_SEED) -> np.ndarray:
    """Sorted indices of `size` examples drawn per class in proportion to the class counts (largest
    remainders round the shares; each class keeps at least one example out of the holdout).
    Depends only on (labels, size, seed). ValueError if `size` cannot be held out."""
    labels = np.asarray(labels).reshape(-1)
    classes, counts = np.unique(labels, return_counts=True)
    room = counts - 1  # every class keeps one training example
    if not 1 <= size <= room.sum():
        raise ValueError(f"cannot hold out {size} of {labels.size} training examples in {classes.size} classes "
                         f"(at most {room.sum()}: every class keeps one); choose a smaller --validation=holdout:N.")
    shares = size * counts / labels.size
    quota = np.minimum(np.floor(shares).astype(int), room)
    order = sorted(range(classes.size), key=lambda c: (-(shares[c] - np.floor(shares[c])), c))
    while quota.sum() < size:  # largest remainders first, then any class with room left
        for c in order:
            if quota.sum() < size and quota[c] < room[c]:
                quota[c] += 1
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(labels == c))[:q] for c, q in zip(classes, quota)]
    return np.sort(np.concatenate(chosen))


def fingerprint(indices: np.ndarray) -> str:
    """A short hash of the held-out indices (recorded in run.json: a resume on other data is refused)."""
    return hashlib.sha256(np.asarray(indices, np.int64).tobytes()).hexdigest()[:16]


def training_labels(examples: tf.data.Dataset) -> np.ndarray:
    """The labels of (stored input, label) `examples` in their order (one pass; inputs are not decoded)."""
    labels = examples.map(lambda image, label: label, num_parallel_calls=tf.data.AUTOTUNE).batch(8192)
    return np.concatenate([np.asarray(batch).reshape(-1) for batch in labels.as_numpy_iterator()] or [[]])


def split_examples(examples: tf.data.Dataset, indices: np.ndarray) -> tuple[tf.data.Dataset, tf.data.Dataset]:
    """(training examples without `indices`, the held-out examples), both in the stored order and of
    known length; the held-out ones are cached in memory after their first pass."""
    total = int(examples.cardinality())
    held = np.zeros(total, bool)
    held[indices] = True
    mask = tf.constant(held)
    numbered = examples.enumerate()

    def keep(wanted):
        kept = numbered.filter(lambda index, example: tf.equal(tf.gather(mask, index), wanted))
        return kept.map(lambda index, example: example)

    training = keep(False).apply(tf.data.experimental.assert_cardinality(total - len(indices)))
    validation = keep(True).apply(tf.data.experimental.assert_cardinality(len(indices))).cache()
    return training, validation
