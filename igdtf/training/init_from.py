"""The student a run starts from: built from its architecture, or taken from another model
(--init_from: a .keras file, a run directory's best or final model, or an igdtf SavedModel
export: the Keras copy of its classifier, models/saved_model_copy.py), whose head is replaced
when the classes differ (--replace_head). Other SavedModels are refused: their graph is fixed
for serving (BatchNorm in inference mode, no Keras layers whose head could be replaced).

A run started from another model saves that starting model (head replaced) as initial.keras in
its run directory and records the source and a hash of its weights in model_spec.json, so the
run resumes, exports and reloads without the source file.
"""

import hashlib
import logging
import os

import keras
import numpy as np

from igdtf.data.registry import DatasetInfo
from igdtf.models.arch import SYNCHRONIZED_BN, synchronize_batch_norm
from igdtf.models.checks import check_classifier
from igdtf.models.heads import replace_head
from igdtf.models.loading import LoadedClassifier, load_classifier, recorded_modules, recorded_spec
from igdtf.models.saved_model_copy import ASSETS_DIR, KERAS_COPY_FILE, has_keras_copy, load_keras_copy, served_version
from igdtf.models.spec import INIT_ARCH, ModelSpec
from igdtf.runs.atomic import save_model
from igdtf.runs.files import INITIAL_MODEL_FILE, has_checkpoint
from igdtf.training.config import TrainConfig

log = logging.getLogger("igdtf.training")


def weights_sha256(model: keras.Model) -> str:
    """SHA-256 of the model's weights (values in model.weights order, float32 bytes)."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight), np.float32).tobytes())
    return digest.hexdigest()


def student_model(config: TrainConfig, info: DatasetInfo, output_dir: str, files: str,
                  resuming: bool) -> tuple[ModelSpec, keras.Model]:
    """(its ModelSpec, the student) of a run: built from config.arch (an application without its
    pretrained weights when `resuming`: the checkpoint holds them), or for init_from the
    initial model recorded in `output_dir`, else taken from the source and saved into `files`
    (the run directory on the chief). Call in the run's strategy scope."""
    if config.init_from is None:
        spec = _arch_spec(config, info)
        return spec, spec.build(initial_weights=not resuming)
    recorded = recorded_initial_model(config, output_dir)
    if recorded is not None:
        return recorded, recorded.build(output_dir)
    model, init = _initial_model(config, info)
    save_model(model, os.path.join(files, INITIAL_MODEL_FILE))
    return _arch_spec(config, info, init), model


def recorded_initial_model(config: TrainConfig, output_dir: str) -> ModelSpec | None:
    """The ModelSpec of a started --init_from run in `output_dir`, which has recorded its initial
    model (model_spec.json with its init record, and initial.keras): resuming needs no source.
    None otherwise, and for a config without init_from."""
    if config.init_from is None:
        return None
    recorded = recorded_spec(output_dir)
    if recorded is not None and recorded.init and os.path.isfile(os.path.join(output_dir, INITIAL_MODEL_FILE)):
        return recorded
    return None


def _initial_model(config: TrainConfig, info: DatasetInfo) -> tuple[keras.Model, dict]:
    """The init_from model, checked against the data (ValueError naming the problem and the flag),
    its head replaced if asked, and the init record of model_spec.json."""
    loaded, modules = _source_model(config.init_from)
    source, model = loaded.model, loaded.model
    shape, classes = tuple(model.input_shape[1:]), model.output_shape[-1]
    if shape != tuple(info.image_shape):
        raise ValueError(f"--init_from={config.init_from} takes {shape} inputs, but the data's images are "
                         f"{tuple(info.image_shape)}; train at its size (--image_size={shape[0]}) or start from "
                         "another model.")
    if classes != info.num_classes and not config.replace_head:
        raise ValueError(f"--init_from={config.init_from} has {classes} classes, the data {info.num_classes}: add "
                         "--replace_head to train a new logit layer for the data's classes.")
    if config.replace_head:
        try:
            model = replace_head(model, info.num_classes)
        except ValueError as error:
            raise ValueError(f"--replace_head: {error}") from None
    try:
        check_classifier(model, info.image_shape, info.num_classes)
    except ValueError as error:
        raise ValueError(f"--init_from={config.init_from}: {error}") from None
    if config.arch_options.get(SYNCHRONIZED_BN):
        synchronize_batch_norm(model, config.init_from)
    init = {"source": os.path.abspath(config.init_from), "loaded": os.path.abspath(loaded.source),
            "weights_sha256": weights_sha256(source), "replace_head": config.replace_head,
            "model_file": INITIAL_MODEL_FILE, "modules": modules}
    log.info("Starting from %s (weights sha256 %s)%s.", loaded.source, init["weights_sha256"][:16],
             ", with a new head" if config.replace_head else "")
    return model, init


def _source_model(path: str) -> tuple[LoadedClassifier, list[str]]:
    """(the init_from model at `path`, the modules imported to load it); ValueError saying what
    is supported for a path that holds none, or a SavedModel igdtf did not export."""
    saved_model = served_version(path)
    if saved_model is None:
        try:
            return load_classifier(path, best=True), recorded_modules(path)
        except FileNotFoundError as error:
            raise ValueError(f"--init_from: {error}") from None
    if not has_keras_copy(saved_model):
        version = f" (its highest version {saved_model})" if saved_model != path else ""
        raise ValueError(f"--init_from={path}{version} is a SavedModel without igdtf's Keras copy of its classifier "
                         f"({ASSETS_DIR}/{KERAS_COPY_FILE}); its graph is fixed for serving and cannot be trained. "
                         "Supported: a .keras file, a run directory, or a SavedModel exported by igdtf "
                         "(python -m igdtf.export, a recipe's export/<method>/<version>); start from the .keras "
                         "file or run directory it came from, or export that with python -m igdtf.export.")
    model, file, modules = load_keras_copy(saved_model)
    if saved_model != path:
        log.info("--init_from=%s: its highest version %s, which TF Serving serves.", path, saved_model)
    return LoadedClassifier(model, file, None), modules


def check_student(config: TrainConfig, info: DatasetInfo, output_dir: str, flag: str = "arch") -> None:
    """Builds the student of `config` once, outside any strategy, so that a model that cannot
    train on this data (a factory or application that does not return logits for these images,
    an init_from model of another shape) is refused before any work; ValueError naming it and
    the flag (--`flag` for the architecture). A run in `output_dir` that has started needs no
    pretrained weights file and no init_from source any more (student_model)."""
    if config.init_from is not None:
        if recorded_initial_model(config, output_dir) is not None:
            return
        if not os.path.exists(config.init_from):
            raise ValueError(f"--init_from={config.init_from} does not exist.")
        _initial_model(config, info)
        return
    try:
        _arch_spec(config, info).build(initial_weights=not has_checkpoint(output_dir))
    except ValueError as error:
        message = str(error)
        raise ValueError(f"--{flag}={message}" if message.startswith(config.arch + ":")
                         else f"--{flag}={config.arch}: {message}") from None


def untrained_student(config: TrainConfig, info: DatasetInfo) -> keras.Model:
    """The student of `config` before training, outside any strategy: the init_from model (head
    replaced if asked), or the architecture without pretrained weights (nothing is loaded or
    downloaded); ValueError as check_student."""
    if config.init_from is not None:
        return _initial_model(config, info)[0]
    return _arch_spec(config, info).build(initial_weights=False)


def _arch_spec(config: TrainConfig, info: DatasetInfo, init: dict | None = None) -> ModelSpec:
    """The ModelSpec of the student of `config` on the data of `info`; with `init` (the init record),
    of a student started from config.init_from."""
    return ModelSpec(INIT_ARCH if init else config.arch, tuple(info.image_shape), info.num_classes,
                     tuple(info.mean), tuple(info.std), dict(config.arch_options), info.name, init)
