"""Refused writes as one line (igdtf/runs/write_errors.py): the path, the reason, free and needed space,
what was kept, temporaries removed; cli.run's last resort for a full disk no write site named,
which leaves a read's permission error alone."""

import errno
import os
import subprocess
import sys
import textwrap

import pytest

from igdtf.errors import WriteError
from igdtf.runs.write_errors import failed_path, is_write_failure, writing

from tests.training.test_resume_and_distribution import ROOT


def test_a_full_disk_in_a_block_is_one_write_error_naming_path_space_and_what_was_kept(tmp_path, monkeypatch):
    monkeypatch.setattr("igdtf.runs.write_errors.free_space", lambda path: 1_000_000)
    target, temporary = tmp_path / "model.keras", tmp_path / "model.keras_temp"
    temporary.write_bytes(b"partial")
    with pytest.raises(WriteError) as raised:
        with writing(str(target), needed=3_000_000, kept=lambda: "The last checkpoint is kept.",
                     cleanup=[str(tmp_path / "*_temp")]):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(temporary))
    message = str(raised.value)
    assert message.startswith(f"Cannot write {target}: No space left on device (") and "about 3.0 MB needed" in message
    assert message.endswith("and run the same command again. The last checkpoint is kept."), message
    assert not temporary.exists()  # removed, and so not named either
    short = r"\(1.0 MB free, more than that needed\)\. Free space"  # an estimate short of the free space
    with pytest.raises(WriteError, match=short):
        with writing(str(target), needed=800_000):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
    with pytest.raises(KeyError):  # anything else passes through unchanged
        with writing(str(target)):
            raise KeyError("x")


def test_tensorflow_write_errors_are_recognised_by_their_reason_and_path():
    import tensorflow as tf

    error = tf.errors.ResourceExhaustedError(None, None, "{{function_node __wrapped__SaveV2}} /r/ckpt-5_temp/part"
                                                         ".data.tempstate12; No space left on device [Op:SaveV2]")
    assert is_write_failure(error) and failed_path(error) == "/r/ckpt-5_temp/part.data"
    assert not is_write_failure(tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor"))
    assert not is_write_failure(PermissionError(errno.EACCES, "Permission denied"), errnos={errno.ENOSPC})


# cli.run around a main that raises OSError(argv[2]) for the file argv[3]; igdtf.cli is loaded
# without the package's __init__ (no TensorFlow: fast).
MAIN = textwrap.dedent("""
    import errno, os, sys, types
    package = types.ModuleType("igdtf")
    package.__path__ = [sys.argv[1] + "/igdtf"]
    sys.modules["igdtf"] = package
    from igdtf.cli import run
    code, path = getattr(errno, sys.argv.pop(2)), sys.argv.pop(2)

    def main(argv):
        raise OSError(code, os.strerror(code), path)

    sys.argv = sys.argv[1:]
    run(main)
""")


@pytest.mark.parametrize("code,exit_code,last_line", [
    ("ENOSPC", 2, "error: Cannot write {path}: No space left on device ("),
    ("EACCES", 1, "PermissionError: [Errno 13] Permission denied: '{path}'"),  # maybe a read: a traceback
])
def test_cli_turns_a_full_disk_no_write_site_named_into_one_line(tmp_path, code, exit_code, last_line):
    path = tmp_path / "figure.png"
    done = subprocess.run([sys.executable, "-c", MAIN, ROOT, code, str(path)], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == exit_code, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith(last_line.format(path=path)), done.stderr
