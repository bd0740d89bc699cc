"""Training methods: one trainer base (base.py) and a thin subclass per method."""

from igdtf.methods.adapters import ADAPTERS, InputAdapter
from igdtf.methods.alignment_penalty import AlignmentPenalty
from igdtf.methods.base import Trainer
from igdtf.methods.gradient_norm import InputGradientNorm
from igdtf.methods.igam import IGAM
from igdtf.methods.igam_teacher import finetune_teacher
from igdtf.methods.igd import IGD
from igdtf.methods.igdm import IGDM
from igdtf.methods.kdiga import KDIGA
from igdtf.methods.pag import PAG, PAG_SOURCES, PAGTargets, pag_targets
from igdtf.methods.pgdat import PGDAT, PGDATCutOut
from igdtf.methods.registry import (
    ADVERSARIAL_METHODS, METHOD_HELP, METHODS, OPTIONAL_TEACHER_METHODS, TEACHER_METHODS, build_trainer,
    teacher_requirement,
)
from igdtf.methods.standard import Standard
from igdtf.methods.teacher import check_teacher_matches, load_teacher
from igdtf.methods.trades import TRADES, TRADESIGD

__all__ = [
    "ADAPTERS", "ADVERSARIAL_METHODS", "IGAM", "IGD", "IGDM", "KDIGA", "METHODS", "METHOD_HELP",
    "OPTIONAL_TEACHER_METHODS", "PAG", "PAGTargets", "PAG_SOURCES", "PGDAT", "PGDATCutOut", "AlignmentPenalty",
    "InputAdapter", "InputGradientNorm", "Standard", "TEACHER_METHODS", "TRADES", "TRADESIGD", "Trainer",
    "build_trainer", "check_teacher_matches", "finetune_teacher", "load_teacher", "pag_targets",
    "teacher_requirement",
]
