"""The catastrophic-overfitting guard: detection rule, record, stop and fall-back to PGD."""

import json

import pytest

from igdtf.attacks import PGD
from igdtf.methods import build_trainer
from igdtf.runs.files import OVERFITTING_FILE
from igdtf.runs.overfitting_record import read_overfitting
from igdtf.training.callbacks import OverfittingGuard

from tests.conftest import tiny_cnn

# (val_pgd_acc, acc) per epoch: robust accuracy collapses in epoch 4 while training accuracy rises.
COLLAPSE = [(0.30, 0.40), (0.45, 0.50), (0.40, 0.55), (0.05, 0.90), (0.02, 0.95)]


def _feed(guard, epochs):
    for epoch, (robust, train) in enumerate(epochs):
        guard.on_epoch_end(epoch, {"val_pgd_acc": robust, "acc": train, "loss": 1.0})


def _trainer():
    return build_trainer("pgdat", tiny_cnn(0), attack=PGD(steps=2), train_attack="fgsm_rs")


@pytest.mark.parametrize("action", ["log", "stop", "pgd"])
def test_a_collapse_is_recorded_and_acted_on(action, tmp_path, caplog):
    trainer = _trainer()
    guard = OverfittingGuard(trainer, str(tmp_path), action)
    with caplog.at_level("ERROR", logger="igdtf.training"):
        _feed(guard, COLLAPSE)
    events = read_overfitting(str(tmp_path))
    assert [e["epoch"] for e in events] == [4, 5]
    assert events[0] == {"epoch": 4, "val_pgd_acc": 0.05, "best_val_pgd_acc": 0.45, "best_epoch": 2, "acc": 0.90,
                         "best_acc": 0.50, "action": action}
    assert "CATASTROPHIC OVERFITTING in epoch 4" in caplog.text
    assert getattr(trainer, "stop_training", False) == (action == "stop")
    assert trainer.training_attack.kind == ("pgd" if action == "pgd" else "fgsm_rs")
    if action == "pgd":  # a resumed run falls back at once
        resumed = _trainer()
        OverfittingGuard(resumed, str(tmp_path), "pgd")
        assert resumed.training_attack.kind == "pgd"


def test_no_event_for_a_drop_within_the_margin_or_with_falling_training_accuracy(tmp_path):
    guard = OverfittingGuard(_trainer(), str(tmp_path))
    _feed(guard, [(0.50, 0.5), (0.35, 0.7), (0.10, 0.4), (0.60, 0.6)])  # -0.15; -0.40 but acc fell
    _feed(guard, [(0.5, 0.5)])  # logs without val_pgd_acc are ignored too
    guard.on_epoch_end(5, {"acc": 0.99})
    assert not (tmp_path / OVERFITTING_FILE).exists() and read_overfitting(str(tmp_path)) == []


def test_the_record_is_plain_json(tmp_path):
    _feed(OverfittingGuard(_trainer(), str(tmp_path)), COLLAPSE)
    assert len(json.loads((tmp_path / OVERFITTING_FILE).read_text())["events"]) == 2
