"""tensorflow-datasets, imported once with a fix for its missing `importlib_resources`.

tensorflow-datasets 4.9.10 imports the backport `importlib_resources` whenever it prepares a
builder, but declares the dependency only for Python < 3.9, so `download_and_prepare` fails
with ModuleNotFoundError on a clean install. The standard library has the one name it uses
(`abc.Traversable`); we register a stand-in module carrying it before importing tfds.
"""

import importlib
import importlib.abc
import importlib.resources
import sys
import types


def _ensure_importlib_resources() -> None:
    try:
        importlib.import_module("importlib_resources")
    except ImportError:
        try:
            from importlib.resources.abc import Traversable  # Python >= 3.11
        except ImportError:
            from importlib.abc import Traversable  # Python 3.10
        shim = types.ModuleType("importlib_resources")
        shim.files = importlib.resources.files
        shim.abc = types.SimpleNamespace(Traversable=Traversable)
        sys.modules["importlib_resources"] = shim


_ensure_importlib_resources()

import tensorflow_datasets as tfds  # noqa: E402

__all__ = ["tfds"]
