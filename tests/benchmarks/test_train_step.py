"""The training-step benchmark: its CLI end to end on a tiny setting, candidate selection, and
the plain-TensorFlow reference steps doing exactly what the trainers do."""

import os
import re
import subprocess
import sys
import time

import keras
import numpy as np
import pytest
import tensorflow as tf

from igdtf.attacks import PGD
from igdtf.benchmarks.candidates import ALL, selected_candidates
from igdtf.benchmarks.plain_steps import make_plain_step
from igdtf.benchmarks.timing import round_robin
from igdtf.methods import build_trainer

from tests.conftest import tiny_cnn

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LINE = (r"^{name}\s+[\d.]+ ms/step \(min [\d.]+, max [\d.]+\)\s+[\d.]+ images/s\s+[\d.]+x pgdat  \(warm-up \d+ s\)  "
        r"cpu \d+ ms/step$")


def test_cli_prints_one_line_per_method_with_settings_and_ratios():
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "igdtf.benchmarks.train_step", "--method=all", "--arch=small_cnn",
         "--image_size=8", "--batch=4", "--steps=2", "--xla=off", "--layers=both", "--threads=1"],
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "small_cnn 8x8x3, batch 4, 2 timed steps each" in out
    for setting in ("device CPU", "strategy _DefaultDistributionStrategy", "threads 1", "XLA off", "layers both",
                    "precision float32",
                    "load average", "peak host RSS of the process"):
        assert setting in out, (setting, out)
    for name in ALL:
        for label in (name, re.escape(name + "+stock")):
            assert re.search(LINE.format(name=label), out, re.MULTILINE), (label, out)
    for reference in ("pgdat", re.escape("pgdat+stock")):  # each setting's ratios are to its own pgdat
        assert re.search(rf"^{reference}\s.*\s1\.00x pgdat  \(warm-up", out, re.MULTILINE), out


def test_an_architecture_that_cannot_be_built_is_one_line_naming_the_flag():
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    for arch, message in (("not_a_module:net", "cannot import module 'not_a_module'"),
                          ("wrn99", "Unknown architecture 'wrn99'")):
        done = subprocess.run([sys.executable, "-m", "igdtf.benchmarks.train_step", f"--arch={arch}"],
                              capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.strip().splitlines()[-1].startswith(f"error: --arch={arch}: {message}"), done.stderr[-500:]


def test_method_all_expands_and_unknown_names_are_refused():
    assert selected_candidates(["all"]) == ALL
    assert selected_candidates(["igd", "all", "standard"]) == ("igd", "pgdat", "plain_pgdat", "plain_igd", "standard")
    with pytest.raises(ValueError, match="Unknown method 'nope'. Allowed: all, igd, pgdat"):
        selected_candidates(["nope"])


def test_round_robin_counts_cpu_time_apart_from_waiting():
    """The `cpu ... ms/step` field: CPU seconds of the process, which a call that waits (here:
    sleeps; on a shared machine: for a core) does not accumulate."""

    def spin():
        end = time.process_time() + 0.05
        while time.process_time() < end:
            pass

    timings = round_robin({"spin": spin, "sleep": lambda: time.sleep(0.05)}, repeats=2, warmup=0)
    assert len(timings["spin"].cpu_seconds) == 2 and timings["spin"].cpu_median >= 0.05
    assert timings["sleep"].median >= 0.05 and timings["sleep"].cpu_median < 0.02


@pytest.mark.parametrize("method", ["igd"])  # IGD's step contains PGDAT's
def test_plain_step_updates_the_weights_exactly_as_the_trainer(method, batch):
    x, y = batch
    student, plain_student, teacher = tiny_cnn(0), tiny_cnn(0), tiny_cnn(1)
    attack = PGD(steps=2, random_start=False)
    options = {"teacher": teacher, "igd_lambda": 2.0} if method == "igd" else {}
    trainer = build_trainer(method, student, attack=attack, weight_decay=5e-4, **options)
    trainer.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    trainer.train_on_batch(x, y)
    step = make_plain_step(plain_student, teacher if method == "igd" else None, steps=2, random_start=False)
    step(tf.constant(x), tf.constant(y), tf.constant([0, 0], tf.int64))
    moved = max(np.abs(a - b).max() for a, b in zip(student.get_weights(), tiny_cnn(0).get_weights()))
    assert moved > 1e-3
    for trained, plain in zip(student.get_weights(), plain_student.get_weights()):
        np.testing.assert_allclose(trained, plain, atol=1e-5)


@pytest.mark.parametrize("method", ["igd"])  # IGD's step contains PGDAT's
def test_xla_step_equals_the_default_step(method, batch):
    """The benchmark's +xla candidates time the same computation: one trainer step compiled with
    XLA gives the default step's metrics and weights. ε = 0 keeps x' = x: with ε > 0, PGD's
    sign() turns a rounding difference in a near-zero gradient component into a whole step."""
    x, y = batch
    results = []
    for jit_compile in (False, True):
        student = tiny_cnn(0)
        options = {"teacher": tiny_cnn(1)} if method == "igd" else {}
        trainer = build_trainer(method, student, attack=PGD(epsilon=0.0, steps=2), weight_decay=5e-4,
                                **options)
        trainer.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9), jit_compile=jit_compile)
        logs = trainer.train_on_batch(x, y, return_dict=True)
        results.append((logs, student.get_weights()))
    (logs, weights), (xla_logs, xla_weights) = results
    assert set(logs) == set(xla_logs)
    for name in logs:
        np.testing.assert_allclose(xla_logs[name], logs[name], rtol=1e-5, atol=1e-6)
    for default, compiled in zip(weights, xla_weights):
        np.testing.assert_allclose(compiled, default, atol=1e-5)


def test_cli_times_every_training_attack_and_precision_with_the_method_in_each_line():
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(
        [sys.executable, "-m", "igdtf.benchmarks.train_step", "--method=pgdat,igd", "--arch=small_cnn",
         "--image_size=8", "--batch=4", "--steps=1", "--train_attack=pgd,n_fgsm",
         "--attack_precision=float32,bfloat16"],
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "training attacks pgd/float32, pgd/bfloat16, n_fgsm/float32, n_fgsm/bfloat16" in out
    for method in ("pgdat", "igd"):
        assert re.search(LINE.format(name=method), out, re.MULTILINE), (method, out)
        for suffix in ("+bfloat16", "+n_fgsm", "+n_fgsm+bfloat16"):
            label = re.escape(method + suffix)
            assert re.search(rf"^{label}\s+[\d.]+ ms/step .* images/s\s+[\d.]+x pgdat  speed-up [\d.]+x vs {method}  "
                             r"\(warm-up", out, re.MULTILINE), (label, out)
    bad = subprocess.run([sys.executable, "-m", "igdtf.benchmarks.train_step", "--train_attack=fgsm"],
                         capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert bad.returncode == 2 and "Unknown training attack 'fgsm'. Allowed: fgsm_rs, n_fgsm, pgd" in bad.stderr
