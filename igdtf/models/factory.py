"""A user's architecture: `module:function`, a factory `function(input_shape, num_classes,
**arch_options) -> keras.Model` returning logits for images in [0, 1], in a module importable
from the working directory or PYTHONPATH."""

import contextlib
import importlib
import inspect
import os
import sys

from igdtf.runs.artefacts import error_summary

PARAMETERS = ("input_shape", "num_classes")  # what igdtf passes to every factory


def is_factory(arch: str) -> bool:
    """True for the `module:function` form."""
    return ":" in arch


def factory_module(arch: str) -> str:
    """The module part of `module:function`."""
    return arch.partition(":")[0]


@contextlib.contextmanager
def _working_directory_importable():
    """sys.path with the working directory in it (as `python -m` has), for the block only."""
    added = os.getcwd() not in sys.path and "" not in sys.path
    if added:
        sys.path.insert(0, os.getcwd())
    try:
        yield
    finally:
        if added:
            sys.path.remove(os.getcwd())


def import_module(module: str):
    """Imports `module` (also from the working directory); ValueError saying why it cannot be."""
    try:
        with _working_directory_importable():
            return importlib.import_module(module)
    except Exception as error:  # ImportError, or any error the module raises while it runs
        raise ValueError(f"cannot import module {module!r} ({error_summary(error)}); it must be importable from "
                         "the working directory or PYTHONPATH.") from None


def import_factory(arch: str):
    """The function `module:function` names; ValueError if it cannot be imported, is not a
    function, or does not take (input_shape, num_classes, ...)."""
    module_name, _, function_name = arch.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"a factory is MODULE:FUNCTION, received {arch!r}.")
    factory = getattr(import_module(module_name), function_name, None)
    if not callable(factory):
        raise ValueError(f"module {module_name!r} has no function {function_name!r}.")
    try:
        inspect.signature(factory).bind(*PARAMETERS)
    except TypeError:
        raise ValueError(f"{arch} must take (input_shape, num_classes, **arch_options); its signature is "
                         f"{inspect.signature(factory)}.") from None
    return factory
