"""The data of a dataset recipe: training examples, validation data and the test split, from
--validation (igdtf/data/holdout.py) and --eval_examples.

Validation picks best.keras, drives the plateau schedule and the overfitting guard, and feeds the
TensorBoard probes; the final report is computed on the test split (the dataset's evaluation
split). A holdout is removed from the training examples.
"""

import dataclasses
import logging

import tensorflow as tf
from absl import flags

from igdtf.data import holdout
from igdtf.data.registry import DatasetInfo, load_split
from igdtf.errors import ConfigError, checked

log = logging.getLogger("igdtf.recipes")


def define_validation_flag(default: str = holdout.HOLDOUT) -> None:
    flags.DEFINE_string(
        "validation", default, "Validation data (best checkpoint, plateau schedule, overfitting guard, TensorBoard "
        "probes): holdout (default: a fixed, class-stratified holdout of the training split, the same for every "
        "--seed and excluded from training: 10 % of N <= 10 000 training images, 1 000 up to 100 000, 10 000 "
        "above), holdout:N images, holdout:0.1 or holdout:10% of the training split, test (the papers' protocol: "
        "validate on the test split the report uses; the report says so) or a split name. The final report is "
        "always on the test split.")


@dataclasses.dataclass(frozen=True)
class RecipeData:
    """training: stored (image, label) examples to train on; validation, test: evaluation-ready
    (image in [0, 1], label) examples, unbatched; record: what run.json keeps of the validation
    data (source, split, size, and for a holdout its seed and fingerprint: a resume with other
    validation data is refused); description: one sentence for the report."""

    training: tf.data.Dataset
    validation: tf.data.Dataset
    test: tf.data.Dataset
    record: dict
    description: str

    def report_entry(self) -> dict:
        """report.json's protocol.validation."""
        return {**self.record, "description": self.description}


def load_recipe_data(dataset: str, info: DatasetInfo, options: dict, examples: tf.data.Dataset, choice,
                eval_examples: int | None) -> RecipeData:
    """The data of one recipe run: `examples` are the stored training examples (info.loader("train")),
    `choice` the parsed --validation; --eval_examples limits the test split and a validation split
    (not a holdout, whose size --validation gives)."""
    size = info.image_shape[0]
    test = _first(load_split(dataset, info.evaluation_split, image_size=size, **options), eval_examples)
    if choice.kind == holdout.HOLDOUT:
        return _with_holdout(info, examples, choice, test)
    split = info.evaluation_split if choice.kind == holdout.TEST else choice.split
    if split not in info.splits or split == "train":
        others = [s for s in info.splits if s != "train"]
        raise ConfigError(f"--validation={choice}: {info.name} has no split {split!r}; use holdout, holdout:N, test "
                          f"or one of {', '.join(others)}.")
    validation = test if split == info.evaluation_split else _first(
        load_split(dataset, split, image_size=size, **options), eval_examples)
    count = _count(validation)
    if split == info.evaluation_split:
        description = (f"the test split ({split}, {count} images) itself, the papers' protocol: best checkpoint "
                       "and schedule are chosen on the images the report evaluates, which inflates its numbers")
        log.warning("Validation on the test split %s (--validation=%s): the report's numbers are those of the "
                    "selected checkpoint on its own selection data.", split, choice)
    else:
        description = f"the {split} split ({count} images); the report is on the {info.evaluation_split} split"
    record = {"source": "test" if split == info.evaluation_split else "split", "split": split, "size": count}
    return RecipeData(examples, validation, test, record, description)


def _with_holdout(info: DatasetInfo, examples: tf.data.Dataset, choice, test) -> RecipeData:
    total = int(examples.cardinality())
    count = checked(holdout.holdout_size, choice, total)
    log.info("Holding out %d of the %d training images for validation (--validation=%s; class-stratified, seed "
             "%d) ...", count, total, choice, holdout.HOLDOUT_SEED)
    indices = checked(holdout.stratified_holdout, holdout.training_labels(examples), count)
    training, held_out = holdout.split_examples(examples, indices)
    side = info.image_shape[0]
    validation = held_out.map(lambda image, label: (info.preprocess.evaluate(image, side), tf.cast(label, tf.int32)),
                              num_parallel_calls=tf.data.AUTOTUNE)
    record = {"source": "holdout", "split": "train", "size": count, "training_examples": total - count,
              "seed": holdout.HOLDOUT_SEED, "fingerprint": holdout.fingerprint(indices)}
    description = (f"{count} images held out of the training split (--validation={choice}: class-stratified, seed "
                   f"{holdout.HOLDOUT_SEED}, not trained on); the report is on the {info.evaluation_split} split")
    return RecipeData(training, validation, test, record, description)


def _first(split: tf.data.Dataset, count: int | None) -> tf.data.Dataset:
    return split if count is None else split.take(count)


def _count(split: tf.data.Dataset) -> int | None:
    count = int(split.cardinality())
    return count if count >= 0 else None
