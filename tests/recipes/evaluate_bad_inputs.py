"""Runs `python -m igdtf.evaluate` argument lists in one process and reports how each ended.

Usage: python tests/recipes/evaluate_bad_inputs.py '[["--flag", ...], ...]'
Prints a JSON list with, per case, {"error": "<type>: <message>", "models_loaded": n,
"evaluated": bool}. Loading models and evaluating are recorded (and evaluation refused), so a
case shows whether its error came before any work.
"""

import json
import sys

from absl import flags

from igdtf.errors import ConfigError, MissingDataError
from igdtf.cli.evaluate import command as evaluate
from igdtf.cli.evaluate.flags import define_evaluate_flags

define_evaluate_flags()
FLAGS = flags.FLAGS
record = {}
real_load = evaluate._load


def counting_load(name, path):
    record["models_loaded"] += 1
    return real_load(name, path)


def refuse_evaluation(*args, **kwargs):
    record["evaluated"] = True
    raise RuntimeError("evaluation started")


evaluate._load = counting_load
evaluate.compare_models = refuse_evaluation
results = []
for argv in json.loads(sys.argv[1]):
    record.update(models_loaded=0, evaluated=False)
    FLAGS.unparse_flags()
    try:
        FLAGS(["evaluate", *argv])
        evaluate.main(["evaluate"])
        error = None
    except (ConfigError, MissingDataError, flags.Error, RuntimeError) as e:
        error = f"{type(e).__name__}: {e}"
    results.append({"error": error, **record})
print(json.dumps(results))
