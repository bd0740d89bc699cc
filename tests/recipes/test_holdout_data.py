"""The comparison recipes' data: a holdout never trained on, stratified draws, counts checked."""

import numpy as np
import pytest

from igdtf.data.registry import dataset_info
from igdtf.recipes.holdout_data import HoldoutSplits

from tests.data.archives.idx_files import write_fashion_mnist


def _images(dataset) -> list[bytes]:
    return [image.tobytes() for image, _ in dataset.as_numpy_iterator()]


def test_holdout_training_draw_and_test_draw_are_disjoint_and_stratified(tmp_path):
    folder = write_fashion_mnist(tmp_path / "fm", train=200, test=50)
    splits = HoldoutSplits(dataset_info("fashion_mnist"), {"manual_dir": folder}, validation_examples=20,
                           train_examples=100, test_examples=30)
    train, held = _images(splits.train), _images(splits.validation)
    assert (len(train), len(held), len(_images(splits.test))) == (100, 20, 30)
    assert not set(train) & set(held)  # the holdout is never trained on
    for dataset, per_class in ((splits.train, 10), (splits.validation, 2), (splits.test, 3)):
        np.testing.assert_array_equal(np.bincount([y for _, y in dataset.as_numpy_iterator()]), [per_class] * 10)
    again = HoldoutSplits(dataset_info("fashion_mnist"), {"manual_dir": folder}, 20, 100, 30)
    assert _images(again.validation) == held and _images(again.train) == train  # the same draw every time
    assert splits.description["validation"]["fingerprint"] == again.description["validation"]["fingerprint"]
    data = splits.comparison_data(seed=0, batch_size=10, eval_batch_size=8, probe_examples=4)
    assert data.train.steps_per_epoch == 10 and data.probe[0].shape == (4, 28, 28, 1)
    assert "test" not in data.training_description()


@pytest.mark.parametrize("sizes, message", [((20, 181, None), "train_examples: 181 images asked for, 180"),
                                            ((20, None, 51), "test_examples: 51 images asked for, 50")])
def test_counts_beyond_the_split_are_refused_naming_the_setting(tmp_path, sizes, message):
    folder = write_fashion_mnist(tmp_path / "fm", train=200, test=50)
    with pytest.raises(ValueError, match=message):
        HoldoutSplits(dataset_info("fashion_mnist"), {"manual_dir": folder}, *sizes)
