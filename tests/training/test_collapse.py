"""Collapse detection: the per-epoch rule, its record, and a real run that collapses."""

import json
import math
import os

import numpy as np
import tensorflow as tf

from igdtf.data.registry import dataset_info
from igdtf.runs.collapse_record import attach_collapse, collapse_markdown, read_collapse
from igdtf.runs.files import COLLAPSE_FILE
from igdtf.training import TrainConfig, train_model
from igdtf.training.callbacks import CollapseDetector

LN10 = math.log(10)


def test_ce_near_ln_k_must_last_two_epochs_after_the_warm_up(tmp_path):
    detector = CollapseDetector(str(tmp_path), "run", 10, warmup_epochs=1)
    detector.on_epoch_end(0, {"ce": LN10})  # warm-up: not checked
    detector.on_epoch_end(1, {"ce": LN10 * 1.005})
    assert not read_collapse(str(tmp_path))["collapsed"]
    detector.on_epoch_end(2, {"ce": 1.0})  # a learning epoch breaks the streak
    detector.on_epoch_end(3, {"ce": LN10 * 0.995})
    assert not read_collapse(str(tmp_path))["collapsed"]
    resumed = CollapseDetector(str(tmp_path), "run", 10, warmup_epochs=1)  # the streak survives a restart
    resumed.on_epoch_end(4, {"ce": LN10})
    record = read_collapse(str(tmp_path))
    assert record["collapsed"] and record["epochs_checked"] == [2, 3, 4, 5]
    assert [e["epoch"] for e in record["events"]] == [5] and "within 1 % of ln 10" in record["events"][0]["reasons"][0]
    resumed.on_epoch_end(5, {"ce": 0.5})
    assert "epoch 5: training CE" in collapse_markdown({"run": read_collapse(str(tmp_path))})[-2]
    assert "recovered (epoch 6: ce 0.5000)" in collapse_markdown({"run": read_collapse(str(tmp_path))})[-2]
    CollapseDetector(str(tmp_path / "b"), "run", 10).on_epoch_end(0, {"ce": LN10 * 1.02})
    assert not read_collapse(str(tmp_path / "b"))["collapsed"]  # 2 % away is not uniform


def test_chance_validation_accuracy_is_flagged_at_once(tmp_path):
    detector = CollapseDetector(str(tmp_path), "run", 2)
    detector.on_epoch_end(0, {"ce": 0.3, "val_acc": 0.6})
    assert not read_collapse(str(tmp_path))["collapsed"]
    detector.on_epoch_end(1, {"ce": 0.3, "val_acc": 0.505})
    assert read_collapse(str(tmp_path))["events"][0]["reasons"] == ["val_acc 0.5050 at chance (1/2)"]


def test_a_run_on_inputs_that_carry_no_information_is_reported_as_collapsed(tmp_path):
    info = dataset_info("line_modes")
    labels = np.tile([0, 1], 64).astype(np.int32)
    data = tf.data.Dataset.from_tensor_slices((np.zeros((128, 2), np.float32), labels)).batch(32)
    config = TrainConfig(arch="mlp", arch_options={"hidden": (4,)}, epochs=3, batch_size=32, optimizer="adam",
                         learning_rate=1e-2, weight_decay=0.0)
    train_model(config, info, data, str(tmp_path / "runs" / "constant"), name="constant")
    record = read_collapse(str(tmp_path / "runs" / "constant"))
    assert record["collapsed"] and record["epochs_checked"] == [1, 2, 3]
    report = {}
    lines = attach_collapse(report, str(tmp_path))
    assert report["collapse"]["any_collapsed"] and list(report["collapse"]["runs"]) == ["runs/constant"]
    text = "\n".join(lines)
    assert "WARNING: 1 of 1 training runs collapsed" in text and "`runs/constant`: epoch 2:" in text
    assert "still collapsed at its last epoch (epoch 3: ce 0.69" in text
    json.dumps(report)
    assert os.path.exists(tmp_path / "runs" / "constant" / COLLAPSE_FILE)
