"""The general command-line tools and the run wrapper of every entry module.

This module is the wrapper (recipes/, benchmarks/, igdtf/evaluate.py, igdtf/export/__main__.py
run their main through `run`): logging to stderr; path flags expanded (user_paths.py); every
bad input (a flag absl cannot parse, a stray positional argument, bad settings, bad or missing
data, an unusable or busy output folder, a diverged run) and every refused write (a full disk:
runs/write_errors.py) as one clear line with exit code 2; SIGTERM and SIGINT as a graceful stop
(stop_signals.py): one line and exit code 143 or 130.

The package: every flag is defined once, in data_flags.py, method_flags.py, model_flags.py,
pixel_flags.py (1/255 units), training_flags.py, seed_flags.py (--seeds), train/data.py
(--validation) and evaluate/flags.py; train/ is the training command line (igdtf.recipes.train
and the dataset recipes), evaluate/ is `python -m igdtf.evaluate`, export.py `python -m igdtf.export`.

Exit codes: 0 done; 2 bad input, refused write or diverged training (one line `error: ...`);
130 / 143 stopped by SIGINT / SIGTERM (a rerun resumes); 1 a bug (a traceback)."""

import errno
import logging
import os
import sys
import tempfile

from absl import app, flags
from absl import logging as absl_logging

from igdtf.errors import ConfigError, DataError, MissingDataError, WriteError
from igdtf.runs.lock import LOCK_FILE, refuse_held
from igdtf.runs.write_errors import SPACE_ERRNOS, failed_path, is_write_failure, write_error
from igdtf.stop_signals import StopRequested, handling_stop_signals
from igdtf.user_paths import expand_path_flags

BAD_INPUT = 2  # the exit code of every bad input


def _fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    sys.exit(BAD_INPUT)


def parse_flags(argv: list[str]) -> list[str]:
    """absl's flag parsing, with a flag error (unknown flag, bad value or type, missing required
    flag) as one line and exit code 2 instead of absl's two lines and code 1."""
    try:
        return flags.FLAGS(argv)
    except flags.Error as error:
        _fail(f"{' '.join(str(error).split())} (--helpfull lists every flag).")


def run(main) -> None:
    """app.run(main) with INFO logs from igdtf and a clean exit on bad settings or bad or missing data."""

    def guarded(argv):
        absl_logging.set_verbosity(absl_logging.INFO)
        logging.getLogger("igdtf").setLevel(logging.INFO)
        logging.getLogger("tensorflow").setLevel(logging.WARNING)
        try:
            if len(argv) > 1:
                raise ConfigError(f"Unexpected arguments {argv[1:]}; every setting is a --flag (e.g. "
                                  "--output_dir=PATH).")
            expand_path_flags(flags.FLAGS)
            with handling_stop_signals():
                main(argv)
        except (ConfigError, DataError, MissingDataError, WriteError) as error:
            _fail(str(error))
        except StopRequested as stop:
            print(stop, file=sys.stderr, flush=True)
            sys.exit(stop.exit_code)
        except Exception as error:  # a full disk where no write site named it (not a read's EACCES)
            if not is_write_failure(error, SPACE_ERRNOS):
                raise
            _fail(str(write_error(failed_path(error) or "a file", error)))

    app.run(guarded, flags_parser=parse_flags)


def check_output_dir(path: str, flag: str = "output_dir", overwrite: bool | None = None) -> None:
    """Checks that no other run holds the folder `path` (runs/lock.py), and that files can be
    written in it or, if it does not exist yet, in its nearest existing parent (nothing is
    created, so a run refused later leaves no folder); with overwrite=False also refuses a folder
    that is not empty. ConfigError (naming --`flag`) otherwise."""
    refuse_held(path, flag)  # a folder another run holds (runs/lock.py)
    existing = os.path.abspath(path)
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    try:
        if not os.path.isdir(existing):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), existing)
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as error:
        raise ConfigError(f"--{flag}={path} cannot be written ({error.strerror or error}); choose a folder you "
                          "can write to.") from None
    names = sorted(set(os.listdir(path)) - {LOCK_FILE}) if existing == os.path.abspath(path) else []
    if overwrite is False and names:
        held = ", ".join(([name for name in names if not name.startswith(".")] or names)[:5])
        raise ConfigError(f"--{flag}={path} is not empty (it holds {held}); pass --overwrite to replace its "
                          "files, or choose an empty or new folder.")
