import os
import subprocess
import sys

import numpy as np
import pytest

from igdtf.export import export_saved_model
from igdtf.methods import IGD

from tests.conftest import tiny_cnn

LOAD_AND_PREDICT = """
import sys, numpy as np, tensorflow as tf
loaded = tf.saved_model.load(sys.argv[1])
x = np.load(sys.argv[2])
out = loaded.signatures["serving_default"](images=tf.constant(x))
np.save(sys.argv[3], out["logits"].numpy())
assert "igdtf" not in sys.modules
print(len(loaded.variables) if hasattr(loaded, "variables") else -1)
"""


def test_exported_classifier_serves_the_same_logits_without_igdtf(tmp_path, batch):
    x, _ = batch
    student, teacher = tiny_cnn(0), tiny_cnn(1)
    IGD(student, teacher)  # a trainer holds the teacher; the export must not
    path = export_saved_model(student, str(tmp_path / "igd"), version=3)
    assert path == str(tmp_path / "igd" / "3")
    np.save(tmp_path / "x.npy", x)
    done = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, path, str(tmp_path / "x.npy"), str(tmp_path / "y.npy")],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    np.testing.assert_allclose(np.load(tmp_path / "y.npy"), student(x).numpy(), atol=1e-5)
    assert int(done.stdout.strip().splitlines()[-1]) == len(student.weights)


def test_existing_version_is_not_overwritten_unless_asked(tmp_path):
    model = tiny_cnn()
    export_saved_model(model, str(tmp_path))
    with pytest.raises(FileExistsError, match="already exists"):
        export_saved_model(model, str(tmp_path))
    export_saved_model(model, str(tmp_path), overwrite=True)
    assert os.path.isfile(tmp_path / "1" / "saved_model.pb")
