"""The time-to-robustness benchmark: its CLI on a smoke setting, and its timeline arithmetic."""

import json
import os
import subprocess
import sys

from igdtf.benchmarks.wall_time import markdown_table, time_to_reach, timeline

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_timeline_accumulates_training_seconds_and_finds_the_first_time_a_target_is_reached():
    points = timeline([10.0, 5.0, 5.0], [0.2, 0.6, 0.5])
    assert points == [(10.0, 0.2), (15.0, 0.6), (20.0, 0.5)]
    assert time_to_reach(points, 0.55) == 15.0 and time_to_reach(points, 0.7) is None
    table = markdown_table({"pgdat+n_fgsm": {"method": "pgdat", "points": points}}, {"pgdat": 0.55}, "acc")
    assert "| pgdat+n_fgsm | 3 | 20 | 50.0 | 60.0 | 15 (55.0) |" in table


def test_cli_smoke_writes_table_plot_and_points(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = tmp_path / "ttr"
    done = subprocess.run(
        [sys.executable, "-m", "igdtf.benchmarks.time_to_robustness", "--smoke", "--method=pgdat",
         "--train_attack=pgd,n_fgsm", "--epochs=2", "--single_step_epochs=3", "--num_validation=16",
         f"--output_dir={out}"],
        capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "time_to_robustness.json").read_text())
    assert set(summary["runs"]) == {"pgdat+pgd10", "pgdat+n_fgsm"}
    for label, epochs in (("pgdat+pgd10", 2), ("pgdat+n_fgsm", 3)):  # --single_step_epochs for n_fgsm
        points = summary["runs"][label]["points"]
        assert len(points) == epochs and all(b[0] > a[0] > 0 for a, b in zip(points, points[1:]))
        assert all(0.0 <= accuracy <= 1.0 for _, accuracy in points)
    assert (out / "time_to_robustness.png").stat().st_size > 1000
    assert "| pgdat+n_fgsm | 3 |" in done.stdout and (out / "time_to_robustness.md").exists()
    bad = subprocess.run([sys.executable, "-m", "igdtf.benchmarks.time_to_robustness", "--train_attack=n_fgsm",
                          f"--output_dir={tmp_path / 'bad'}"], capture_output=True, text=True, env=env, timeout=300,
                         cwd=ROOT)
    assert bad.returncode == 2 and "--train_attack must include pgd" in bad.stderr
