"""A method is one file: a throw-away method class in a temporary module reaches build_trainer,
TrainConfig, the generated flags, --help and the harness without any other file being edited."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from igdtf.methods import METHODS, build_trainer
from igdtf.cli.method_flags import method_help, option_fields
from igdtf.training import TrainConfig

from tests.conftest import tiny_cnn
from tests.methods.harness import check_method_trains

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PLUGIN = textwrap.dedent('''
    """A throw-away method: CE + toy_weight * mean squared logit."""
    import dataclasses

    import tensorflow as tf

    from igdtf.methods import MethodOptions, Trainer, option
    from igdtf.validation import check_non_negative


    @dataclasses.dataclass(frozen=True)
    class ToyOptions(MethodOptions):
        toy_weight: float = option(0.5, "weight of the mean squared logit.", check=check_non_negative, symbol="w")


    class ToyMethod(Trainer):
        method_name = "toy_plugin"
        summary = "CE + toy_weight*mean(logits^2) (a throw-away test method)."
        options_class = ToyOptions
        penalty_metrics = ("logit_square",)

        def penalty(self, x, y, seed, logits):
            square = tf.reduce_mean(tf.square(logits), axis=1)
            return self.options.toy_weight * square, {"logit_square": square}
''')
# Imports a recipe (which defines the flags), then prints --help and the parsed config of two flag sets.
_SCRIPT = """
import json, sys
from absl import flags
import igdtf.recipes.train
from igdtf.cli.training_flags import config_from_flags
results = {"help": flags.FLAGS.module_help(igdtf.recipes.train)}
for args in (["--method=toy_plugin", "--toy_weight=2.5"], ["--method=pgdat", "--toy_weight=2.5"]):
    args = [*args, "--dataset=shapes", "--output_dir=unused"]
    flags.FLAGS.unparse_flags()
    try:
        flags.FLAGS(["train", *args])
        results[args[0]] = config_from_flags(flags.FLAGS).method_options.toy_weight
    except Exception as error:
        results[args[0]] = "error " + str(error)
print(json.dumps(results))
"""


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    (tmp_path / "toy_plugin_method.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    __import__("toy_plugin_method")
    yield tmp_path
    METHODS.pop("toy_plugin", None)
    sys.modules.pop("toy_plugin_method", None)


def test_a_new_method_class_reaches_build_trainer_the_config_and_the_harness(plugin, batch, tmp_path):
    assert "toy_plugin" in METHODS and "toy_plugin: CE + toy_weight" in method_help()
    assert option_fields()["toy_weight"][1] == ["toy_plugin"]
    trainer = build_trainer("toy_plugin", tiny_cnn(), toy_weight=1.5)
    assert trainer.options.toy_weight == 1.5 and trainer.penalty_metrics == ("logit_square",)
    assert TrainConfig.create(method="toy_plugin", toy_weight=2.0).method_options.toy_weight == 2.0
    with pytest.raises(ValueError, match=r"toy_weight \(w\) must be a number >= 0"):
        TrainConfig.create(method="toy_plugin", toy_weight=-1.0)
    check_method_trains("toy_plugin", batch, tmp_path)


def test_a_plugin_module_named_in_the_environment_reaches_the_flags_and_help(plugin):
    env = {**os.environ, "IGDTF_METHOD_MODULES": "toy_plugin_method",
           "PYTHONPATH": os.pathsep.join([str(plugin), ROOT, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _SCRIPT], capture_output=True, text=True, env=env, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    text = " ".join(results["help"].split())
    assert "toy_plugin: CE + toy_weight*mean(logits^2)" in text
    assert "--toy_weight: toy_plugin: weight of the mean squared logit." in text
    assert results["--method=toy_plugin"] == 2.5
    assert results["--method=pgdat"] == "error --toy_weight applies to toy_plugin, not to --method=pgdat."


def test_two_classes_cannot_share_a_method_name():
    from igdtf.methods import Trainer

    with pytest.raises(TypeError, match="Method name 'pgdat' of .* is taken by igdtf.methods.pgdat.PGDAT"):
        type("Impostor", (Trainer,), {"method_name": "pgdat", "summary": "x"})
