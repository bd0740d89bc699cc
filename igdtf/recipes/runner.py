"""Running a recipe: logging to stderr, and known errors as one clear line with exit code 2."""

import json
import logging
import os
import sys

from absl import app
from absl import logging as absl_logging

from igdtf.collapse import attach_collapse
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


def write_recipe_report(output_dir: str, report: dict, text: str) -> None:
    """Writes OUTPUT_DIR/report.json (`report`; values JSON cannot hold as strings) and report.md
    (`text`), each with the collapse check of the training runs below OUTPUT_DIR, and prints `text`."""
    os.makedirs(output_dir, exist_ok=True)
    text = text + "\n".join(attach_collapse(report, output_dir))
    with open(os.path.join(output_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=2, default=str)
    with open(os.path.join(output_dir, "report.md"), "w") as f:
        f.write(text)
    print(text)
