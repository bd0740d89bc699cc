import glob

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.evaluation import SuiteSettings
from igdtf.evaluation.reporting.tensorboard import SuiteProbe
from igdtf.methods import build_trainer
from igdtf.training.tensorboard_logger import TensorBoardLogger

from tests.conftest import tiny_cnn


def _events(log_dir):
    """{tag: [(step, kind)]} read back from the TensorBoard event files."""
    found = {}
    for path in glob.glob(f"{log_dir}/evaluation/events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                kind = value.metadata.plugin_data.plugin_name
                found.setdefault(value.tag, []).append((event.step, kind, value))
    return found


def test_callback_writes_scalars_and_attribution_images_to_tensorboard(tmp_path, batch):
    x, y = batch
    data = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    trainer = build_trainer("standard", tiny_cnn())
    trainer.compile(optimizer=keras.optimizers.SGD(0.01))
    settings = SuiteSettings(attributions=("saliency", "smoothgrad"), ina_fractions=(0.1,), pgd=PGD(steps=1))
    probe = SuiteProbe(data, suites=("clean", "gini", "ina"), settings=settings, every_n_epochs=2, num_images=3)
    callback = TensorBoardLogger(str(tmp_path), probes=[probe])
    trainer.fit(data, epochs=4, callbacks=[callback], verbose=0)
    events = _events(tmp_path)
    for tag in ("eval/clean_acc", "eval/gini_global", "eval/gini_regional[smoothgrad]", "eval/ina1@0.1"):
        assert [step for step, _, _ in events[tag]] == [2, 4], tag
        assert all(kind == "scalars" for _, kind, _ in events[tag])
    expected_acc = float(np.mean(np.argmax(trainer.student(x), -1) == y))
    last = tf.make_ndarray(events["eval/clean_acc"][-1][2].tensor)
    assert float(last) == pytest.approx(expected_acc)  # the trained student, after the last epoch
    for tag in ("attribution/saliency", "attribution/smoothgrad"):
        steps = [(step, kind) for step, kind, _ in events[tag]]
        assert steps == [(2, "images"), (4, "images")], tag
        width, height, *pngs = tf.make_ndarray(events[tag][0][2].tensor)
        assert (int(width), int(height), len(pngs)) == (8, 8, 3)
    assert [step for step, _, _ in events["images"]] == [2]


def test_callback_refuses_unknown_suites(tmp_path, batch):
    with pytest.raises(ValueError, match="Unknown suite 'fgsm'"):
        SuiteProbe(None, suites=("clean", "fgsm"))
