import json
import os
import subprocess
import sys

import pytest

# pgdat_cutout draws per-replica CutOut squares by design; every other method must agree exactly.
METHODS = ["standard", "pgdat", "igd", "igam", "pag", "alignment_penalty", "input_gradient_norm", "trades",
           "trades_igd"]


@pytest.fixture(scope="module")
def distribution_result():
    script = os.path.join(os.path.dirname(__file__), "distribution_check.py")
    root = os.path.dirname(os.path.dirname(os.path.dirname(script)))
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, script, *METHODS], capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("method", METHODS)
def test_one_step_on_two_replicas_equals_one_step_on_one(distribution_result, method):
    result = distribution_result[method]
    assert result["weight_change"] > 1e-3  # the step did something
    assert result["weight_difference"] < 1e-5
    assert result["log_difference"] < 1e-5
    if "difference_from_baseline" in result:  # the method's own term changed the step
        assert result["difference_from_baseline"] > 1e-4
