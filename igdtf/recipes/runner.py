"""Running a recipe: logging to stderr, and known errors as one clear line with exit code 2."""

import logging
import sys

from absl import app
from absl import logging as absl_logging

from igdtf.errors import ConfigError, DataError, MissingDataError


def run(main) -> None:
    """app.run(main) with INFO logs from igdtf and a clean exit on bad settings or bad or missing data."""

    def guarded(argv):
        absl_logging.set_verbosity(absl_logging.INFO)
        logging.getLogger("igdtf").setLevel(logging.INFO)
        logging.getLogger("tensorflow").setLevel(logging.WARNING)
        try:
            main(argv)
        except (ConfigError, DataError, MissingDataError) as error:
            print(f"error: {error}", file=sys.stderr)
            sys.exit(2)

    app.run(guarded)


def checked(build, *args, **kwargs):
    """Calls build(*args, **kwargs), turning a ValueError into a ConfigError (exit code 2)."""
    try:
        return build(*args, **kwargs)
    except ValueError as error:
        raise ConfigError(str(error)) from error
