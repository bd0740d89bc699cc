import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.errors import MissingDataError
from igdtf.evaluation import FolderCorruptions, GeneratedCorruptions
from igdtf.data.corruptions.names import CORRUPTIONS, NOISE_CORRUPTIONS

from tests.conftest import tiny_cnn


def _one_pixel_threshold_model():
    """Class 1 iff pixel (0, 0, 0) > 0.5."""
    inputs = keras.Input((8, 8, 3))
    dense = keras.layers.Dense(2)
    model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    w = np.zeros((192, 2), np.float32)
    w[0, 1] = 1.0
    dense.set_weights([w, np.array([0.0, -0.5], np.float32)])
    return model


def test_corruption_error_does_not_decrease_with_severity_on_a_fixed_model():
    labels = np.arange(2000) % 2  # 8 px images: CIFAR-10-C's (weak) noise, so pixels close to the threshold
    images = np.where(labels[:, None, None, None] == 1, 0.58, 0.42) * np.ones((2000, 8, 8, 3))
    data = tf.data.Dataset.from_tensor_slices((images.astype(np.float32), labels)).batch(500)
    outcomes = GeneratedCorruptions(seed=3).run(_one_pixel_threshold_model(), data)
    for corruption in NOISE_CORRUPTIONS:
        errors = [1 - outcomes[f"{corruption}@{s}"].values.mean() for s in range(1, 6)]
        assert all(a <= b for a, b in zip(errors, errors[1:])), (corruption, errors)
        assert errors[-1] > errors[0] + 0.02, (corruption, errors)


def test_generated_corruptions_are_the_same_for_every_run(batch):
    x, y = batch
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    evaluator = GeneratedCorruptions(["gaussian_noise"], [5])
    first = evaluator.run(tiny_cnn(), data)["gaussian_noise@5"].values
    np.testing.assert_array_equal(first, evaluator.run(tiny_cnn(), data)["gaussian_noise@5"].values)


def _write_folder(root, images, labels, corruptions=("gaussian_noise",), severities=(1, 2)):
    """An ImageNet-C style tree whose severity s holds the images darkened by 10·s levels."""
    for c in corruptions:
        for s in severities:
            for i, (image, label) in enumerate(zip(images, labels)):
                folder = os.path.join(root, c, str(s), f"class_{label}")
                os.makedirs(folder, exist_ok=True)
                pixels = np.clip(np.round(image * 255) - 10 * s, 0, 255).astype(np.uint8)
                tf.io.write_file(os.path.join(folder, f"img_{i:03d}.png"), tf.io.encode_png(pixels))


def test_folder_corruptions_read_images_in_label_then_name_order(tmp_path, batch):
    x, _ = batch
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 2])  # the test set in the folder's order
    _write_folder(str(tmp_path), x, labels)
    data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(3)
    model = tiny_cnn()
    outcomes = FolderCorruptions(str(tmp_path), (8, 8, 3), 3, ["gaussian_noise"], [1, 2]).run(model, data)
    for s in (1, 2):
        darker = np.clip(np.round(x * 255) - 10 * s, 0, 255) / 255.0
        expected = np.argmax(model(darker.astype(np.float32)), -1) == labels
        np.testing.assert_array_equal(outcomes[f"gaussian_noise@{s}"].values, expected)


def test_folder_corruptions_refuse_a_misaligned_or_incomplete_folder(tmp_path, batch):
    x, _ = batch
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 2])
    _write_folder(str(tmp_path), x, labels)
    shuffled = tf.data.Dataset.from_tensor_slices((x, labels[::-1].copy())).batch(4)
    evaluator = FolderCorruptions(str(tmp_path), (8, 8, 3), 3, ["gaussian_noise"], [1, 2])
    with pytest.raises(ValueError, match="labels do not match the 8 test samples"):
        evaluator.run(tiny_cnn(), shuffled)
    with pytest.raises(MissingDataError, match="lacks .*gaussian_noise/3"):
        FolderCorruptions(str(tmp_path), (8, 8, 3), 3, ["gaussian_noise"], [1, 3])
    with pytest.raises(ValueError, match="has 3 class folders but the models have 10 classes"):
        FolderCorruptions(str(tmp_path), (8, 8, 3), 10, ["gaussian_noise"], [1])


def test_folder_images_of_another_size_are_named_in_the_error(tmp_path, batch):
    x, _ = batch
    labels = np.array([0, 0, 1, 1, 1, 2, 2, 2])
    _write_folder(str(tmp_path), x, labels, severities=(1,))
    data = tf.data.Dataset.from_tensor_slices((x, labels)).batch(4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"img_000.png does not have the input shape of the models, \(16, 16, 3\)"):
        FolderCorruptions(str(tmp_path), (16, 16, 3), 3, ["gaussian_noise"], [1]).run(tiny_cnn(), data)


def test_all_nineteen_corruptions_run_per_sample(batch):
    x, y = batch
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    outcomes = GeneratedCorruptions(["all"], [1, 5], seed=1).run(tiny_cnn(), data)
    assert set(outcomes) == {f"{c}@{s}" for c in CORRUPTIONS for s in (1, 5)}
    assert all(o.values.shape == (len(x),) and o.values.dtype == bool for o in outcomes.values())
    with pytest.raises(ValueError, match="Unknown corruption 'smoke'"):
        GeneratedCorruptions(["smoke"])
