"""Export a trained classifier for TF Serving.

Command:
  python -m igdtf.export --checkpoint PATH --output BASE [--version N] [--overwrite] [--dataset SPEC]
PATH: a .keras model, or a run directory of igdtf.training (its model.keras, or the latest
checkpoint of an unfinished run or of one whose model.keras cannot be read). Writes BASE/<version>/ (see export/README.md for serving).
Only the classifier is exported, never a teacher or a trainer.
Hardware: any; seconds on a CPU.
"""

import os

from absl import flags

from igdtf.cli import check_output_dir, data_flags
from igdtf.data.dataset_options import dataset_options
from igdtf.data.registry import DATASETS, dataset_info
from igdtf.data.sources.specs import is_spec
from igdtf.errors import ConfigError
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.models.loading import load_classifier, recorded_modules
from igdtf.models.saved_model_copy import SAVED_MODEL_FILE
from igdtf.runs.lock import hold_folder

FLAGS = flags.FLAGS


def define_export_flags() -> None:
    """Defines the flags of `python -m igdtf.export` (igdtf/export/__main__.py calls it and adopts
    this module's key flags)."""
    flags.DEFINE_string("checkpoint", None, "A .keras model or a run directory of igdtf.training.")
    flags.DEFINE_string("output", None, "Model base path for TF Serving; the model goes to OUTPUT/VERSION/.")
    flags.DEFINE_integer("version", 1, "Version folder (an integer >= 1).")
    flags.DEFINE_bool("overwrite", False, "Replace OUTPUT/VERSION/ if it exists (refused otherwise).")
    flags.DEFINE_integer("image_size", None, "Image side the model was trained at (default: the model's input size; "
                         "must match it).")
    flags.DEFINE_integer("top_k", 5, "How many classes the classification signatures rank.")
    data_flags.define_data_flags(dataset="The one the model was trained on: its class names and evaluation "
                                 "resize/crop for serving. Default: the one the run directory records, if any.",
                                 download=False)
    flags.adopt_module_key_flags(data_flags)  # list them in --help
    flags.mark_flags_as_required(["checkpoint", "output"])


def main(argv):
    del argv
    check_output_dir(FLAGS.output, "output")
    hold_folder(FLAGS.output, "output")  # refused while a run holds it (or a folder around it)
    if os.path.isfile(os.path.join(FLAGS.checkpoint, SAVED_MODEL_FILE)):
        raise ConfigError(f"--checkpoint={FLAGS.checkpoint} is a SavedModel, which is exported already; export "
                          "takes a .keras model or a run directory of igdtf.training.")
    try:
        loaded = load_classifier(FLAGS.checkpoint)
        options = {}
        # A run may record a dataset that is not in the registry (library use): names default then.
        recorded = loaded.dataset if loaded.dataset in DATASETS or is_spec(loaded.dataset or "") else None
        dataset = FLAGS.dataset or recorded
        if dataset is not None:
            info = fitted_dataset(dataset, loaded.model)
            options = dict(class_names=info.class_names, preprocessing=ImagePreprocessing.for_dataset(info))
        path = export_saved_model(loaded.model, FLAGS.output, FLAGS.version, FLAGS.overwrite,
                                  top_k=FLAGS.top_k, modules=recorded_modules(FLAGS.checkpoint), **options)
    except (FileNotFoundError, FileExistsError, TypeError, ValueError) as error:
        raise ConfigError(str(error)) from error
    print(f"Exported {loaded.source} (dataset: {dataset or 'unknown, classes named class_<i>'}) to {path}")


def fitted_dataset(dataset: str, model):
    """The DatasetInfo of spec `dataset` at the model's input size; ValueError naming what
    disagrees (and the flag that fixes it)."""
    options = dataset_options(dataset, FLAGS.dataset_option, data_dir=FLAGS.data_dir)
    info = dataset_info(dataset, **options).with_recorded_class_names(**options)
    model_shape, model_classes = tuple(model.input_shape[1:]), model.output_shape[-1]
    if FLAGS.image_size is not None and FLAGS.image_size != model_shape[0]:
        raise ValueError(f"--image_size={FLAGS.image_size}, but the model takes {model_shape[0]}x{model_shape[1]} "
                         f"images; drop --image_size (the default is the model's size) or pass "
                         f"--image_size={model_shape[0]}.")
    info = info.with_image_size(model_shape[0])
    if (tuple(info.image_shape), info.num_classes) != (model_shape, model_classes):
        raise ValueError(f"--dataset={dataset} has {info.num_classes} classes of {info.image_shape[2]}-channel "
                         f"images, but the model takes {model_shape} and has {model_classes} classes.")
    return info

