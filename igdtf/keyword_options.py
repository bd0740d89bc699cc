"""KEY=VALUE options of a command line (--dataset_option, --arch_option, ...), checked against the
parameters of the function they are passed to."""

import ast
import functools
import inspect
import types
import typing

from igdtf.errors import ConfigError


def parse_options(specs, loader, flag: str, reserved: tuple = ()) -> dict:
    """{key: value} from KEY=VALUE specs (values as Python literals, else strings), checked against
    the keyword parameters of `loader` (a dataset's loader, an architecture's builder) other than
    `reserved` (those igdtf passes itself), and against their annotated types; ConfigError naming
    `flag` (e.g. "--dataset_option") otherwise."""
    parameters = inspect.signature(loader).parameters
    open_ended = any(p.kind == p.VAR_KEYWORD for p in parameters.values())
    allowed = [n for n, p in parameters.items()
               if n not in reserved and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    options = {}
    for spec in specs:
        key, sep, raw = spec.partition("=")
        if not sep or not key:
            raise ConfigError(f"{flag} must be KEY=VALUE, received {spec!r}.")
        if key in reserved or (not open_ended and key not in allowed):
            raise ConfigError(f"Unknown {flag} {key!r}. Allowed: {', '.join(allowed) or 'none'}.")
        try:
            options[key] = ast.literal_eval(raw)
        except (ValueError, SyntaxError):
            options[key] = raw
        expected = _option_types(loader, key)
        if expected and not isinstance(options[key], expected):
            names = " or ".join("None" if t is type(None) else t.__name__ for t in expected)
            raise ConfigError(f"{flag} {key} takes {names} (a Python literal, e.g. 0.0157 not 4/255), "
                              f"received {raw!r}.")
    return options


def _option_types(loader, key) -> tuple[type, ...]:
    """The types a parameter of `loader` accepts, from its annotation (int also passes for float;
    Sequence[int] accepts any Sequence); empty if the annotation does not say."""
    while isinstance(loader, functools.partial):
        loader = loader.func
    try:
        annotation = typing.get_type_hints(loader).get(key)
    except (NameError, TypeError):
        return ()
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        accepted = typing.get_args(annotation)
    else:  # Sequence[int] → Sequence
        accepted = (typing.get_origin(annotation) or annotation,)
    if not all(isinstance(t, type) for t in accepted):
        return ()
    return accepted + ((int,) if float in accepted and int not in accepted else ())
