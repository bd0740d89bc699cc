"""Every entry point's --help lists every igdtf flag it parses, whichever module the user runs."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# One process imports TensorFlow and the flag-free part of igdtf once, then forks a child per
# module that runs it as `python -m MODULE --help` would and reports the help text and the flags
# igdtf defined (TensorFlow and absl define flags of their own). Each child starts from the
# same flag-free parent, so entry modules never see each other's flags.
_HELP = """
import contextlib, io, json, os, runpy, sys, tempfile
import tensorflow, keras, tensorflow_datasets
import igdtf.attacks, igdtf.data.registry, igdtf.evaluation, igdtf.export, igdtf.methods, igdtf.training
from absl import flags
results = {}
for module in json.loads(sys.argv[1]):
    with tempfile.TemporaryFile("w+") as out:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                sys.argv = [module, "--help"]
                text = io.StringIO()
                with contextlib.redirect_stdout(text):
                    try:
                        runpy.run_module(module, run_name="__main__", alter_sys=True)
                    except SystemExit:
                        pass
                ours = sorted({f.name for name, defined in flags.FLAGS.flags_by_module_dict().items()
                               if "igdtf" in name and not name.startswith(("absl", "tensorflow")) for f in defined})
                json.dump({"help": text.getvalue(), "flags": ours}, out)
            except BaseException as error:
                json.dump({"error": repr(error)}, out)
            out.flush()
            os._exit(code)
        os.waitpid(pid, 0)
        out.seek(0)
        results[module] = json.load(out)
print(json.dumps(results))
"""


def entry_modules() -> list[str]:
    """Every module of the package that runs as a program (`if __name__ == "__main__"`)."""
    modules = []
    for folder, _, files in os.walk(os.path.join(ROOT, "igdtf")):
        for name in files:
            path = os.path.join(folder, name)
            if name.endswith(".py") and 'if __name__ == "__main__":' in open(path).read():
                module = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
                modules.append(module[:-len(".__main__")] if module.endswith(".__main__") else module)
    return sorted(modules)


def test_every_entry_module_lists_all_its_flags_in_help():
    modules = entry_modules()
    assert {"igdtf.evaluate", "igdtf.export", "igdtf.recipes.train", "igdtf.recipes.cifar10",
            "igdtf.benchmarks.input_pipeline"} <= set(modules)
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", _HELP, json.dumps(modules)], capture_output=True, text=True,
                          env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    missing = {}
    for module, result in results.items():
        assert "error" not in result and result["help"].strip(), (module, result.get("error"))
        # Modules with argparse instead of absl flags (result["flags"] empty) list all their options.
        absent = [name for name in result["flags"]
                  if f"--{name}" not in result["help"] and f"--[no]{name}" not in result["help"]]
        if absent:
            missing[module] = absent
    assert not missing, missing
