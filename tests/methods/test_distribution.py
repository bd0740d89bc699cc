import json
import os
import subprocess
import sys

from igdtf.methods import METHODS as REGISTERED

# Every method must agree exactly, except those drawing per-replica noise by design (pgdat_cutout's squares).
METHODS = sorted(name for name, cls in REGISTERED.items() if cls.replica_invariant)


def test_one_step_on_two_replicas_equals_one_step_on_one():
    """One subprocess for every method (it costs minutes; a fixture would rerun it per xdist worker)."""
    script = os.path.join(os.path.dirname(__file__), "distribution_check.py")
    root = os.path.dirname(os.path.dirname(os.path.dirname(script)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, script, *METHODS], capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(results) == set(METHODS)
    failures = []
    for method, result in results.items():
        if result["weight_change"] <= 1e-3:
            failures.append(f"{method}: the step did not move the weights ({result})")
        if result["weight_difference"] >= 1e-5 or result["log_difference"] >= 1e-5:
            failures.append(f"{method}: 2 replicas differ from 1 ({result})")
        if "difference_from_baseline" in result and result["difference_from_baseline"] <= 1e-4:
            failures.append(f"{method}: its own term did not change the step ({result})")
    assert not failures, "\n".join(failures)
