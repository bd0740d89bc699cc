"""Run integrity in one process: atomic artefacts, resume with changed settings, unreadable
artefacts (each corrupted in turn: the error or the fallback names it). The kill -9 tests are in
test_faults.py."""

import json
import logging
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.errors import ConfigError, UnreadableFileError
from igdtf.evaluation import load_comparison
from igdtf.methods import load_teacher
from igdtf.cli.train.report import _load_for_evaluation
from igdtf.models.loading import load_classifier
from igdtf.runs.atomic import atomic_path, save_model, save_npz, write_json, write_text
from igdtf.runs.run_file import check_run_directory, write_run_file

from tests.conftest import tiny_cnn
from tests.training.test_training import INFO, _config, _train_batches

NOT_A_MODEL = "not a readable Keras model or SavedModel"


def _weights(model) -> list:
    return [np.asarray(w) for w in model.get_weights()]


def _assert_same_weights(a, b) -> None:
    for x, y in zip(_weights(a), _weights(b), strict=True):
        np.testing.assert_allclose(x, y, atol=1e-6)


def _hidden(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if name.startswith("."))


def test_an_atomic_write_leaves_the_old_file_or_the_new_one_and_no_temporary(tmp_path):
    path = str(tmp_path / "run.json")
    write_json(path, {"v": 1})
    with pytest.raises(RuntimeError):
        with atomic_path(path) as temporary:
            with open(temporary, "w") as f:
                f.write('{"v": ')  # half written when the writer dies
            raise RuntimeError("writer died")
    assert json.loads(open(path).read()) == {"v": 1} and _hidden(tmp_path) == []
    (tmp_path / ".run.json.tmp-killed.json").write_text("{")  # what a SIGKILL would leave
    write_text(path, '{"v": 2}')
    assert json.loads(open(path).read()) == {"v": 2} and _hidden(tmp_path) == []
    model = tiny_cnn()
    save_model(model, str(tmp_path / "model.keras"))  # the temporary name keeps the .keras extension
    _assert_same_weights(keras.models.load_model(tmp_path / "model.keras", compile=False), model)
    save_npz(str(tmp_path / "outcomes.npz"), compressed=True, a=np.arange(3))
    assert np.load(tmp_path / "outcomes.npz")["a"].tolist() == [0, 1, 2] and _hidden(tmp_path) == []


def test_resume_refuses_every_changed_result_setting_there_vs_now(tmp_path):
    recipe = {"teacher": "a.keras", "data": {"pipeline_cutout": None, "shuffle_buffer": 32}}
    first = _train(tmp_path, _config(), settings=recipe)
    changed = _config(attack=PGD(epsilon=16 / 255, step_size=4 / 255, steps=5), learning_rate=0.01)
    with pytest.raises(ConfigError) as error:
        _train(tmp_path, changed, settings={**recipe, "teacher": "b.keras", "data": {"pipeline_cutout": 4,
                                                                                    "shuffle_buffer": 32}})
    message = str(error.value)
    assert "holds a run with other settings" in message and "\n" not in message
    for difference in (f"attack.epsilon: {8 / 255!r} there, {16 / 255!r} now", "attack.steps: 1 there, 5 now",
                       f"attack.step_size: {2 / 255!r} there, {4 / 255!r} now", "learning_rate: 0.05 there, 0.01 now",
                       "teacher: 'a.keras' there, 'b.keras' now", "data.pipeline_cutout: None there, 4 now"):
        assert difference in message, difference
    # Checkpointing more often changes nothing computed: the finished run is reloaded.
    again = _train(tmp_path, _config(checkpoint_every_steps=2), settings=recipe)
    _assert_same_weights(again, first)


def _train(run_dir, config, **options):
    from igdtf.training import train_model

    return train_model(config, INFO, _train_batches(), str(run_dir), **options)


def test_more_epochs_need_extend_epochs_and_each_segment_is_recorded(tmp_path):
    _train(tmp_path / "run", _config(epochs=1))
    with pytest.raises(ConfigError, match=r"epochs: 1 there, 2 now \(add --extend_epochs to train it on\)"):
        _train(tmp_path / "run", _config(epochs=2))
    extended = _train(tmp_path / "run", _config(epochs=2), extend_epochs=True)
    _assert_same_weights(extended, _train(tmp_path / "straight", _config(epochs=2)))
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    assert [(s["first_epoch"], s["last_epoch"], s["settings"]["epochs"]) for s in record["segments"]] == \
        [(1, 1, 1), (2, 2, 2)]
    assert record["settings"]["epochs"] == 2
    assert len((tmp_path / "run" / "history.csv").read_text().splitlines()) == 3  # header + 2 epochs
    _assert_same_weights(_train(tmp_path / "run", _config(epochs=2)), extended)  # finished: reloaded
    with pytest.raises(ConfigError, match="epochs: 2 there, 1 now"):
        _train(tmp_path / "run", _config(epochs=1), extend_epochs=True)


def test_an_unreadable_model_keras_is_rebuilt_from_the_last_checkpoint(tmp_path, caplog):
    trained = _train(tmp_path, _config())
    final = tmp_path / "model.keras"
    final.write_bytes(b"")  # what a kill during a non-atomic save left
    with caplog.at_level(logging.WARNING, logger="igdtf.training"):
        rebuilt = _train(tmp_path, _config())
    assert f"{NOT_A_MODEL}: {final} (0 bytes, not a .keras zip archive). Rebuilding it" in caplog.text
    _assert_same_weights(rebuilt, trained)
    _assert_same_weights(keras.models.load_model(final, compile=False), trained)
    final.write_bytes(final.read_bytes()[:200])  # truncated, and no checkpoint to rebuild it from
    for name in os.listdir(tmp_path / "checkpoints"):
        os.remove(tmp_path / "checkpoints" / name)
    with pytest.raises(UnreadableFileError, match=f"{NOT_A_MODEL}: {final} .*no checkpoint to rebuild it from"):
        _train(tmp_path, _config())


def test_a_corrupt_checkpoint_falls_back_to_the_one_before_it(tmp_path, caplog):
    config = _config(checkpoint_every_steps=2)  # 4 steps per epoch: checkpoints after steps 2 and 4
    trained = _train(tmp_path, config)
    os.remove(tmp_path / "model.keras")  # as if killed before the final save
    latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    data = tf.io.gfile.glob(latest + ".data-*")[0]
    with open(data, "r+b") as f:
        f.truncate(10)
    with caplog.at_level(logging.INFO, logger="igdtf.training"):
        resumed = _train(tmp_path, config)
    assert f"Checkpoint {latest} cannot be read" in caplog.text and "(epoch 0, step 2)" in caplog.text
    _assert_same_weights(resumed, trained)
    os.remove(tmp_path / "model.keras")
    (tmp_path / "checkpoints" / "checkpoint").write_text("model_checkpoint_path: {")  # a corrupt state file
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="igdtf.training"):
        _assert_same_weights(_train(tmp_path, config), trained)  # the ckpt-N files are found without it
    assert f"resuming from {latest} (epoch 1, step 0)" in caplog.text
    os.remove(tmp_path / "model.keras")
    for name in tf.io.gfile.glob(str(tmp_path / "checkpoints" / "ckpt-*.index")):
        with open(name, "wb"):
            pass
    with pytest.raises(UnreadableFileError, match="No checkpoint in .*checkpoints can be read"):
        _train(tmp_path, config)


def test_a_corrupt_run_json_or_model_spec_is_named(tmp_path):
    _train(tmp_path, _config())
    (tmp_path / "run.json").write_text('{"identity": ')
    with pytest.raises(UnreadableFileError, match=f"{tmp_path / 'run.json'} is not readable JSON"):
        _train(tmp_path, _config())
    (tmp_path / "model_spec.json").write_text("")
    os.remove(tmp_path / "model.keras")  # export then needs the spec to rebuild the checkpoint
    with pytest.raises(UnreadableFileError, match=f"{tmp_path / 'model_spec.json'} is not readable JSON"):
        load_classifier(str(tmp_path))


def test_unreadable_model_files_are_one_clear_error(tmp_path):
    good = tmp_path / "good.keras"
    tiny_cnn().save(good)
    cases = {"empty.keras": b"", "text.keras": b"not a model\n", "truncated.keras": good.read_bytes()[:300]}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(UnreadableFileError, match=f"^{NOT_A_MODEL}: {tmp_path / name} "):
            load_teacher(str(tmp_path / name))
    saved_model = tmp_path / "saved"
    saved_model.mkdir()
    (saved_model / "saved_model.pb").write_bytes(b"\x00junk")
    with pytest.raises(UnreadableFileError, match=f"^{NOT_A_MODEL}: {saved_model} "):
        load_teacher(str(saved_model))


def test_export_of_a_run_with_an_unreadable_model_keras_uses_its_checkpoint(tmp_path, caplog):
    trained = _train(tmp_path, _config())
    (tmp_path / "model.keras").write_bytes(b"")
    with caplog.at_level(logging.WARNING, logger="igdtf.export"):
        loaded = load_classifier(str(tmp_path))
    assert loaded.source.startswith(str(tmp_path / "checkpoints" / "ckpt-"))
    assert f"{NOT_A_MODEL}: {tmp_path / 'model.keras'}" in caplog.text
    _assert_same_weights(loaded.model, trained)


def test_report_artefacts_that_cannot_be_read_are_named_with_the_remedy(tmp_path):
    (tmp_path / "outcomes.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(UnreadableFileError, match=f"{tmp_path / 'outcomes.npz'} cannot be read"):
        load_comparison(str(tmp_path))
    tiny_cnn().save(tmp_path / "model.keras")
    write_json(str(tmp_path / "best.json"), {"epoch": 1, "metric": "val_acc", "value": 0.5})
    (tmp_path / "best.keras").write_bytes(b"")
    with pytest.raises(UnreadableFileError, match=f"{NOT_A_MODEL}: {tmp_path / 'best.keras'} .*Delete best.keras "
                                                  "and best.json to report the final model.keras"):
        _load_for_evaluation(str(tmp_path))
    tiny_cnn().save(tmp_path / "best.keras")
    (tmp_path / "best.json").write_text("{")
    with pytest.raises(UnreadableFileError, match=f"{tmp_path / 'best.json'} is not readable JSON"):
        _load_for_evaluation(str(tmp_path))
    os.remove(tmp_path / "best.keras")
    model, selected = _load_for_evaluation(str(tmp_path))
    assert selected == {"checkpoint": "final", "segments": []}



def test_a_setting_an_older_run_json_lacks_is_skipped_with_a_warning(tmp_path, caplog):
    identity = _config().identity(INFO)
    write_run_file(str(tmp_path), identity, {"epochs": 1, "learning_rate": 0.05, "eval_attack": None})
    with caplog.at_level(logging.WARNING, logger="igdtf.training"):
        check_run_directory(str(tmp_path), identity, True, {"epochs": 1, "learning_rate": 0.05, "eval_attack": None,
                                                            "data": {"pipeline_cutout": 4}})
    assert "does not record data.pipeline_cutout (an older igdtf); not checked" in caplog.text
    attack = {"epsilon": 0.1, "steps": 2}  # recorded as None: a difference, not an unrecorded setting
    with pytest.raises(ConfigError, match=r"eval_attack.epsilon: None there, 0.1 now; eval_attack.steps: None there"):
        check_run_directory(str(tmp_path), identity, True, {"epochs": 1, "learning_rate": 0.05, "eval_attack": attack})
