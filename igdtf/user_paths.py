"""Path flags as users write them: `~` and `$VARS` expanded and relative paths made absolute once,
at start-up (against the working directory), so that every later message prints the path that
is used. A flagfile or a YAML launcher passes `--output_dir=~/x` quoted, so no shell expands it.

cli.run applies `expand_path_flags` to the parsed flags of every entry point. Path flags: the
igdtf flags named in PATH_FLAGS or ending in PATH_SUFFIXES, the PATH of `--dataset=folder:PATH`
and `npz:PATH`, and the PATH of `--model NAME=PATH`; a word a path flag takes instead of a path (`--teacher=train`,
KEYWORD_VALUES) is kept. A path flag with another name belongs in
PATH_FLAGS.
"""

import logging
import os
import re
import sys

from igdtf.errors import ConfigError

PATH_FLAGS = frozenset({"output", "checkpoint", "teacher", "class_list", "corruption_class_folders",
                        "delta_x_generator", "init_from"})
PATH_SUFFIXES = ("_dir", "_file", "_cache")
KEYWORD_VALUES = {"teacher": ("train",)}  # values of a path flag that are words, not paths: kept
PATH_SPEC_FORMS = ("folder", "npz")  # --dataset=FORM:PATH forms whose target is a path
_VARIABLE = re.compile(r"\$(?:(\w+)|\{([^}]*)\})")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")  # gs://bucket/... (tensorflow-datasets' --data_dir): kept
log = logging.getLogger("igdtf")


def expand_path(path: str, flag: str = "path") -> str:
    """`path` with ~ and $VARS expanded, absolute (a URL such as gs://... as given); ConfigError
    naming an unset variable."""
    if _URL.match(path):
        return path
    unset = [a or b for a, b in _VARIABLE.findall(path) if (a or b) not in os.environ]
    if unset:
        raise ConfigError(f"--{flag}={path}: the environment variable {unset[0]} is not set; set it or write the "
                          "path out.")
    return os.path.abspath(os.path.expandvars(os.path.expanduser(path)))


def _expand_value(name: str, value: str) -> str:
    if name == "dataset":
        form, colon, target = value.partition(":")
        return f"{form}:{expand_path(target, name)}" if colon and form in PATH_SPEC_FORMS and target else value
    if name == "model":
        model, equals, path = value.partition("=")
        if not equals:  # a bare PATH (evaluate names the model after it), if it is one
            expanded = expand_path(value, name) if not _VARIABLE.search(value) else value
            return expanded if os.path.exists(expanded) else value
        return f"{model}={expand_path(path, name)}" if path else value
    return value if value in KEYWORD_VALUES.get(name, ()) else expand_path(value, name)


def _defined_by_igdtf(module: str) -> bool:
    """Whether absl's name of a flag's defining module is an igdtf module or the module run as
    __main__ (which absl names by sys.argv[0], e.g. /.../igdtf/recipes/quickstart.py)."""
    return module.startswith(("igdtf", "__main__")) or (bool(sys.argv) and module == sys.argv[0])


def is_path_flag(name: str) -> bool:
    return name in PATH_FLAGS or name.endswith(PATH_SUFFIXES) or name in ("dataset", "model")


def expand_path_flags(flag_values) -> None:
    """Rewrites every set path flag of igdtf's modules in `flag_values` (absl FlagValues) in place."""
    for name in list(flag_values):
        flag = flag_values[name]
        module = flag_values.find_module_defining_flag(name) or ""  # "__main__" for the module run
        if not is_path_flag(name) or not _defined_by_igdtf(module) or not flag.value:
            continue
        values = flag.value if isinstance(flag.value, list) else [flag.value]
        if not all(isinstance(value, str) for value in values):
            continue
        expanded = [_expand_value(name, value) for value in values]
        if expanded != values:
            flag.value = expanded if isinstance(flag.value, list) else expanded[0]
            log.debug("--%s=%s is %s", name, ",".join(values), ",".join(expanded))
