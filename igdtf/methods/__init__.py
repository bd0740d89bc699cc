"""Training methods: one trainer base (base.py) and a thin subclass per method."""

from igdtf.methods.base import Trainer
from igdtf.methods.igd import IGD
from igdtf.methods.pgdat import PGDAT, PGDATCutOut
from igdtf.methods.registry import ADVERSARIAL_METHODS, METHODS, TEACHER_METHODS, build_trainer
from igdtf.methods.standard import Standard
from igdtf.methods.teacher import check_teacher_matches, load_teacher

__all__ = [
    "ADVERSARIAL_METHODS", "IGD", "METHODS", "PGDAT", "PGDATCutOut", "Standard", "TEACHER_METHODS",
    "Trainer", "build_trainer", "check_teacher_matches", "load_teacher",
]
