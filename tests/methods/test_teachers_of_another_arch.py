"""Distillation from a teacher of another architecture than the student (README "Your own
model": --teacher of any architecture with the student's inputs and classes): IGD, KDIGA, IGDM
and PAG's robust-teacher source train through the method harness with a CNN student and an MLP
teacher, and the teacher never moves."""

import keras
import pytest

from igdtf.models import build_model

from tests.conftest import IMAGE_SHAPE, NUM_CLASSES, tiny_cnn
from tests.methods.harness import check_method_trains


def _student_cnn_teacher_mlp(seed: int) -> keras.Model:
    """The harness asks for the student with seed 0 and the teacher with seed 1."""
    if seed == 0:
        return tiny_cnn(0)
    keras.utils.set_random_seed(seed)
    return build_model("mlp", IMAGE_SHAPE, NUM_CLASSES, [0.5] * 3, [0.25] * 3, hidden=(8,))


@pytest.mark.parametrize("method, options", [("igd", {}), ("kdiga", {}), ("igdm", {}),
                                             ("pag", {"pag_source": "rigd"})])
def test_a_teacher_of_another_architecture_distils_and_stays_frozen(method, options, batch, tmp_path):
    check_method_trains(method, batch, tmp_path, _student_cnn_teacher_mlp, **options)
