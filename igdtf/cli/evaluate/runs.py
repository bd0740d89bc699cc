"""What `python -m igdtf.evaluate` reads from the run directories of its models: the ε they were
trained at (run.json beside the model) and, with --seed_runs, the seed runs of each model
(MODEL_DIR/seed_<s>/, as the recipes' --seeds write them)."""

import os
import re

from igdtf.errors import ConfigError
from igdtf.evaluation.reporting.seed_summary import SEED_DIR_PREFIX
from igdtf.runs.artefacts import read_json
from igdtf.runs.files import RUN_FILE

DEFAULT_EPSILON = 8.0  # 1/255 units: when no model records the ε it was trained at
_SEED_DIR = re.compile(rf"^{SEED_DIR_PREFIX}(\d+)$")


def recorded_epsilon(model_path: str) -> float | None:
    """The L∞ ε (1/255 units) of the validation attack in the run.json of the run `model_path`
    belongs to (the run directory itself, or the folder of a .keras file), i.e. the ε an
    adversarial method trained at; None for runs without one (standard training, no run.json)."""
    folder = model_path if os.path.isdir(model_path) else os.path.dirname(model_path)
    path = os.path.join(folder, RUN_FILE)
    if not os.path.isfile(path):
        return None
    record = read_json(path, "It records how the model was trained; restore it, or pass --epsilon.")
    attack = (record.get("settings") or {}).get("eval_attack") if isinstance(record, dict) else None
    if not isinstance(attack, dict) or attack.get("epsilon") is None:
        return None
    return round(float(attack["epsilon"]) * 255, 6)


def evaluation_epsilon(model_paths: dict, given: float | None) -> tuple[float, str]:
    """(ε in 1/255 units, where it comes from): --epsilon when given; else the ε every model that
    records one was trained at (ConfigError naming them when they differ); else DEFAULT_EPSILON."""
    if given is not None:
        return given, "--epsilon"
    recorded = {name: eps for name, path in model_paths.items() if (eps := recorded_epsilon(path)) is not None}
    values = sorted(set(recorded.values()))
    if len(values) > 1:
        listing = ", ".join(f"{name} {eps:g}/255" for name, eps in sorted(recorded.items()))
        raise ConfigError(f"The models were trained at different ε ({listing}); pass --epsilon (1/255 units) to "
                          "evaluate them all at one.")
    if values:
        return values[0], f"the run records (run.json) of {', '.join(sorted(recorded))}"
    return DEFAULT_EPSILON, f"the default {DEFAULT_EPSILON:g}/255 (no model records the ε it was trained at)"


def seed_models(model_paths: dict) -> dict[int, dict[str, str]]:
    """{seed: {name: MODEL_DIR/seed_<seed>}} for models given as directories of seed runs;
    ConfigError when one is not such a directory or the models do not have the same seeds."""
    seeds = {}
    for name, path in model_paths.items():
        found = sorted(int(m.group(1)) for entry in (os.listdir(path) if os.path.isdir(path) else [])
                       if (m := _SEED_DIR.match(entry)) and os.path.isdir(os.path.join(path, entry)))
        if not found:
            raise ConfigError(f"--seed_runs: --model {name}={path} holds no {SEED_DIR_PREFIX}<s>/ run directories "
                              "(the output of a recipe run with --seeds).")
        seeds[name] = found
    if len({tuple(found) for found in seeds.values()}) > 1:
        listing = "; ".join(f"{name}: {','.join(map(str, found))}" for name, found in seeds.items())
        raise ConfigError(f"--seed_runs: the models have different seeds ({listing}); every model needs the same.")
    return {seed: {name: os.path.join(path, f"{SEED_DIR_PREFIX}{seed}") for name, path in model_paths.items()}
            for seed in next(iter(seeds.values()))}
