"""The models of an evaluation against its dataset: the image size they take, and whether they
fit its images and classes."""

import logging

import keras
from absl import flags

from igdtf.errors import ConfigError, checked
from igdtf.models.loading import load_classifier
from igdtf.runs.files import is_run_directory

FLAGS = flags.FLAGS
log = logging.getLogger("igdtf.evaluate")


def load_model_to_evaluate(name: str, path: str) -> keras.Model:
    """The frozen classifier --model NAME=PATH names: a .keras file, a SavedModel, or a run
    folder's best.keras (the checkpoint its report evaluates) if it has one, else its model.keras,
    else its latest checkpoint; for a run folder the log says which."""
    loaded = load_classifier(path, best=True)
    if is_run_directory(path):
        best = loaded.best
        which = f"its best checkpoint ({best['metric']} {best['value']:.4f} at epoch {best['epoch']})" if best \
            else "its final model" if loaded.source.endswith(".keras") else "its latest checkpoint (unfinished run)"
        log.info("--model %s=%s is a run folder: evaluating %s, %s.", name, path, which, loaded.source)
    loaded.model.trainable = False
    return loaded.model


def fit_image_size(models: dict, info):
    """`info` at the models' input side, or at --image_size if given (ConfigError naming both
    sizes when the models take another); vector datasets unchanged."""
    shape = tuple(next(iter(models.values())).input_shape[1:])
    if len(info.image_shape) != 3 or len(shape) != 3:
        return info
    if FLAGS.image_size is not None and FLAGS.image_size != shape[0]:
        raise ConfigError(f"--image_size={FLAGS.image_size} resizes {info.name} to {FLAGS.image_size}x"
                          f"{FLAGS.image_size}, but the models take {shape[0]}x{shape[1]} images; drop --image_size "
                          f"(the default is the models' size) or pass --image_size={shape[0]}.")
    return checked(info.with_image_size, shape[0])


def check_models_fit(models: dict, info) -> None:
    """ConfigError unless every model (already checked comparable: evaluate._evaluate) takes the
    dataset's images and predicts its classes."""
    for name, model in models.items():
        shape, classes = tuple(model.input_shape[1:]), model.output_shape[-1]
        if shape != tuple(info.image_shape) or classes != info.num_classes:
            raise ConfigError(f"Model {name} takes {shape} images with {classes} classes, but dataset "
                              f"{info.name} has {tuple(info.image_shape)} images with {info.num_classes} classes.")
