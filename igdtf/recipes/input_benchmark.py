"""Input-pipeline throughput: training images per second delivered by tf.data alone (no model).

Command:
  python -m igdtf.recipes.input_benchmark --dataset=imagenet100 --manual_dir=/data/ilsvrc2012
  python -m igdtf.recipes.input_benchmark --fake_imagenet   # ImageNet-shaped fake archives
Hardware: the machine that will feed the GPUs (the pipeline runs on its CPU cores).
Expected time: under a minute plus, the first time, building the records.
Read the figure against the GPU: a training step consumes batch_size images; if the pipeline
delivers fewer images/s than the GPU trains, the input pipeline is the bottleneck.

--fake_imagenet builds 100 classes of random 500x375 JPEGs (ILSVRC2012's typical size and
quality) into a temporary ILSVRC-shaped pair of tars, then the ImageNet-100 records from them.
"""

import os
import tempfile

from absl import flags

from igdtf.data import imagenet100
from igdtf.data.fake_ilsvrc import make_fake_ilsvrc
from igdtf.data.pipeline import EpochBatches, images_per_second
from igdtf.data.registry import DATASETS, dataset_info
from igdtf.recipes.runner import checked, run
from igdtf.validation import check_positive_int

flags.DEFINE_enum("dataset", "imagenet100", sorted(DATASETS), "Dataset whose training pipeline is measured.")
flags.DEFINE_string("manual_dir", None, "Folder with the dataset's archive(s).")
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory.")
flags.DEFINE_bool("fake_imagenet", False, "Measure ImageNet-100 on generated ImageNet-shaped archives.")
flags.DEFINE_integer("fake_images_per_class", 20, "Training JPEGs per class of the fake archives.")
flags.DEFINE_integer("batch_size", 128, "Global batch size.")
flags.DEFINE_integer("image_size", None, "Training image side (default: the dataset's).")
flags.DEFINE_integer("batches", 30, "Batches timed (after the warm-up).")
flags.DEFINE_integer("warmup_batches", 5, "Batches read before timing (fills the buffers).")
flags.DEFINE_bool("deterministic", False, "Deterministic element order (as --deterministic in training).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    checked(check_positive_int, "batches", FLAGS.batches)
    if not FLAGS.fake_imagenet:
        measure(FLAGS.dataset, {"manual_dir": FLAGS.manual_dir, "data_dir": FLAGS.data_dir}, "")
        return
    with tempfile.TemporaryDirectory(prefix="igdtf_fake_imagenet_") as scratch:
        options = {"manual_dir": os.path.join(scratch, "manual"), "data_dir": os.path.join(scratch, "data")}
        make_fake_ilsvrc(options["manual_dir"], imagenet100.class_wnids(), FLAGS.fake_images_per_class,
                         validation_per_class=1, size=(375, 500))
        measure("imagenet100", options, " (fake, ImageNet-shaped)")


def measure(dataset: str, options: dict, label: str) -> None:
    """Prints the training images/s of `dataset`'s pipeline (loader options `options`)."""
    info = checked(dataset_info(dataset).with_image_size, FLAGS.image_size)
    size = info.image_shape[0]
    batches = checked(EpochBatches, info.loader("train", **options),
                      lambda image, seed: info.preprocess.train(image, seed, size), FLAGS.batch_size,
                      shuffle_buffer=info.shuffle_buffer, deterministic=FLAGS.deterministic)
    rate = images_per_second(batches, FLAGS.batches, FLAGS.warmup_batches)
    print(f"{info.name}{label}: {rate:.0f} training images/s at {size}x{size}, batch {FLAGS.batch_size}, "
          f"{os.cpu_count()} CPU cores, deterministic={FLAGS.deterministic}")


if __name__ == "__main__":
    run(main)
