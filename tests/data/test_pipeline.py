import numpy as np
import pytest
import tensorflow as tf

from igdtf.benchmarks.fake_ilsvrc import jpeg
from igdtf.data.pipeline import EpochBatches, images_per_second
from igdtf.data.preprocess import LargeImages, SmallImages
from igdtf.data.registry import dataset_info

SEED = tf.constant([3, 4], tf.int64)


def _batches(**options) -> EpochBatches:
    rng = np.random.default_rng(0)
    images = rng.uniform(0, 1, (50, 8, 8, 3)).astype("float32")
    labels = np.arange(50, dtype=np.int32)  # label = index: shows which element went where
    examples = tf.data.Dataset.from_tensor_slices((images, labels))
    small = SmallImages(pad=2)
    defaults = dict(batch_size=8, seed=3, shuffle_buffer=50)
    return EpochBatches(examples, lambda image, seed: small.train(image, seed, 8), **{**defaults, **options})


def _collect(dataset):
    return [(x.numpy(), y.numpy()) for x, y in dataset]


def test_epochs_are_reproducible_shuffled_and_drop_the_remainder():
    batches = _batches()
    assert batches.steps_per_epoch == 6
    epochs = [_collect(batches.dataset(e)) for e in range(3)]
    first = [batch for epoch in epochs for batch in epoch]
    again = [batch for e in range(3) for batch in _collect(batches.dataset(e))]
    assert [len(epoch) for epoch in epochs] == [6, 6, 6]
    for (x1, y1), (x2, y2) in zip(first, again):
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
    epoch_labels = [np.concatenate([y for _, y in first[6 * e: 6 * e + 6]]) for e in range(3)]
    for labels in epoch_labels:
        assert len(set(labels.tolist())) == 48  # no repeats within an epoch
    assert not np.array_equal(epoch_labels[0], epoch_labels[1])  # reshuffled every epoch
    assert not np.array_equal(epoch_labels[0], np.sort(epoch_labels[0]))


def test_a_resumed_position_rebuilds_exactly_the_remaining_batches():
    batches = _batches(cutout_size=3)
    full = _collect(batches.dataset(1))
    tail = _collect(batches.dataset(1, start_step=4))
    assert len(tail) == 2
    for (x1, y1), (x2, y2) in zip(full[4:], tail):
        np.testing.assert_array_equal(x1, x2)  # same order AND same augmentation draws
        np.testing.assert_array_equal(y1, y2)


def test_one_pipeline_over_several_epochs_gives_each_epochs_batches_in_turn():
    batches = _batches(cutout_size=3)
    chained = _collect(batches.dataset(1, end_epoch=4))
    separate = [batch for e in range(1, 4) for batch in _collect(batches.dataset(e))]
    assert len(chained) == len(separate) == 18
    for (x1, y1), (x2, y2) in zip(chained, separate):
        np.testing.assert_array_equal(x1, x2)  # same order AND same augmentation draws per epoch
        np.testing.assert_array_equal(y1, y2)
    context = tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=1, num_replicas_in_sync=4)
    chained = [y for _, y in _collect(batches.dataset(0, input_context=context, end_epoch=2))]
    separate = [y for e in range(2) for _, y in _collect(batches.dataset(e, input_context=context))]
    np.testing.assert_array_equal(np.concatenate(chained), np.concatenate(separate))


def test_input_pipelines_split_each_global_batch_by_replica_chunks():
    batches = _batches()
    global_labels = [y for _, y in _collect(batches.dataset(0))]
    contexts = [tf.distribute.InputContext(num_input_pipelines=2, input_pipeline_id=i, num_replicas_in_sync=4)
                for i in range(2)]
    per_pipeline = [[y for _, y in _collect(batches.dataset(0, input_context=c))] for c in contexts]
    assert all(len(p) == 2 * 6 for p in per_pipeline)  # 2 local replicas x 6 steps, batches of 2
    for step, labels in enumerate(global_labels):
        replicas = per_pipeline[0][2 * step: 2 * step + 2] + per_pipeline[1][2 * step: 2 * step + 2]
        np.testing.assert_array_equal(np.concatenate(replicas), labels)


def test_bad_pipeline_settings_are_refused():
    with pytest.raises(ValueError, match="fewer than one batch of 64"):
        _batches(batch_size=64)
    with pytest.raises(ValueError, match=r"start_step must be in \[0, 6\), received 6"):
        _batches().dataset(0, start_step=6)
    with pytest.raises(ValueError, match="end_epoch must be greater than epoch 2, received 2"):
        _batches().dataset(2, end_epoch=2)
    unknown = tf.data.Dataset.from_tensor_slices(np.zeros((4, 2))).filter(lambda x: True)
    with pytest.raises(ValueError, match="known length"):
        EpochBatches(unknown.map(lambda x: (x, 0)), lambda image, seed: image, batch_size=2)


def test_pad_crop_flip_returns_a_shifted_or_mirrored_window_of_the_image():
    image = tf.reshape(tf.range(8 * 8 * 3, dtype=tf.float32) / 192.0, (8, 8, 3))
    padded = np.pad(image.numpy(), ((2, 2), (2, 2), (0, 0)))
    windows = [padded[i:i + 8, j:j + 8] for i in range(5) for j in range(5)]
    windows += [w[:, ::-1] for w in windows]
    for k in range(10):
        out = SmallImages(pad=2).train(image, tf.constant([k, 1], tf.int64), 8).numpy()
        assert any(np.array_equal(out, w) for w in windows)


def test_large_images_crop_inside_the_jpeg_and_resize():
    data = jpeg(np.random.default_rng(0), 60, 90)
    preprocess = LargeImages()
    for k in range(5):
        out = preprocess.train(tf.constant(data), tf.constant([k, 0], tf.int64), 32)
        assert out.shape == (32, 32, 3) and out.dtype == tf.float32
        assert 0.0 <= float(tf.reduce_min(out)) and float(tf.reduce_max(out)) <= 1.0
    centre = preprocess.evaluate(tf.constant(data), 32).numpy()
    decoded = tf.io.decode_jpeg(data).numpy()
    side = round(0.875 * 60)  # central square of 0.875 x the shorter side
    top, left = (60 - side) // 2, (90 - side) // 2
    expected = tf.image.resize(decoded[top:top + side, left:left + side] / 255.0, [32, 32], antialias=True)
    np.testing.assert_allclose(centre, np.clip(expected, 0, 1), atol=1e-5)
    pixels = preprocess.evaluate(tf.constant(decoded), 32).numpy()  # decoded input: same result
    np.testing.assert_allclose(pixels, centre, atol=1e-5)


@pytest.mark.parametrize("size,block", [(32, 2), (64, 5), (100, 7), (224, 16)])
def test_image_size_override_scales_the_gini_block_with_the_side(size, block):
    info = dataset_info("imagenet100").with_image_size(size)
    assert info.image_shape == (size, size, 3) and info.gini_block == block


def test_images_per_second_times_whole_batches():
    rate = images_per_second(_batches(), count=8, warmup=2)  # more batches than one epoch holds
    assert 0 < rate < float("inf")
