"""SIGTERM and SIGINT stop a run gracefully (a checkpoint at the exact data position, one line,
exit 143 / 130) and the rerun reaches the uninterrupted run's state bit for bit; a second signal
stops at once; the stop handlers outside a training loop."""

import json
import signal
import subprocess
import sys
import textwrap

import numpy as np

from tests.training.test_resume_and_distribution import (
    ROOT, _checkpoint_values, _env, _finish, _free_ports, _max_difference, _start, _weights,
)

POSITION = ("state/epoch/.ATTRIBUTES/VARIABLE_VALUE", "state/step/.ATTRIBUTES/VARIABLE_VALUE")


def _stopped(process: subprocess.Popen, code: int) -> str:
    _, err = process.communicate(timeout=300)
    assert process.returncode == code, err[-3000:]
    return err.strip().splitlines()[-1]


def test_sigint_during_validation_then_sigterm_mid_epoch_resume_to_the_uninterrupted_state(tmp_path):
    # run_check.py: 3 epochs of 6 steps, validation after each, a checkpoint every 2 steps.
    full = _start(tmp_path / "full", "--epochs=3")
    stopped = tmp_path / "stopped"
    # Ctrl-C during epoch 1's validation: the checkpoint written before the epoch's last step is kept.
    line = _stopped(_start(stopped, "--epochs=3", "--signal_at=val:1", "--signal=INT"), 130)
    assert line == "stopped by SIGINT at epoch 1 step 5; rerun the same command to resume"
    assert _position(stopped) == (0, 5) and not (stopped / "history.csv").exists()
    # The rerun resumes there; SIGTERM after optimizer step 15 stops it at that step's end.
    line = _stopped(_start(stopped, "--epochs=3", "--signal_at=15"), 143)
    assert line == "stopped by SIGTERM at epoch 3 step 3; rerun the same command to resume"
    assert _position(stopped) == (2, 3) and not (stopped / "model.keras").exists()
    assert _max_difference(_weights(_finish(_start(stopped, "--epochs=3"))), _weights(_finish(full))) == 0.0
    full_state, state = _checkpoint_values(tmp_path / "full"), _checkpoint_values(stopped)
    for key in set(full_state) - {"save_counter/.ATTRIBUTES/VARIABLE_VALUE"}:  # the stops saved twice more
        np.testing.assert_array_equal(full_state[key], state[key], err_msg=key)  # weights, slots, metric sums...
    for file in ("history.csv", "best.json"):  # one history row per epoch
        assert (stopped / file).read_text() == (tmp_path / "full" / file).read_text(), file


def _position(run_dir) -> tuple[int, int]:
    values = _checkpoint_values(run_dir)
    return tuple(int(values[key]) for key in POSITION)


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, env=_env(),
                          cwd=ROOT, timeout=60)


def test_outside_training_a_signal_stops_at_once_and_a_second_one_ends_the_process():
    done = _python("""
        import os, signal, sys
        from igdtf.stop_signals import StopRequested, deferring_stops, handling_stop_signals, requested_signal
        with handling_stop_signals():
            try:
                os.kill(os.getpid(), signal.SIGINT)  # outside a training loop: raised at once
            except StopRequested as stop:
                print(stop.exit_code, stop)
        assert requested_signal() is None  # reset when the handlers are removed
        with handling_stop_signals(), deferring_stops():
            os.kill(os.getpid(), signal.SIGTERM)  # in a training loop: only a flag
            print("deferred", requested_signal() == signal.SIGTERM, flush=True)
            os.kill(os.getpid(), signal.SIGTERM)  # the second one ends the process
            print("not reached")
    """)
    assert done.returncode == 143, done.stderr
    assert done.stdout.splitlines() == ["130 stopped by SIGINT; rerun the same command to resume", "deferred True"]
    assert "second SIGTERM: stopped at once" in done.stderr
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # (this process is untouched)


def test_a_nan_loss_stops_at_once_with_one_line_and_keeps_the_last_good_checkpoint(tmp_path):
    run = _start(tmp_path / "nan", "--epochs=3", "--poison_at=8")  # a NaN weight from step 9 on
    _, err = run.communicate(timeout=300)
    assert run.returncode == 2, err[-3000:]
    checkpoint = tmp_path / "nan" / "checkpoints" / "ckpt-8"
    assert err.strip().splitlines()[-1] == (
        "error: pgdat: the training loss became nan at epoch 2 step 3 (the run diverged); lower the learning rate "
        "(--learning_rate, 0.05 here), e.g. tenfold, and train into a new --output_dir. The last good checkpoint, "
        f"{checkpoint} (epoch 2 step 2), is kept.")
    values = _checkpoint_values(tmp_path / "nan")
    assert _position(tmp_path / "nan") == (1, 2)
    assert all(np.isfinite(v).all() for v in values.values() if np.issubdtype(np.asarray(v).dtype, np.floating))
    assert (tmp_path / "nan" / "history.csv").read_text().count("\n") == 2  # epoch 1 only


def test_an_update_that_leaves_a_nan_weight_is_never_checkpointed(tmp_path):
    # A finite loss whose update overflowed: the weights are checked before every save.
    import keras
    import pytest
    import tensorflow as tf

    from igdtf.errors import TrainingDiverged
    from igdtf.training.callbacks import RunCheckpoint
    from igdtf.training.checkpoints import RunState
    from igdtf.training.stops import DivergenceStop

    student = keras.Sequential([keras.Input((2,)), keras.layers.Dense(3)])
    optimizer = keras.optimizers.SGD()
    state = RunState()
    manager = tf.train.CheckpointManager(tf.train.Checkpoint(student=student, state=state), str(tmp_path), 3)
    checkpoint = RunCheckpoint(manager, state, optimizer, steps_per_epoch=6, every_steps=2)
    divergence = DivergenceStop("standard", 0.1, False, student, checkpoint.last_checkpoint)
    checkpoint.before_save = divergence.check_weights
    for callback in (divergence, checkpoint):
        callback.on_epoch_begin(0)
        callback.on_train_batch_end(1, {"loss": 0.5})  # step 2: saved
    student.weights[0].assign(np.full((2, 3), np.inf, "float32"))
    optimizer.iterations.assign(4)
    divergence.on_train_batch_end(3, {"loss": 0.5})
    with pytest.raises(TrainingDiverged, match=r"^standard: a weight became NaN or infinite at epoch 1 step 4 .*"
                                               r"lower the learning rate \(--learning_rate, 0.1 here\).* The last good "
                                               r"checkpoint, .*ckpt-0 \(epoch 1 step 2\), is kept\.$"):
        checkpoint.on_train_batch_end(3, {"loss": 0.5})  # step 4: not saved
    assert manager.checkpoints == [str(tmp_path / "ckpt-0")]
    with pytest.raises(TrainingDiverged, match="a weight became NaN or infinite at epoch 1 step 4"):
        divergence.on_epoch_end(0)  # before the best model and history.csv of the epoch


def _workers(run_dir, *worker_1_args) -> list[subprocess.Popen]:
    addresses = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    return [_start(run_dir, "--epochs=1", "--random_start=0", "--strategy=multi_worker", *(worker_1_args if i else ()),
                   TF_CONFIG=json.dumps({"cluster": {"worker": addresses}, "task": {"type": "worker", "index": i}}))
            for i in range(2)]


def test_a_sigterm_to_one_worker_stops_both_at_the_same_step_and_the_job_resumes(tmp_path):
    run_dir = tmp_path / "workers"
    stopped = _workers(run_dir, "--signal_at=3")  # only worker 1 is signalled, after step 3
    lines = [_stopped(process, 143) for process in stopped]
    assert lines == ["stopped by SIGTERM at epoch 1 step 3; rerun the same command to resume"] * 2
    assert _position(run_dir) == (0, 3)  # the chief's checkpoint, written by both (a collective save)
    resumed = _workers(run_dir)
    weights = [_weights(_finish(process, timeout=400)) for process in resumed]
    assert _max_difference(*weights) == 0.0  # (test_resume_and_distribution.py compares workers with one device)
