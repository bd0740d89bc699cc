"""Opt-in parity check against torchattacks (slow: tens of minutes on 2 CPU cores).

  IGDTF_TORCH_PYTHON=/path/to/venv-torch/bin/python python -m pytest -m slow tests/attacks/test_autoattack_parity.py

Needs a Python with torch, torchattacks and keras (IGDTF_TORCH_PYTHON, default: this one).
Uses the models in IGDTF_PARITY_MODELS ("name=path,name=path") or, without it, trains a small
standard and a small PGDAT model on Shapes first. Skipped unless `-m slow` is given and torch
and torchattacks import in that Python.
"""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _torch_python() -> str:
    python = os.environ.get("IGDTF_TORCH_PYTHON", sys.executable)
    probe = subprocess.run([python, "-c", "import torch, torchattacks, keras"], capture_output=True,
                           env=dict(os.environ, KERAS_BACKEND="torch"))
    if probe.returncode != 0:
        pytest.skip(f"torch/torchattacks/keras not importable by {python}; set IGDTF_TORCH_PYTHON.")
    return python


def _train_small_models(directory) -> dict:
    from igdtf.attacks import PGD
    from igdtf.data.pipeline import training_pipeline
    from igdtf.data.registry import dataset_info, load_split
    from igdtf.training import TrainConfig, train_model

    info = dataset_info("shapes")
    train = training_pipeline(load_split("shapes", "train", num_samples=2000, texture_amplitude=4 / 255), 64, seed=0)
    common = dict(arch="small_cnn", arch_options={"width": 16}, batch_size=64, optimizer="adam",
                  learning_rate=1e-3, weight_decay=0.0, attack=PGD(steps=3, step_size=4 / 255))
    paths = {}
    for method, epochs in (("standard", 2), ("pgdat", 4)):
        out = os.path.join(directory, method)
        train_model(TrainConfig(method=method, epochs=epochs, **common), info, train, out)
        paths[method] = os.path.join(out, "model.keras")
    return paths


def test_autoattack_agrees_with_torchattacks_within_one_point(tmp_path):
    python = _torch_python()
    if os.environ.get("IGDTF_PARITY_MODELS"):
        models = dict(item.split("=", 1) for item in os.environ["IGDTF_PARITY_MODELS"].split(","))
    else:
        models = _train_small_models(str(tmp_path / "models"))
    command = [sys.executable, os.path.join(ROOT, "scripts", "autoattack_parity.py"), "--torch_python", python,
               "--num_samples", "200", "--output_dir", str(tmp_path / "parity")]
    for name, path in models.items():
        command += ["--model", f"{name}={path}"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT,
                            env=dict(os.environ, PYTHONPATH=ROOT))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "| yes |" in result.stdout
