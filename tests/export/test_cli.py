import os
import subprocess
import sys

import numpy as np
import tensorflow as tf

from igdtf.data.synthetic import shapes
from igdtf.data.registry import dataset_info
from igdtf.export import export_saved_model

from tests.export.runs import tiny_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _export_cli(*args):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", "igdtf.export", *args], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)


def test_cli_exports_an_unfinished_run_with_its_dataset_and_refuses_to_overwrite(tmp_path):
    run_dir, base = str(tmp_path / "run"), str(tmp_path / "serving" / "shapes_cnn")
    student = tiny_run(run_dir, dataset_info("shapes"), finished=False)
    export_saved_model(student, base, version=2)  # an older export in the way

    done = _export_cli("--checkpoint", run_dir, "--output", base, "--version", "2", "--overwrite", "--top_k", "3")
    assert done.returncode == 0, done.stderr[-3000:]
    path = os.path.join(base, "2")
    latest = tf.train.latest_checkpoint(os.path.join(run_dir, "checkpoints"))
    assert f"Exported {latest} (dataset: shapes) to {path}" in done.stdout
    with open(os.path.join(path, "assets", "class_names.txt")) as f:
        assert tuple(f.read().split()) == shapes.CLASS_NAMES
    x = np.random.default_rng(0).uniform(0, 1, (2, 32, 32, 3)).astype(np.float32)
    out = tf.saved_model.load(path).signatures["serving_default"](images=tf.constant(x))
    np.testing.assert_allclose(out["logits"].numpy(), student(x).numpy(), atol=1e-5)
    assert out["top_k_names"].shape == (2, 3)

    refused = _export_cli("--checkpoint", run_dir, "--output", base, "--version=2")
    assert refused.returncode == 2
    assert f"error: {path} already exists; choose another version or allow overwriting" in refused.stderr
    assert "Traceback" not in refused.stderr
