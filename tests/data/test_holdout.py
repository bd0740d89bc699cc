"""The validation holdout: parsing --validation, the size rule, the stratified selection and the
split of a dataset into training and held-out examples (exact resume kept)."""

import numpy as np
import pytest
import tensorflow as tf

from igdtf.data import holdout
from igdtf.data.holdout import (
    ValidationChoice, default_holdout_size, holdout_size, parse_validation, split_examples, stratified_holdout,
)
from igdtf.data.pipeline import EpochBatches


def test_validation_choices_parse_and_bad_ones_say_what_is_allowed():
    assert parse_validation("holdout") == ValidationChoice("holdout")
    assert parse_validation("holdout:1000") == ValidationChoice("holdout", count=1000)
    assert parse_validation("holdout:0.1") == ValidationChoice("holdout", fraction=0.1)
    assert parse_validation("holdout:10%").fraction == pytest.approx(0.1)
    assert parse_validation("test") == ValidationChoice("test")
    assert parse_validation("validation") == ValidationChoice("split", split="validation")
    assert [str(parse_validation(t)) for t in ("holdout", "holdout:5", "holdout:0.25", "test", "val")] == \
        ["holdout", "holdout:5", "holdout:0.25", "test", "val"]
    for bad, message in {"holdout:0": "count >= 1", "holdout:1.5": "must lie in (0, 1)", "holdout:ten": "count >= 1",
                         "holdout:0%": "must lie in (0, 1)", "train": "not the training split", "": "is empty",
                         "other:3": "allowed: holdout"}.items():
        with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
            parse_validation(bad)


def test_the_default_size_follows_the_dataset_size():
    # 10 % of small data (1 400 images: the issue's dataset; STL-10's 5 000), 1 000 for CIFAR-sized data
    # (50 000; Rice et al. 2020) up to Tiny ImageNet's 100 000, 10 000 for ImageNet-100 (126 689).
    sizes = {1_400: 140, 5_000: 500, 10_000: 1_000, 50_000: 1_000, 100_000: 1_000, 126_689: 10_000, 7: 1}
    assert {n: default_holdout_size(n) for n in sizes} == sizes
    assert holdout_size(parse_validation("holdout:0.2"), 1_000) == 200
    assert holdout_size(parse_validation("holdout:37"), 1_000) == 37


def test_the_holdout_is_stratified_fixed_and_keeps_every_class_in_training():
    labels = np.repeat(np.arange(4), [50, 30, 15, 5])
    np.random.default_rng(3).shuffle(labels)
    chosen = stratified_holdout(labels, 20)
    assert len(chosen) == 20 and len(set(chosen)) == 20 and list(chosen) == sorted(chosen)
    assert np.bincount(labels[chosen], minlength=4).tolist() == [10, 6, 3, 1]  # the class shares of 20
    np.testing.assert_array_equal(chosen, stratified_holdout(labels, 20))  # the same every time
    assert not np.array_equal(chosen, stratified_holdout(labels, 20, seed=holdout.HOLDOUT_SEED + 1))
    tiny = np.array([0, 0, 1, 1, 2])  # 3 classes; class 2 has one example, which stays in training
    assert set(tiny[stratified_holdout(tiny, 2)]) == {0, 1}
    with pytest.raises(ValueError, match="cannot hold out 3 of 5 training examples in 3 classes"):
        stratified_holdout(tiny, 3)


def test_the_split_excludes_the_holdout_from_training_and_keeps_exact_resume():
    images = np.arange(40, dtype=np.float32).reshape(40, 1, 1, 1)
    labels = np.arange(40) % 4
    examples = tf.data.Dataset.from_tensor_slices((images, labels))
    held = stratified_holdout(labels, 8)
    training, validation = split_examples(examples, held)
    assert int(training.cardinality()) == 32 and int(validation.cardinality()) == 8
    train_ids = [int(x[0, 0, 0]) for x, _ in training]
    assert [int(x[0, 0, 0]) for x, _ in validation] == held.tolist()
    assert train_ids == sorted(set(range(40)) - set(held.tolist()))  # the stored order, holdout removed
    batches = EpochBatches(training, lambda image, seed: image, 4, seed=5, shuffle_buffer=32)
    whole = [x.numpy().ravel().tolist() for x, _ in batches.dataset(1)]
    resumed = [x.numpy().ravel().tolist() for x, _ in batches.dataset(1, start_step=3)]
    assert resumed == whole[3:] and not set(sum(whole, [])) & set(held.tolist())
