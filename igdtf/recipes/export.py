"""Export a trained classifier for TF Serving.

Command:
  python -m igdtf.export --checkpoint PATH --output BASE [--version N] [--overwrite] [--dataset NAME]
PATH: a .keras model, or a run directory of igdtf.training (its model.keras, or the latest
checkpoint of an unfinished run or of one whose model.keras cannot be read). Writes BASE/<version>/ (see export/README.md for serving).
Only the classifier is exported, never a teacher or a trainer.
Hardware: any; seconds on a CPU.
"""

from absl import flags

from igdtf.data.registry import DATASETS, dataset_info
from igdtf.errors import ConfigError
from igdtf.export import ImagePreprocessing, export_saved_model
from igdtf.export.source import load_classifier
from igdtf.recipes.runner import check_output_dir, run

flags.DEFINE_string("checkpoint", None, "A .keras model or a run directory of igdtf.training.")
flags.DEFINE_string("output", None, "Model base path for TF Serving; the model goes to OUTPUT/VERSION/.")
flags.DEFINE_integer("version", 1, "Version folder (an integer >= 1).")
flags.DEFINE_bool("overwrite", False, "Replace OUTPUT/VERSION/ if it exists (refused otherwise).")
flags.DEFINE_enum("dataset", None, sorted(DATASETS), "Dataset the model was trained on: its class names "
                  "and serving resize/crop. Default: the one the run directory records, if any.")
flags.DEFINE_integer("top_k", 5, "How many classes the classification signatures rank.")
flags.mark_flags_as_required(["checkpoint", "output"])
FLAGS = flags.FLAGS


def main(argv):
    del argv
    check_output_dir(FLAGS.output, "output")
    try:
        loaded = load_classifier(FLAGS.checkpoint)
        options = {}
        # A run may record a dataset that is not in the registry (library use): names default then.
        dataset = FLAGS.dataset or (loaded.dataset if loaded.dataset in DATASETS else None)
        if dataset is not None:
            info = dataset_info(dataset)
            model_shape, model_classes = tuple(loaded.model.input_shape[1:]), loaded.model.output_shape[-1]
            if (tuple(info.image_shape), info.num_classes) != (model_shape, model_classes):
                raise ValueError(f"--dataset={dataset} has {info.num_classes} classes of {info.image_shape} "
                                 f"images, but the model takes {model_shape} and has {model_classes} classes.")
            options = dict(class_names=info.class_names, preprocessing=ImagePreprocessing.for_dataset(info))
        path = export_saved_model(loaded.model, FLAGS.output, FLAGS.version, FLAGS.overwrite,
                                  top_k=FLAGS.top_k, **options)
    except (FileNotFoundError, FileExistsError, TypeError, ValueError) as error:
        raise ConfigError(str(error)) from error
    print(f"Exported {loaded.source} (dataset: {dataset or 'unknown, classes named class_<i>'}) to {path}")


if __name__ == "__main__":
    run(main)
