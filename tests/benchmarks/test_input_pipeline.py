"""The input-pipeline benchmark runs end to end on CIFAR-shaped data."""

import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(module, *args):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env,
                          timeout=300, cwd=ROOT)


def test_fake_cifar_prints_images_per_second():
    done = _run("igdtf.benchmarks.input_pipeline", "--fake_cifar", "--fake_cifar_images=64", "--batch_size=8", "--batches=3",
                "--warmup_batches=1")
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"^cifar10 \(fake, CIFAR-shaped, in memory\): \d+ training images/s at 32x32, batch 8, "
                     r"\d+ CPU cores, deterministic=False$", done.stdout, re.MULTILINE), done.stdout


def test_two_fake_datasets_are_refused():
    done = _run("igdtf.benchmarks.input_pipeline", "--fake_cifar", "--fake_imagenet")
    assert done.returncode == 2
    assert "at most one of --fake_cifar, --fake_imagenet and --folder_vs_npz" in done.stderr


def test_folder_vs_npz_measures_the_same_images_both_ways():
    done = _run("igdtf.benchmarks.input_pipeline", "--folder_vs_npz", "--fake_images=40", "--image_size=16",
                "--batch_size=8", "--batches=3", "--warmup_batches=1")
    assert done.returncode == 0, done.stderr[-3000:]
    for form in (r"folder:\S+ \(generated JPEG files\)", r"npz:\S+ \(the same images as arrays\)"):
        assert re.search(rf"^{form}: \d+ training images/s at 16x16, batch 8", done.stdout, re.MULTILINE), done.stdout
