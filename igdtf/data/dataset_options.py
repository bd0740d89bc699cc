"""A dataset spec's options (--dataset_option KEY=VALUE and the data flags), checked against
what its loader accepts."""

import ast
import functools
import inspect
import typing

from igdtf.cli import checked
from igdtf.data.registry import dataset_loader
from igdtf.errors import ConfigError


def parse_options(specs, loader) -> dict:
    """{key: value} from KEY=VALUE specs (values as Python literals, else strings), checked
    against the parameters of the dataset's loader."""
    parameters = inspect.signature(loader).parameters
    open_ended = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    allowed = [n for n, p in parameters.items() if n != "split" and p.kind == p.POSITIONAL_OR_KEYWORD]
    options = {}
    for spec in specs:
        key, sep, raw = spec.partition("=")
        if not sep or not key:
            raise ConfigError(f"--dataset_option must be KEY=VALUE, received {spec!r}.")
        if not open_ended and key not in allowed:
            raise ConfigError(f"Unknown --dataset_option {key!r}. Allowed: {', '.join(allowed) or 'none'}.")
        try:
            options[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            options[key] = raw
        expected = _option_types(loader, key)
        if expected and not isinstance(options[key], expected):
            names = " or ".join("None" if t is type(None) else t.__name__ for t in expected)
            raise ConfigError(f"--dataset_option {key} takes {names} (a Python literal, e.g. 0.0157 not 4/255), "
                              f"received {raw!r}.")
    return options


def dataset_options(dataset: str, specs, **flag_values) -> dict:
    """The options of dataset spec `dataset`: --dataset_option `specs`, plus those data flags
    (`flag_values`, e.g. data_dir, download) its loader takes; ConfigError for a bad spec."""
    loader = checked(dataset_loader, dataset)
    options = parse_options(specs, loader)
    accepted = inspect.signature(loader).parameters
    for key, value in flag_values.items():
        if key in accepted and key not in options and value is not None:
            options[key] = value
    return options


def _option_types(loader, key) -> tuple[type, ...]:
    """The types a loader parameter accepts, from its annotation (int also passes for float);
    empty if the annotation does not say."""
    while isinstance(loader, functools.partial):
        loader = loader.func
    try:
        annotation = typing.get_type_hints(loader).get(key)
    except (NameError, TypeError):
        return ()
    types = typing.get_args(annotation) if typing.get_args(annotation) else (annotation,)
    if not all(isinstance(t, type) for t in types):
        return ()
    return types + ((int,) if float in types and int not in types else ())
