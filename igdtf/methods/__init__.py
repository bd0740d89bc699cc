"""Training methods: one trainer base (base.py) and one self-describing subclass per method.

Importing this package registers every method (registry.py): the classes of its modules and
of the plugin modules the registry names.
"""

from igdtf.methods.adapters import ADAPTERS, InputAdapter
from igdtf.methods.base import METHODS, Trainer
from igdtf.methods.igam_teacher import finetune_teacher
from igdtf.methods.options import MethodContext, MethodOptions, option
from igdtf.methods.pag import PAG_SOURCES, PAGTargets, pag_targets
from igdtf.methods.registry import (
    build_trainer, load_method_modules, method_class, method_options, methods_where, teacher_requirement,
)
from igdtf.methods.teacher import check_teacher_matches, load_teacher

load_method_modules()

__all__ = [
    "ADAPTERS", "METHODS", "PAG_SOURCES", "InputAdapter", "MethodContext", "MethodOptions", "PAGTargets", "Trainer",
    "build_trainer", "check_teacher_matches", "finetune_teacher", "load_method_modules", "load_teacher",
    "method_class", "method_options", "methods_where", "option", "pag_targets", "teacher_requirement",
]
