"""Method names → trainer classes, and the one place that builds a trainer from options."""

import keras

from igdtf.methods.igd import IGD
from igdtf.methods.pgdat import PGDAT, PGDATCutOut
from igdtf.methods.standard import Standard
from igdtf.validation import check_choice

METHODS = {"standard": Standard, "pgdat": PGDAT, "pgdat_cutout": PGDATCutOut, "igd": IGD}
TEACHER_METHODS = ("igd",)
ADVERSARIAL_METHODS = ("pgdat", "pgdat_cutout", "igd")


def build_trainer(method: str, student: keras.Model, teacher: keras.Model | None = None, **options):
    """The trainer for `method` around `student`; `options` go to its constructor.

    Raises ValueError for an unknown method, a missing teacher for a distillation method, or a
    teacher given to a method that does not use one.
    """
    check_choice("method", method, METHODS)
    if method in TEACHER_METHODS:
        if teacher is None:
            raise ValueError(f"Method {method!r} needs a teacher model (a frozen standard model).")
        return METHODS[method](student, teacher, **options)
    if teacher is not None:
        raise ValueError(
            f"Method {method!r} takes no teacher; only {', '.join(TEACHER_METHODS)} do."
        )
    return METHODS[method](student, **options)
