"""Flags generated from the methods' options classes: one flag per option field, named like the
field (igdtf/methods/options.py), so a setting has one name on the command line, in
TrainConfig.method_options and in run.json / report.json.

A field shared by several methods (IGD's igd_lambda in trades_igd) is one flag. A flag given
for a method that does not use it is an error. Deprecated names stay accepted, with a warning,
for one release.
"""

import dataclasses
import logging

from absl import flags

from igdtf.errors import ConfigError
from igdtf.methods import METHODS, method_class
from igdtf.methods.options import field_type
from igdtf.native_bfloat16 import AUTO

log = logging.getLogger("igdtf.recipes")

_DEFINE = {float: flags.DEFINE_float, int: flags.DEFINE_integer, str: flags.DEFINE_string, bool: flags.DEFINE_bool}


def option_fields() -> dict:
    """{option name: (its dataclass field, sorted names of the methods that have it)}.

    TypeError if two methods declare one name with different types or defaults (they would
    share a flag)."""
    table = {}
    for name, cls in sorted(METHODS.items()):
        for field in dataclasses.fields(cls.options_class):
            known = table.setdefault(field.name, (field, []))
            if (field_type(known[0]), known[0].default) != (field_type(field), field.default):
                raise TypeError(f"Option {field.name!r} of method {name!r} differs in type or default from the "
                                f"one of {', '.join(known[1])}; give it another name.")
            known[1].append(name)
    return table


def method_help() -> str:
    """--method's help: one entry per registered method, its summary."""
    return "Training method. " + " | ".join(f"{name}: {cls.summary}" for name, cls in sorted(METHODS.items()))


def define_method_flags(defaults: dict) -> None:
    """Defines --method and one flag per option field; `defaults` overrides a field's default
    (a recipe's paper values) by name."""
    flags.DEFINE_enum("method", defaults["method"], sorted(METHODS), method_help())
    define_option_flags(defaults)


def define_option_flags(defaults: dict, skip: tuple = ()) -> None:
    """Defines one flag per option field except those in `skip`; `defaults` as above."""
    for name, (field, users) in option_fields().items():
        if name in skip:
            continue
        text = f"{', '.join(users)}: {field.metadata['help']}"
        auto = field.metadata.get("auto")
        default = defaults.get(name, AUTO if auto else field.default)
        if field.metadata.get("choices"):
            flags.DEFINE_enum(name, default, [*([AUTO] if auto else []), *field.metadata["choices"]], text)
        else:
            _DEFINE[field_type(field)](name, default, text)
        for old in field.metadata.get("deprecated_names", ()):
            _DEFINE[field_type(field)](old, None, f"Deprecated (removed in the next release): use --{name}.")


def given_flags(values) -> set:
    """The names of the flags set on the command line: for absl FlagValues, those present;
    for another namespace (tests), none."""
    if isinstance(values, flags.FlagValues):
        return {name for name in values if values[name].present}
    return set()


def method_options_from_flags(values, given: set | None = None):
    """The options of values.method from parsed flags (FlagValues or a namespace); `given`:
    the flags set on the command line (default: given_flags(values)). ConfigError for such a
    flag of another method, or a deprecated name given together with its new one."""
    method, given = values.method, given_flags(values) if given is None else given
    options_class = method_class(method).options_class
    own = {field.name for field in dataclasses.fields(options_class)}
    settings = {}
    for name, (field, users) in option_fields().items():
        value = getattr(values, name)
        for old in field.metadata.get("deprecated_names", ()):
            if getattr(values, old, None) is not None:
                if name in given:
                    raise ConfigError(f"--{old} is the deprecated name of --{name}; give only --{name}.")
                log.warning("--%s is deprecated and will be removed in the next release; use --%s.", old, name)
                given, value = given | {name}, getattr(values, old)
        if name in own:
            settings[name] = _resolved(name, field, value)
        elif name in given:
            raise ConfigError(f"--{name} applies to {', '.join(users)}, not to --method={method}.")
    return options_class(**settings)


def _resolved(name: str, field, value):
    """`value`, or for "auto" of a setting that resolves it (option(auto=...)) the resolved value (logged)."""
    if value != AUTO or not field.metadata.get("auto"):
        return value
    resolved = field.metadata["auto"]()
    log.info("--%s=%s: %s on this hardware.", name, AUTO, resolved)
    return resolved
