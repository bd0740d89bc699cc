"""The data of a comparison recipe on a registry dataset: a class-stratified validation holdout
of the training split (never trained on, the same for every seed), an optional class-stratified
training subset of the rest, and the test split (or a stratified subset) for the final report."""

import numpy as np
import tensorflow as tf

from igdtf.data.pipeline import EpochBatches, evaluation_pipeline
from igdtf.data.registry import DatasetInfo
from igdtf.data.stratified_holdout import complement, labels_of, select, stratified_indices
from igdtf.recipes.method_comparison import ComparisonData


class HoldoutSplits:
    """The stored (unpreprocessed) examples of the three parts, drawn once with `draw_seed`.

    train_examples / test_examples None: all of them (the training split minus the holdout;
    the whole test split). ValueError if a count exceeds what the split holds.
    """

    def __init__(self, info: DatasetInfo, loader_options: dict, validation_examples: int,
                 train_examples: int | None, test_examples: int | None, draw_seed: int = 0):
        self.info = info
        train = info.loader("train", **loader_options)
        labels = labels_of(train)
        held = stratified_indices(labels, validation_examples, draw_seed)
        rest = complement(held, labels.size)
        if train_examples is not None:
            if train_examples > rest.size:
                raise ValueError(f"train_examples: {info.name} has {rest.size} training images outside the "
                                 f"{held.size} held out for validation, fewer than {train_examples}.")
            rest = rest[stratified_indices(labels[rest], train_examples, draw_seed)]
        test = info.loader(info.evaluation_split, **loader_options)
        if test_examples is not None:
            test_labels = labels_of(test)
            if test_examples > test_labels.size:
                raise ValueError(f"test_examples: the {info.evaluation_split} split of {info.name} has "
                                 f"{test_labels.size} images, fewer than {test_examples}.")
            test = select(test, stratified_indices(test_labels, test_examples, draw_seed))
        self.train, self.validation, self.test = select(train, rest), select(train, held), test
        self.description = {
            "train": {"split": "train", "examples": int(rest.size), "of": int(labels.size - held.size),
                      "class_stratified_subset": train_examples is not None, "draw_seed": draw_seed},
            "validation": {"source": "holdout of the training split", "examples": int(held.size),
                           "class_stratified": True, "draw_seed": draw_seed},
            "test": {"split": info.evaluation_split, "examples": int(test.cardinality()),
                     "class_stratified_subset": test_examples is not None},
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
