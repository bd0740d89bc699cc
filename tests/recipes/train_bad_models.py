"""Runs `python -m igdtf.recipes.train` argument lists in one process and reports how each ended.

Usage: python tests/recipes/train_bad_models.py '[["--flag", ...], ...]'
Prints a JSON list with, per case, {"error": "<type>: <message>", "trained": bool, "first_run": ...}:
training is recorded (and refused), so a case shows whether its error came before any training;
first_run is what the first train_model call would have trained ({"name", "arch", "arch_options"}).
"""

import json
import sys

from absl import flags

from igdtf.errors import ConfigError, DataError, MissingDataError
from igdtf.cli.train import command as train_command, teacher as train_teacher
from igdtf.recipes import train  # noqa: F401  (defines the flags)

FLAGS = flags.FLAGS
record = {}


def refuse_training(config, *args, name=None, **kwargs):
    record.update(trained=True, first_run={"name": name or config.method, "arch": config.arch,
                                           "arch_options": config.arch_options})
    raise RuntimeError("training started")


train_command.train_model = train_teacher.train_model = refuse_training  # the student's, the teacher's
results = []
for argv in json.loads(sys.argv[1]):
    record.update(trained=False, first_run=None)
    FLAGS.unparse_flags()
    try:
        FLAGS(["train", *argv])
        train_command.run_recipe(FLAGS.dataset, fit_defaults=True)  # as python -m igdtf.recipes.train
        error = None
    except (ConfigError, DataError, MissingDataError, flags.Error, RuntimeError) as e:
        error = f"{type(e).__name__}: {e}"
    results.append({"error": error, **record})
print(json.dumps(results))
