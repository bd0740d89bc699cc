"""Path flags as users write them (igdtf/user_paths.py): ~ and $VARS expanded, relative paths made
absolute once, an unset variable refused in one line."""

import os
import subprocess
import sys

import pytest
from absl import flags

from igdtf.errors import ConfigError
from igdtf.user_paths import expand_path, expand_path_flags

from tests.conftest import tiny_cnn
from tests.training.test_resume_and_distribution import ROOT, _env


def test_expand_path(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("SCRATCH", "/scratch/me")
    monkeypatch.chdir(tmp_path)
    assert expand_path("~/runs/x") == str(tmp_path / "runs" / "x")
    assert expand_path("$SCRATCH/x/../y") == "/scratch/me/y"
    assert expand_path("${SCRATCH}/z") == "/scratch/me/z"
    assert expand_path("runs/rel") == str(tmp_path / "runs" / "rel")
    assert expand_path("gs://bucket/tfds") == "gs://bucket/tfds"
    monkeypatch.delenv("UNSET_FOR_IGDTF", raising=False)
    with pytest.raises(ConfigError, match=r"--output_dir=\$UNSET_FOR_IGDTF/x: the environment variable "
                                          "UNSET_FOR_IGDTF is not set"):
        expand_path("$UNSET_FOR_IGDTF/x", "output_dir")


def test_path_flags_specs_and_named_paths_are_expanded_others_left(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    values = flags.FlagValues()
    for name in ("output_dir", "teacher", "dataset", "method", "data_dir"):
        flags.DEFINE_string(name, None, "", flag_values=values, module_name="igdtf.recipes.example")
    flags.DEFINE_multi_string("model", [], "", flag_values=values, module_name="__main__")
    flags.DEFINE_string("log_dir", "", "", flag_values=values, module_name="absl.logging")
    values(["x", "--output_dir=~/out", "--teacher=~/t.keras", "--dataset=folder:~/images", "--method=~igd",
            "--model=a=~/a.keras", "--model=b=/abs/b", "--log_dir=~/absl"])
    expand_path_flags(values)
    assert values.output_dir == str(tmp_path / "out") and values.teacher == str(tmp_path / "t.keras")
    assert values.dataset == f"folder:{tmp_path / 'images'}"
    assert values.model == [f"a={tmp_path / 'a.keras'}", "b=/abs/b"]
    assert values.method == "~igd" and values.data_dir is None and values.log_dir == "~/absl"  # not igdtf's
    values(["x", "--dataset=tfds:~name", "--teacher=train"])
    expand_path_flags(values)
    assert values.dataset == "tfds:~name" and values.teacher == "train"  # a word, not a path
    (tmp_path / "run").mkdir()
    bare = flags.FlagValues()
    flags.DEFINE_multi_string("model", [], "", flag_values=bare, module_name="igdtf.cli.evaluate.flags")
    bare(["x", "--model=~/run", "--model=nothing_there"])  # bare paths: expanded if they exist, else as given
    expand_path_flags(bare)
    assert bare.model == [str(tmp_path / "run"), "nothing_there"]


def test_flags_of_the_module_run_as_main_are_expanded(monkeypatch, tmp_path):
    # `python -m igdtf.recipes.quickstart`: absl names the flags' module by sys.argv[0], a file path.
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["/site/igdtf/recipes/quickstart.py"])
    values = flags.FlagValues()
    flags.DEFINE_string("output_dir", None, "", flag_values=values, module_name=sys.argv[0])
    flags.DEFINE_string("other_dir", None, "", flag_values=values, module_name="/elsewhere/tool.py")
    values(["x", "--output_dir=~/quick", "--other_dir=~/other"])
    expand_path_flags(values)
    assert values.output_dir == str(tmp_path / "quick") and values.other_dir == "~/other"


def test_a_command_line_given_tilde_and_variables_writes_and_prints_the_absolute_folder(tmp_path):
    model = tmp_path / "tiny.keras"
    tiny_cnn().save(model)
    env = {**_env(), "HOME": str(tmp_path), "MODELS": str(tmp_path)}
    command = [sys.executable, "-m", "igdtf.export", "--checkpoint=$MODELS/tiny.keras", "--output=~/serving"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip().endswith(f"to {tmp_path / 'serving' / '1'}")
    assert (tmp_path / "serving" / "1" / "saved_model.pb").is_file() and not os.path.exists(os.path.join(ROOT, "~"))


def test_the_argparse_benchmark_expands_its_model_path(monkeypatch, tmp_path, capsys):
    from igdtf.benchmarks.autoattack import _parse

    monkeypatch.setenv("HOME", str(tmp_path))
    assert _parse(["--model=~/robust.keras"]).model == str(tmp_path / "robust.keras")
    assert _parse([]).model is None
    monkeypatch.delenv("UNSET_FOR_IGDTF", raising=False)
    with pytest.raises(SystemExit) as refused:
        _parse(["--model=$UNSET_FOR_IGDTF/m.keras"])
    assert refused.value.code == 2 and "the environment variable UNSET_FOR_IGDTF is not set" in capsys.readouterr().err
