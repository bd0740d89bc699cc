"""run.json: what a run directory holds, checked before a run resumes in it.

  {"identity": {...},    settings a checkpoint cannot change at all (method, architecture,
                         dataset, batch, seed, precision): another value is another run
   "settings": {...},    every setting of the run (TrainConfig, dataset, recipe options);
                         those that change the result must match when the run resumes
   "segments": [{"first_epoch": 1, "last_epoch": E, "settings": {...}}, ...]}
                         the epochs trained under each setting: one segment, plus one per
                         --extend_epochs (the only legitimate change of a result setting)

A run is resumed (or reloaded when finished) only with the settings it records; each difference
is reported as "NAME: VALUE there, VALUE now".
"""

import json
import logging
import os

import tensorflow as tf

from igdtf.errors import ConfigError
from igdtf.runs.artefacts import read_json
from igdtf.runs.atomic import write_json
from igdtf.runs.files import CHECKPOINTS_DIR, MODEL_FILE, RUN_FILE

log = logging.getLogger("igdtf.training")

# Settings that change how a run is checkpointed, not what it computes.
NOT_RESULT_SETTINGS = ("checkpoint_every_steps",)
_EPOCHS = "epochs"


def _normalised(value):
    return json.loads(json.dumps(value, default=str))


def _flat(settings: dict, prefix: str = "") -> dict:
    """{"attack.epsilon": ..., ...}: nested settings as dotted names."""
    flat = {}
    for key, value in settings.items():
        if isinstance(value, dict) and value:
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


def read_run_file(output_dir: str) -> dict | None:
    """The contents of OUTPUT_DIR/run.json, or None if there is none; UnreadableFileError (naming
    it) if it is not a run record."""
    path = os.path.join(output_dir, RUN_FILE)
    if not os.path.isfile(path):
        return None
    remedy = "It records which run the directory holds; restore it, or choose another --output_dir."
    record = read_json(path, remedy)
    if not isinstance(record, dict) or not isinstance(record.get("identity"), dict):
        raise ConfigError(f"{path} is not a run record (no identity). {remedy}")
    return record


def recorded_epochs(record: dict) -> int | None:
    """The epochs a run record was last started for (its last segment's end)."""
    segments = record.get("segments")
    if segments:
        return segments[-1]["last_epoch"]
    return record.get("settings", {}).get(_EPOCHS)


def _differences(recorded: dict, current: dict) -> list[str]:
    return [f"{key}: {recorded.get(key)!r} there, {current[key]!r} now" for key in current
            if recorded.get(key) != current[key]]


def check_run_directory(output_dir: str, identity: dict, resume: bool, settings: dict | None = None,
                        extend_epochs: bool = False) -> None:
    """Refuses a run directory that belongs to another run, was run with other settings, or
    holds a checkpoint when resuming is off; call before any work starts.

    identity: the settings a checkpoint cannot change (method, architecture, dataset, ...).
    settings: every setting of the run (compared except NOT_RESULT_SETTINGS; a setting that
      run.json does not record, from an older igdtf, is skipped with a warning).
    extend_epochs: allows more epochs than the run recorded (a finished run trains on).
    Raises ConfigError naming each differing setting, or how to proceed.
    """
    record = read_run_file(output_dir)
    if record is not None:
        differences = _differences(record["identity"], _normalised(identity))
        if differences:
            raise ConfigError(
                f"{output_dir} holds a checkpoint of a different run ({'; '.join(differences)}). "
                "Choose another --output_dir, or delete that one to start over."
            )
        if settings is not None:
            _check_settings(output_dir, record, settings, extend_epochs)
    if not resume and (tf.train.latest_checkpoint(os.path.join(output_dir, CHECKPOINTS_DIR))
                       or os.path.exists(os.path.join(output_dir, MODEL_FILE))):
        raise ConfigError(
            f"{output_dir} holds a checkpoint and resuming is off (--noresume). Resume it (the "
            "default), or choose another --output_dir."
        )


def _check_settings(output_dir: str, record: dict, settings: dict, extend_epochs: bool) -> None:
    recorded_settings = record.get("settings", {})
    recorded = _flat(recorded_settings)
    current = {key: value for key, value in _flat(_normalised(settings)).items()
               if key not in NOT_RESULT_SETTINGS and key != _EPOCHS}
    # Skipped: settings an older igdtf did not record (their top-level name is missing).
    unrecorded = sorted(key for key in current if key.split(".")[0] not in recorded_settings)
    if unrecorded:
        log.warning("%s/%s does not record %s (an older igdtf); not checked.", output_dir, RUN_FILE,
                    ", ".join(unrecorded))
    differences = _differences(recorded, {key: current[key] for key in current if key not in unrecorded})
    there, now = recorded_epochs(record), settings.get(_EPOCHS)
    if there is not None and now is not None and now != there and not (extend_epochs and now > there):
        hint = " (add --extend_epochs to train it on)" if now > there else ""
        differences.append(f"epochs: {there!r} there, {now!r} now{hint}")
    if differences:
        raise ConfigError(
            f"{output_dir} holds a run with other settings ({'; '.join(differences)}). Resume it with the "
            "settings it records, or choose another --output_dir."
        )


def write_run_file(output_dir: str, identity: dict, settings: dict) -> None:
    """Records the run's identity and settings in run.json when the run starts, and a new segment
    when it is resumed for more epochs (check_run_directory allowed that already)."""
    record = read_run_file(output_dir)
    settings = _normalised(settings)
    epochs = settings.get(_EPOCHS)
    if record is None:
        record = {"identity": _normalised(identity), "settings": settings,
                  "segments": [{"first_epoch": 1, "last_epoch": epochs, "settings": settings}]}
    else:
        there = recorded_epochs(record)
        if there is None or epochs is None or epochs <= there:
            return
        segments = record.get("segments") or [
            {"first_epoch": 1, "last_epoch": there, "settings": record.get("settings", {})}]
        record = {**record, "settings": settings,
                  "segments": [*segments, {"first_epoch": there + 1, "last_epoch": epochs, "settings": settings}]}
    write_json(os.path.join(output_dir, RUN_FILE), record)
