"""A full disk is one line and exit code 2 in training, evaluation and export: temporary files
removed, the last good checkpoint intact, and after freeing space the rerun reaches the
uninterrupted run's weights with one history row per epoch. Writes fail through the hooks of
tests/kill_at.py ("enospc:...") and, where this process may mount one, on a small real tmpfs."""

import os
import subprocess
import sys

import pytest

from tests.conftest import tiny_cnn
from tests.recipes.test_evaluate import _shapes_model
from tests.training.test_faults import KILL_AT, _assert_one_line_and_code_2, _evaluate
from tests.training.test_resume_and_distribution import ROOT, SCRIPT, _env, _finish, _max_difference, _weights

NO_SPACE = "No space left on device"


def _command(*args, hook: str | None = None) -> list[str]:
    return [sys.executable, *([KILL_AT, hook] if hook else []), *args]


def _start(*args, hook: str | None = None) -> subprocess.Popen:
    return subprocess.Popen(_command(*args, hook=hook), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=_env(), cwd=ROOT)


def _done(process: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = process.communicate(timeout=300)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def _hidden(folder) -> list[str]:
    """Temporary files and folders left anywhere below `folder`."""
    return [os.path.join(root, name) for root, dirs, files in os.walk(folder) for name in dirs + files
            if name.startswith(".") or name.endswith("_temp") or ".tmp" in name]


def _error_line(done: subprocess.CompletedProcess) -> str:
    """The last line of a run_check.py run that must end with exit code 2 (its stderr also holds
    Keras' warnings, which the command lines' one-line check does not allow)."""
    assert done.returncode == 2, done.stderr[-3000:]
    return done.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def one_epoch(tmp_path_factory):
    """The final weights and history of an uninterrupted one-epoch run of run_check.py."""
    run_dir = tmp_path_factory.mktemp("full") / "run"
    return _weights(_finish(_start(SCRIPT, str(run_dir), "--epochs=1"))), (run_dir / "history.csv").read_text()


def test_a_full_disk_in_a_checkpoint_then_in_the_history_is_one_line_and_the_rerun_is_exact(tmp_path, one_epoch):
    # Saves of epoch 1 (6 steps): steps 2 and 4, before step 6, then history.csv and the epoch's end.
    run_dir, checkpoints = tmp_path / "run", tmp_path / "run" / "checkpoints"
    line = _error_line(_done(_start(SCRIPT, str(run_dir), "--epochs=1", hook="enospc:checkpoint:3")))
    assert line.startswith(f"error: Cannot write {checkpoints / 'ckpt-5'}: {NO_SPACE} ("), line
    assert line.endswith(f"The last good checkpoint, {checkpoints / 'ckpt-4'} (epoch 1 step 4), is kept."), line
    assert sorted(os.listdir(checkpoints)) == ["checkpoint", "ckpt-2.data-00000-of-00001", "ckpt-2.index",
                                               "ckpt-4.data-00000-of-00001", "ckpt-4.index"]  # no ckpt-5_temp
    # The rerun resumes at step 4 and fails again, writing history.csv at the epoch's end.
    line = _error_line(_done(_start(SCRIPT, str(run_dir), "--epochs=1", hook="enospc:save:history.csv")))
    assert line.startswith(f"error: Cannot write {run_dir / 'history.csv'}: {NO_SPACE} ("), line
    assert not _hidden(run_dir), _hidden(run_dir)
    # Space freed: the same command resumes from the checkpoint before step 6.
    assert _max_difference(_weights(_finish(_start(SCRIPT, str(run_dir), "--epochs=1"))), one_epoch[0]) == 0.0
    assert (run_dir / "history.csv").read_text() == one_epoch[1]


def _mount_tmpfs(folder, size: str) -> bool:
    os.makedirs(folder)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True).returncode == 0


def test_on_a_real_full_tmpfs_training_stops_in_one_line_and_resumes_exactly(tmp_path, one_epoch):
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, "6m"):
        pytest.skip("mounting a tmpfs needs root; the patched writes above cover the same paths")
    try:
        run_dir = disk / "run"
        line = _error_line(_done(_start(SCRIPT, str(run_dir), "--epochs=1", "--fill_disk_at=3")))
        assert line.startswith(f"error: Cannot write {run_dir}") and NO_SPACE in line, line
        assert "The last good checkpoint" in line and not _hidden(run_dir)
        os.remove(str(run_dir) + ".ballast")
        assert _max_difference(_weights(_finish(_start(SCRIPT, str(run_dir), "--epochs=1"))), one_epoch[0]) == 0.0
        assert (run_dir / "history.csv").read_text() == one_epoch[1]
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_in_evaluation_and_export_is_one_line_and_leaves_no_temporary_file(tmp_path):
    model = _shapes_model(str(tmp_path / "a.keras"))
    evaluation = _start(*_evaluate(model, tmp_path / "eval"), hook="enospc:save:report.json")
    tiny = tmp_path / "tiny.keras"
    tiny_cnn().save(tiny)
    export = _start("-m", "igdtf.export", f"--checkpoint={tiny}", f"--output={tmp_path / 'serving'}",
                    hook="enospc:save:export")
    _assert_one_line_and_code_2(_done(evaluation), f"error: Cannot write {tmp_path / 'eval' / 'report.json'}: "
                                                   f"{NO_SPACE} (")
    _assert_one_line_and_code_2(_done(export), f"error: Cannot write {tmp_path / 'serving' / '1'}: {NO_SPACE} (")
    assert not _hidden(tmp_path / "eval") and not (tmp_path / "eval").exists()  # emptied: the same command runs again
    assert not (tmp_path / "serving").exists()  # created by the export, and removed as it stayed empty
