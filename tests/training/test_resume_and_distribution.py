"""Exact resume after SIGKILL, MirroredStrategy on 2 logical CPUs and MultiWorkerMirroredStrategy
with two local worker processes, all against one-device runs of tests/training/run_check.py."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf

SCRIPT = os.path.join(os.path.dirname(__file__), "run_check.py")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _env(**extra) -> dict:
    return {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""), **extra}


def _start(output_dir, *args, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, SCRIPT, str(output_dir), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=_env(**env), cwd=ROOT)


def _finish(process: subprocess.Popen, timeout: int = 300) -> dict:
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def _weights(result: dict) -> list:
    archive = np.load(result["weights"])
    return [archive[name] for name in archive.files]


def _checkpoint_values(run_dir) -> dict:
    reader = tf.train.load_checkpoint(tf.train.latest_checkpoint(os.path.join(run_dir, "checkpoints")))
    return {key: reader.get_tensor(key) for key in reader.get_variable_to_shape_map()
            if not key.startswith("_CHECKPOINTABLE_OBJECT_GRAPH")}


def _max_difference(a: list, b: list) -> float:
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


def test_a_killed_run_resumes_to_exactly_the_uninterrupted_state(tmp_path):
    full = _start(tmp_path / "full", "--epochs=3")
    killed = _start(tmp_path / "killed", "--epochs=3", "--kill_at=15")  # mid-epoch 3 (6 steps/epoch)
    full_result = _finish(full)
    killed.communicate(timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert not os.path.exists(tmp_path / "killed" / "model.keras")
    position = _checkpoint_values(tmp_path / "killed")
    epoch, step = (position[f"state/{name}/.ATTRIBUTES/VARIABLE_VALUE"] for name in ("epoch", "step"))
    assert (epoch, step) == (2, 2)  # the checkpoint of step 14: epoch 3, two steps in
    resumed_result = _finish(_start(tmp_path / "killed", "--epochs=3"))

    assert _max_difference(_weights(full_result), _weights(resumed_result)) == 0.0
    full_state, resumed_state = _checkpoint_values(tmp_path / "full"), _checkpoint_values(tmp_path / "killed")
    assert full_state.keys() == resumed_state.keys()
    for key in full_state:  # weights, optimizer slots, lr, step, plateau and best state, metric sums
        np.testing.assert_array_equal(full_state[key], resumed_state[key], err_msg=key)
    for name in ("history.csv", "best.json"):
        assert (tmp_path / "full" / name).read_text() == (tmp_path / "killed" / name).read_text()
    with open(tmp_path / "full" / "history.csv") as f:
        rows = list(csv.DictReader(f))
    assert [float(row["lr"]) for row in rows] == pytest.approx([0.05, 0.05, 0.05])
    assert full_state["state/plateau_wait/.ATTRIBUTES/VARIABLE_VALUE"] == 0
    _check_tensorboard(tmp_path / "full" / "tensorboard")


def _check_tensorboard(log_dir) -> None:
    """Scalars of every loss term, lr, clean and PGD accuracy and Gini; images; hparams."""
    tags, plugins = set(), set()
    for name in os.listdir(log_dir):
        for event in tf.compat.v1.train.summary_iterator(str(log_dir / name)):
            for value in event.summary.value:
                tags.add(value.tag)
                plugins.add(value.metadata.plugin_data.plugin_name)
    for tag in ("train/loss", "train/ce", "train/acc", "train/lr", "epoch/loss", "epoch/lr", "epoch/val_acc",
                "epoch/val_pgd_acc", "epoch/probe_gini_global", "epoch/probe_gini_regional",
                "probe/images", "probe/saliency"):
        assert tag in tags, tag
    assert "hparams" in plugins and "images" in plugins


@pytest.fixture(scope="module")
def one_device(tmp_path_factory):
    """Weights and history of one epoch on the default strategy (PGD without random start, so
    that replicas draw nothing of their own)."""
    run_dir = tmp_path_factory.mktemp("one_device") / "run"
    result = _finish(_start(run_dir, "--epochs=1", "--random_start=0"))
    return _weights(result), (run_dir / "history.csv").read_text()


def _history_difference(a: str, b: str) -> float:
    rows = [list(csv.DictReader(text.splitlines())) for text in (a, b)]
    return max(abs(float(x[k]) - float(y[k])) for x, y in zip(*rows) for k in x)


def test_mirrored_on_two_logical_cpus_matches_one_device(tmp_path, one_device):
    result = _finish(_start(tmp_path / "mirrored", "--epochs=1", "--random_start=0", "--strategy=mirrored"))
    assert _max_difference(_weights(result), one_device[0]) < 1e-5
    assert _history_difference((tmp_path / "mirrored" / "history.csv").read_text(), one_device[1]) < 1e-5


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_two_workers_on_loopback_match_one_device(tmp_path, one_device):
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = [
        _start(tmp_path / "workers", "--epochs=1", "--random_start=0", "--strategy=multi_worker",
               TF_CONFIG=json.dumps({"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}))
        for i in range(2)
    ]
    try:
        results = [_finish(p, timeout=400) for p in processes]
    finally:
        for p in processes:
            if p.poll() is None:
                p.kill()
    for result in results:
        assert _max_difference(_weights(result), one_device[0]) < 1e-5
    assert _history_difference((tmp_path / "workers" / "history.csv").read_text(), one_device[1]) < 1e-5
    leftovers = [name for name in os.listdir(tmp_path) if name.startswith(".worker_scratch")]
    assert leftovers == []  # worker 1 wrote its copies to scratch and removed it
    for name in ("model.keras", "best.keras", "run.json"):
        assert (tmp_path / "workers" / name).is_file()
