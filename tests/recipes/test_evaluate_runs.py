"""What igdtf.evaluate reads from the models' run directories: the ε they were trained at, and
the seed runs of --seed_runs."""

import json
import os

import pytest

from igdtf.errors import ConfigError
from igdtf.cli.evaluate.plan import parse_models
from igdtf.cli.evaluate.runs import evaluation_epsilon, recorded_epsilon, seed_models


def _run_dir(path, epsilon=None, model_file="model.keras"):
    """A run directory with a run.json recording a validation attack at `epsilon` (1/255 units;
    None: a standard run, no attack) and an empty model file."""
    os.makedirs(path, exist_ok=True)
    attack = None if epsilon is None else {"norm": "linf", "epsilon": epsilon / 255, "step_size": 2 / 255}
    with open(os.path.join(path, "run.json"), "w") as f:
        json.dump({"identity": {"method": "pgdat"}, "settings": {"eval_attack": attack}}, f)
    open(os.path.join(path, model_file), "w").close()
    return str(path)


def test_the_epsilon_comes_from_the_run_records_unless_given(tmp_path):
    pgdat = _run_dir(tmp_path / "pgdat", epsilon=4)
    standard = _run_dir(tmp_path / "standard")
    strong = _run_dir(tmp_path / "strong", epsilon=8)
    assert recorded_epsilon(pgdat) == 4.0 and recorded_epsilon(os.path.join(pgdat, "model.keras")) == 4.0
    assert recorded_epsilon(standard) is None and recorded_epsilon(str(tmp_path / "nowhere.keras")) is None
    value, source = evaluation_epsilon({"standard": standard, "pgdat": os.path.join(pgdat, "model.keras")}, None)
    assert value == 4.0 and "pgdat" in source
    assert evaluation_epsilon({"standard": standard}, None)[0] == 8.0  # nothing recorded: the default
    assert evaluation_epsilon({"pgdat": pgdat, "strong": strong}, 6.0) == (6.0, "--epsilon")
    with pytest.raises(ConfigError, match=r"trained at different ε \(pgdat 4/255, strong 8/255\); pass --epsilon"):
        evaluation_epsilon({"pgdat": pgdat, "strong": strong}, None)


def test_seed_runs_pair_the_models_by_seed_and_refuse_mismatched_seeds(tmp_path):
    for name, seeds in (("igd", (0, 1, 2)), ("pgdat", (0, 1, 2)), ("short", (0, 1))):
        for seed in seeds:
            _run_dir(tmp_path / name / f"seed_{seed}", epsilon=8)
    pairs = seed_models({"igd": str(tmp_path / "igd"), "pgdat": str(tmp_path / "pgdat")})
    assert list(pairs) == [0, 1, 2] and pairs[1] == {"igd": str(tmp_path / "igd" / "seed_1"),
                                                     "pgdat": str(tmp_path / "pgdat" / "seed_1")}
    with pytest.raises(ConfigError, match="different seeds .*igd: 0,1,2; short: 0,1"):
        seed_models({"igd": str(tmp_path / "igd"), "short": str(tmp_path / "short")})
    with pytest.raises(ConfigError, match="holds no seed_<s>/ run directories"):
        seed_models({"igd": str(tmp_path / "igd" / "seed_0")})


def test_a_bare_run_folder_is_a_model_named_after_it_and_a_bare_word_is_refused(tmp_path):
    run = tmp_path / "pgdat run"
    run.mkdir()
    (run / "model.keras").write_bytes(b"")
    assert parse_models([str(run), f"b={run}"]) == {"pgdat_run": str(run), "b": str(run)}
    with pytest.raises(ConfigError, match="--model must be NAME=PATH"):
        parse_models(["standard"])
