"""Fault injection: kill -9 at hook points (tests/kill_at.py) during a checkpoint write, the final
save, an export and an evaluation; the rerun must reach what an uninterrupted run reaches. And
the bad-input probes of the command lines: one line, exit code 2."""

import json
import os
import re
import signal
import subprocess
import sys

import numpy as np

from tests.conftest import tiny_cnn
from tests.recipes.test_evaluate import _shapes_model
from tests.recipes.test_recipes import ROOT, _run
from tests.training.test_resume_and_distribution import SCRIPT, _env, _finish, _max_difference, _weights

KILL_AT = os.path.join(ROOT, "tests", "kill_at.py")
_TF_NATIVE_LOG = re.compile(r"^([IWEF]\d{4} |WARNING: All log messages before absl::InitializeLog)")


def _assert_one_line_and_code_2(done, message) -> None:
    """Exit code 2 and, apart from TensorFlow's native start-up log, the one line `error: ...`."""
    lines = [line for line in done.stderr.strip().splitlines() if not _TF_NATIVE_LOG.match(line)]
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), done.stderr[-2000:]
    assert message in lines[0], (message, lines[0])


def _killed(hook: str, *command) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, KILL_AT, hook, *command], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)


def _assert_killed(process: subprocess.Popen) -> None:
    _, err = process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL, err[-3000:]


def _train(run_dir) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, SCRIPT, str(run_dir), "--epochs=1"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)


def test_a_kill_during_a_checkpoint_write_or_the_final_save_resumes_to_the_uninterrupted_weights(tmp_path):
    # run_check.py: 6 steps per epoch, a checkpoint every 2 steps; --deterministic ops and data.
    full = _train(tmp_path / "full")
    in_checkpoint = _killed("checkpoint:2", SCRIPT, str(tmp_path / "checkpoint"), "--epochs=1")  # at step 4
    in_final_save = _killed("save:model.keras", SCRIPT, str(tmp_path / "final"), "--epochs=1")
    expected = _weights(_finish(full))
    for process in (in_checkpoint, in_final_save):
        _assert_killed(process)
    assert not (tmp_path / "final" / "model.keras").exists()  # never half written
    assert [n for n in os.listdir(tmp_path / "final") if n.startswith(".model.keras.tmp-")]
    resumed = [_train(tmp_path / name) for name in ("checkpoint", "final")]
    for process, name in zip(resumed, ("checkpoint", "final")):
        assert _max_difference(_weights(_finish(process)), expected) == 0.0, name
        assert not [n for n in os.listdir(tmp_path / name) if n.startswith(".")], name  # stale copy removed


def _export(*args):
    return _run("igdtf.export", *args, timeout=300)


def test_a_killed_export_leaves_no_version_and_the_rerun_exports_it(tmp_path):
    model = tmp_path / "model.keras"
    tiny_cnn().save(model)
    base = tmp_path / "serving"
    _assert_killed(_killed("save:export", "-m", "igdtf.export", f"--checkpoint={model}", f"--output={base}"))
    assert not (base / "1").exists() and [n for n in os.listdir(base) if n.startswith(".export-1-")]
    done = _export(f"--checkpoint={model}", f"--output={base}")
    assert done.returncode == 0, done.stderr[-3000:]
    assert sorted(os.listdir(base)) == ["1"] and (base / "1" / "saved_model.pb").is_file()


def test_export_bad_inputs_are_one_line_and_exit_code_2(tmp_path):
    (tmp_path / "empty.keras").write_bytes(b"")
    (tmp_path / "a_file").write_text("")
    model = tmp_path / "model.keras"
    tiny_cnn().save(model)
    (tmp_path / "saved").mkdir()
    (tmp_path / "saved" / "saved_model.pb").write_bytes(b"")
    cases = {
        (f"--checkpoint={tmp_path / 'saved'}", f"--output={tmp_path / 'out'}"):
            f"error: --checkpoint={tmp_path / 'saved'} is a SavedModel, which is exported already",
        (f"--checkpoint={tmp_path / 'empty.keras'}", f"--output={tmp_path / 'out'}"):
            f"error: not a readable Keras model or SavedModel: {tmp_path / 'empty.keras'} (0 bytes",
        (f"--checkpoint={model}", f"--output={tmp_path / 'a_file' / 'serving'}"):
            f"error: --output={tmp_path / 'a_file' / 'serving'} cannot be written (Not a directory)",
        (f"--checkpoint={model}", "--output"): "error: Missing value for flag --output (--helpfull lists every flag).",
    }
    for args, message in cases.items():
        _assert_one_line_and_code_2(_export(*args), message)


def _evaluate(model, out, *extra):
    return ["-m", "igdtf.evaluate", f"--model=a={model}", "--dataset=shapes", "--dataset_option=num_samples=8",
            "--batch_size=8", "--suite=clean,pgd", "--pgd_steps=1", "--figure_images=0", "--noprogress",
            f"--output_dir={out}", *extra]


def test_a_killed_evaluation_leaves_no_report_and_the_rerun_matches_an_uninterrupted_one(tmp_path):
    model = _shapes_model(str(tmp_path / "a.keras"))
    full = subprocess.Popen([sys.executable, *_evaluate(model, tmp_path / "full")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(), cwd=ROOT)
    _assert_killed(_killed("save:report.json", *_evaluate(model, tmp_path / "killed")))
    full.communicate(timeout=300)
    assert full.returncode == 0
    assert not (tmp_path / "killed" / "report.json").exists()  # report.json is written last
    again = _run(*_evaluate(model, tmp_path / "killed")[1:])  # the folder holds the killed run's files
    _assert_one_line_and_code_2(again, f"--output_dir={tmp_path / 'killed'} is not empty (it holds outcomes.npz, "
                                       "report.md); pass --overwrite")
    done = _run(*_evaluate(model, tmp_path / "killed", "--overwrite")[1:])
    assert done.returncode == 0, done.stderr[-3000:]
    reports = [json.loads((tmp_path / name / "report.json").read_text()) for name in ("full", "killed")]
    assert reports[0]["models"] == reports[1]["models"]
    outcomes = [np.load(tmp_path / name / "outcomes.npz") for name in ("full", "killed")]
    assert outcomes[0].files == outcomes[1].files
    for key in outcomes[0].files:
        np.testing.assert_array_equal(outcomes[0][key], outcomes[1][key], err_msg=key)


def test_flag_errors_stray_arguments_and_unwritable_folders_are_one_line_and_exit_code_2(tmp_path):
    (tmp_path / "a_file").write_text("")
    (tmp_path / "m.keras").write_text("")
    unwritable = tmp_path / "a_file" / "out"
    cases = {
        ("igdtf.recipes.quickstart", "--smoke", f"--output_dir={unwritable}"):
            f"error: --output_dir={unwritable} cannot be written (Not a directory); choose a folder you can write to",
        ("igdtf.evaluate", f"--model=a={tmp_path / 'm.keras'}", "--dataset=shapes", f"--output_dir={unwritable}"):
            f"error: --output_dir={unwritable} cannot be written (Not a directory)",
        ("igdtf.recipes.quickstart", "--smoke", str(tmp_path / "out")):
            f"error: Unexpected arguments ['{tmp_path / 'out'}']; every setting is a --flag",
        ("igdtf.recipes.quickstart", "--smokee"): "error: Unknown command line flag 'smokee'",
        ("igdtf.recipes.tinyimagenet", "--method=nope"): "error: flag --method=nope: value should be one of",
        ("igdtf.evaluate", "--batch_size=many"): "error: flag --batch_size=many: invalid literal for int()",
    }
    for args, message in cases.items():
        _assert_one_line_and_code_2(_run(*args, timeout=300), message)
    assert not (tmp_path / "out").exists()
