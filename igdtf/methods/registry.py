"""The registry of methods, derived from the method classes, and the one place that builds a
trainer from options.

METHODS maps each `method_name` to its Trainer subclass. It is filled as classes are defined:
importing igdtf.methods imports every module of this package, then the plugin modules named
by the entry-point group "igdtf.methods" and the IGDTF_METHOD_MODULES environment variable
(comma-separated module names). A new method is therefore one file here, or a module of its
own listed in one of those two places.
"""

import dataclasses
import importlib
import importlib.metadata
import os
import pkgutil

import keras

from igdtf.methods.base import METHODS, Trainer
from igdtf.methods.options import MethodOptions, split_options
from igdtf.validation import check_choice

PLUGIN_GROUP = "igdtf.methods"
PLUGIN_VARIABLE = "IGDTF_METHOD_MODULES"


def load_method_modules() -> None:
    """Imports every module of igdtf.methods and every plugin module (see the module docstring)."""
    package = importlib.import_module("igdtf.methods")
    for module in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"igdtf.methods.{module.name}")
    for entry_point in importlib.metadata.entry_points(group=PLUGIN_GROUP):
        entry_point.load()
    for name in filter(None, (part.strip() for part in os.environ.get(PLUGIN_VARIABLE, "").split(","))):
        try:
            importlib.import_module(name)
        except ImportError as error:
            raise ImportError(f"{PLUGIN_VARIABLE} names the method module {name!r}, which cannot be imported: "
                              f"{error}") from error


def method_class(method: str) -> type[Trainer]:
    """The Trainer subclass registered as `method`; ValueError naming the known ones."""
    check_choice("method", method, METHODS)
    return METHODS[method]


def methods_where(adversarial: bool | None = None, teacher: bool | None = None) -> tuple[str, ...]:
    """Sorted method names: adversarial ones (or not), ones that need a teacher with their
    default options (or not); None does not filter."""
    names = []
    for name, cls in sorted(METHODS.items()):
        needs_teacher = cls.required_teacher(cls.options_class()) is not None
        if adversarial not in (None, cls.adversarial) or teacher not in (None, needs_teacher):
            continue
        names.append(name)
    return tuple(names)


def method_options(method: str, **settings) -> MethodOptions:
    """`method`'s options with `settings` (field names) replacing the defaults; ValueError names
    the settings it does not have."""
    options_class = method_class(method).options_class
    own, other = split_options(options_class, settings)
    if other:
        allowed = ", ".join(field.name for field in dataclasses.fields(options_class)) or "none"
        raise ValueError(f"Method {method!r} has no option {', '.join(sorted(other))}; its options: {allowed}.")
    return options_class(**own)


def teacher_requirement(method: str, options: MethodOptions | None = None) -> str | None:
    """The teacher `method` needs with `options` (default: its defaults): "standard", "robust" or None."""
    cls = method_class(method)
    return cls.required_teacher(cls.options_class() if options is None else options)


def build_trainer(method: str, student: keras.Model, teacher: keras.Model | None = None,
                  options: MethodOptions | None = None, **arguments) -> Trainer:
    """The trainer for `method` around `student`.

    `arguments` holds option fields (they replace those of `options`, default: the method's
    defaults) and constructor arguments (weight_decay, seed, eval_attack, attack, targets...).
    Raises ValueError for an unknown method, a missing teacher, or a teacher given to a method
    (with these options) that uses none.
    """
    cls = method_class(method)
    own, arguments = split_options(cls.options_class, arguments)
    options = dataclasses.replace(cls.options_class() if options is None else options, **own)
    required = cls.required_teacher(options)
    if required and teacher is None:
        raise ValueError(f"Method {method!r} needs a teacher model (a frozen {required} model).")
    if required is None and teacher is not None:
        users = ", ".join(methods_where(teacher=True))
        raise ValueError(f"Method {method!r} takes no teacher with these options; methods that need one: {users}.")
    if required:
        arguments["teacher"] = teacher
    return cls(student, options=options, **arguments)
