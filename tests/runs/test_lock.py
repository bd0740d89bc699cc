"""One run per folder (igdtf/runs/lock.py): processes racing for a folder, a killed holder, folders
inside a held one, the command lines refusing a held folder, and a two-worker job."""

import json
import socket
import subprocess
import sys
import textwrap

from tests.training.test_faults import _assert_one_line_and_code_2
from tests.training.test_resume_and_distribution import ROOT, _env, _free_ports

# A process that holds FOLDER (printing "held") until its stdin closes, or prints the refusal and
# exits 2. It loads igdtf.runs.lock without the package's __init__ (no TensorFlow: fast).
HOLDER = textwrap.dedent("""
    import sys, types
    package = types.ModuleType("igdtf")
    package.__path__ = [sys.argv[1] + "/igdtf"]
    sys.modules["igdtf"] = package
    from igdtf.errors import ConfigError
    from igdtf.runs.lock import hold_folder
    try:
        hold_folder(sys.argv[2])
    except ConfigError as error:
        print(error, flush=True)
        sys.exit(2)
    print("held", flush=True)
    sys.stdin.read()
""")


def _holder(folder) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", HOLDER, ROOT, str(folder)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _held(process: subprocess.Popen) -> None:
    assert process.stdout.readline().strip() == "held", process.stderr.read()


def test_processes_racing_for_one_folder_one_holds_it_the_others_name_it(tmp_path):
    folder = tmp_path / "runs" / "x"
    racers = [_holder(folder) for _ in range(4)]
    lines = [process.stdout.readline().strip() for process in racers]
    assert lines.count("held") == 1, lines
    winner = racers[lines.index("held")]
    for process, line in zip(racers, lines):
        if process is not winner:
            assert process.wait(timeout=30) == 2
            assert line.startswith(f"--output_dir={folder} is in use by another igdtf run (pid {winner.pid} on "
                                   f"{socket.gethostname()}, started 20"), line
            assert line.endswith("; wait for it to finish, or choose another --output_dir."), line
    record = json.loads((folder / ".igdtf.lock").read_text())
    assert record["pid"] == winner.pid and "-c" in record["command"]
    winner.stdin.close()  # a normal exit removes the lock file, and the folders it created when empty
    assert winner.wait(timeout=30) == 0 and not (tmp_path / "runs").exists()
    again = _holder(folder)
    _held(again)
    again.kill()  # SIGKILL: no clean-up at all; the kernel releases the lock
    again.wait(timeout=30)
    assert (folder / ".igdtf.lock").exists()
    after_kill = _holder(folder)
    _held(after_kill)
    after_kill.stdin.close()
    assert after_kill.wait(timeout=30) == 0


def test_a_folder_inside_a_held_one_is_refused(tmp_path):
    holder = _holder(tmp_path / "run")
    _held(holder)
    inside = _holder(tmp_path / "run" / "eval")
    assert inside.wait(timeout=30) == 2
    assert inside.stdout.read().startswith(f"--output_dir={tmp_path / 'run' / 'eval'} is inside {tmp_path / 'run'}, "
                                           f"which another igdtf run holds (pid {holder.pid} on ")
    beside = _holder(tmp_path / "other")
    _held(beside)
    for process in (holder, beside):
        process.stdin.close()
        assert process.wait(timeout=30) == 0


def test_a_folder_around_a_held_seed_run_is_refused_and_around_another_run_is_not(tmp_path):
    # A --seeds command on OUTPUT_DIR writes OUTPUT_DIR/seed_<s>/, which another command may hold;
    # another run inside OUTPUT_DIR is no concern of a run on OUTPUT_DIR.
    other = _holder(tmp_path / "all" / "cifar10")
    _held(other)
    beside = _holder(tmp_path / "all")
    _held(beside)
    for process in (beside, other):
        process.stdin.close()
        assert process.wait(timeout=30) == 0
    seed_run = _holder(tmp_path / "runs" / "seed_0")
    _held(seed_run)
    around = _holder(tmp_path / "runs")
    assert around.wait(timeout=30) == 2
    assert around.stdout.read().startswith(f"--output_dir={tmp_path / 'runs'} holds {tmp_path / 'runs' / 'seed_0'}, "
                                           f"which another igdtf run holds (pid {seed_run.pid} on ")
    assert not (tmp_path / "runs" / ".igdtf.lock").exists()  # the refused command left nothing
    seed_run.stdin.close()
    assert seed_run.wait(timeout=30) == 0
    after = _holder(tmp_path / "runs")
    _held(after)
    after.stdin.close()
    assert after.wait(timeout=30) == 0


def _run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=_env(), cwd=ROOT,
                          timeout=300)


def test_training_evaluation_and_export_refuse_a_folder_a_running_job_holds(tmp_path):
    from tests.conftest import tiny_cnn

    model = tmp_path / "tiny.keras"
    tiny_cnn().save(model)
    run, seeds = tmp_path / "run", tmp_path / "seeds"
    holder, seed_holder = _holder(run), _holder(seeds / "seed_1")
    _held(holder)
    _held(seed_holder)
    in_use = f"is in use by another igdtf run (pid {holder.pid} on {socket.gethostname()}"
    cases = {
        ("igdtf.recipes.train", "--dataset=shapes", "--method=standard", "--seeds=0,1", f"--output_dir={seeds}"):
            f"error: --output_dir={seeds} holds {seeds / 'seed_1'}, which another igdtf run holds "
            f"(pid {seed_holder.pid}",
        ("igdtf.recipes.quickstart", "--smoke", f"--output_dir={run}"): f"error: --output_dir={run} {in_use}",
        ("igdtf.evaluate", f"--model=m={model}", "--dataset=shapes", f"--output_dir={run}"):
            f"error: --output_dir={run} {in_use}",
        ("igdtf.export", f"--checkpoint={model}", f"--output={run / 'export'}"):
            f"error: --output={run / 'export'} is inside {run}, which another igdtf run holds (pid {holder.pid}",
    }
    try:
        for args, message in cases.items():
            _assert_one_line_and_code_2(_run(*args), message)
    finally:
        for process in (holder, seed_holder):
            process.stdin.close()
            process.wait(timeout=30)
    assert not run.exists() and not seeds.exists()  # nothing was written by the refused commands


# Two local workers of MultiWorkerMirroredStrategy holding a folder as the dataset recipes do, then
# checking it as check_output_dir does (the chief holds it by then: a worker that reaches its check
# late must not refuse); each prints the pid the lock file names, then both wait for each other.
WORKER = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    from igdtf.cli import check_output_dir
    from igdtf.errors import ConfigError
    from igdtf.runs.lock import hold_folder
    try:
        hold_folder(sys.argv[1], strategy=strategy)
        check_output_dir(sys.argv[1])  # a worker's check accepts its own chief's lock
    except ConfigError as error:
        print("refused:", error, flush=True)
        sys.exit(2)
    print("held by", json.load(open(sys.argv[1] + "/.igdtf.lock"))["pid"], flush=True)
    strategy.reduce("SUM", strategy.run(lambda: tf.constant(1)), axis=None)
""")


def _workers(folder) -> list[subprocess.Popen]:
    addresses = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    return [subprocess.Popen([sys.executable, "-c", WORKER, str(folder)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, cwd=ROOT, env=_env(TF_CONFIG=json.dumps(
                                 {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": i}})))
            for i in range(2)]


def test_a_two_worker_job_the_chief_holds_the_folder_and_both_refuse_a_held_one(tmp_path):
    workers = _workers(tmp_path / "job")
    outputs = [p.communicate(timeout=300) for p in workers]
    assert [out.strip() for out, _ in outputs] == [f"held by {workers[0].pid}"] * 2, outputs  # the chief, worker 0
    holder = _holder(tmp_path / "taken")
    _held(holder)
    try:
        workers = _workers(tmp_path / "taken")
        results = [(p.communicate(timeout=300)[0].strip(), p.returncode) for p in workers]
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    assert results[0][1] == 2 and results[0][0].startswith(
        f"refused: --output_dir={tmp_path / 'taken'} is in use by another igdtf run (pid {holder.pid} on "), results
    assert results[1][1] == 2 and "the chief of this job refused it" in results[1][0], results
