"""The data of a comparison recipe on a registry dataset: a class-stratified validation holdout
of the training split (data/holdout.py: never trained on, the same for every seed), an optional
class-stratified training subset of the rest, and the test split (or a class-stratified subset)
for the final report."""

import numpy as np
import tensorflow as tf

from igdtf.data import holdout
from igdtf.data.pipeline import EpochBatches, evaluation_pipeline
from igdtf.data.registry import DatasetInfo
from igdtf.recipes.method_comparison import ComparisonData


def _drawn(examples: tf.data.Dataset, labels: np.ndarray, count: int | None) -> tuple[tf.data.Dataset, np.ndarray]:
    """(the class-stratified draw of `count` of `examples`, in their order; its indices), or all
    of them for None or count == len(labels). ValueError if count exceeds what there is."""
    if count is None or count == labels.size:
        return examples, np.arange(labels.size)
    if count > labels.size:
        raise ValueError(f"{count} images asked for, {labels.size} available.")
    chosen = holdout.stratified_holdout(labels, count)
    return holdout.split_examples(examples, np.setdiff1d(np.arange(labels.size), chosen))[0], chosen


class HoldoutSplits:
    """The stored (unpreprocessed) examples of the three parts: the validation holdout
    (data/holdout.py: class-stratified, HOLDOUT_SEED), a class-stratified draw of the rest to
    train on, and a class-stratified draw of the evaluation split to test on.

    train_examples / test_examples None: all of them (the training split minus the holdout;
    the whole test split). ValueError naming the setting if a count exceeds what the split holds.
    """

    def __init__(self, info: DatasetInfo, loader_options: dict, validation_examples: int,
                 train_examples: int | None, test_examples: int | None):
        self.info = info
        train = info.loader("train", **loader_options)
        labels = holdout.training_labels(train)
        held = holdout.stratified_holdout(labels, validation_examples)
        rest, self.validation = holdout.split_examples(train, held)
        try:
            self.train, kept = _drawn(rest, np.delete(labels, held), train_examples)
        except ValueError as error:
            raise ValueError(f"train_examples: {error} ({info.name}'s training split without the "
                             f"{held.size} held out for validation)") from None
        test = info.loader(info.evaluation_split, **loader_options)
        try:
            self.test, _ = _drawn(test, holdout.training_labels(test), test_examples)
        except ValueError as error:
            raise ValueError(f"test_examples: {error} ({info.name}'s {info.evaluation_split} split)") from None
        self.description = {
            "train": {"split": "train", "examples": int(kept.size), "of": int(labels.size - held.size),
                      "seed": holdout.HOLDOUT_SEED, "fingerprint": holdout.fingerprint(kept)},
            "validation": {"source": "holdout", "split": "train", "size": int(held.size),
                           "seed": holdout.HOLDOUT_SEED, "fingerprint": holdout.fingerprint(held)},
            "test": {"split": info.evaluation_split, "examples": int(self.test.cardinality())},
        }

    def _evaluation_batches(self, examples: tf.data.Dataset, batch_size: int) -> tf.data.Dataset:
        size = self.info.image_shape[0]
        ready = examples.map(lambda image, label: (self.info.preprocess.evaluate(image, size),
                                                   tf.cast(label, tf.int32))).cache()
        return evaluation_pipeline(ready, batch_size)

    def comparison_data(self, seed: int, batch_size: int, eval_batch_size: int,
                        probe_examples: int) -> ComparisonData:
        """The ComparisonData of one seed: training batches shuffled and augmented by `seed`,
        validation and test batches of eval_batch_size, the first probe_examples validation
        images as the TensorBoard probe (none for 0)."""
        size = self.info.image_shape[0]
        train = EpochBatches(self.train, lambda image, s: self.info.preprocess.train(image, s, size), batch_size,
                             seed=seed, shuffle_buffer=self.info.shuffle_buffer)
        validation = self._evaluation_batches(self.validation, eval_batch_size)
        probe = None
        if probe_examples:
            images, labels = zip(*validation.unbatch().take(probe_examples).as_numpy_iterator())
            probe = np.stack(images), np.array(labels)
        return ComparisonData(self.info, train, validation, self._evaluation_batches(self.test, eval_batch_size),
                              probe, self.description)
