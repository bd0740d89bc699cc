"""Input-pipeline throughput: training images per second delivered by tf.data alone (no model).

Command:
  python -m igdtf.benchmarks.input_pipeline --dataset=imagenet100 --manual_dir=/data/ilsvrc2012
  python -m igdtf.benchmarks.input_pipeline --fake_imagenet   # ImageNet-shaped fake archives
  python -m igdtf.benchmarks.input_pipeline --fake_cifar      # CIFAR-shaped images in memory
(`python -m igdtf.recipes.input_benchmark` is the same program under its former name.)
Hardware: the machine that will feed the GPUs (the pipeline runs on its CPU cores).
Expected time: under a minute plus, the first time, building the records.
Read the figure against the GPU: a training step consumes batch_size images; if the pipeline
delivers fewer images/s than the GPU trains, the input pipeline is the bottleneck.

--fake_imagenet builds 100 classes of random 500x375 JPEGs (ILSVRC2012's typical size and
quality) into a temporary ILSVRC-shaped pair of tars, then the ImageNet-100 records from them.
--fake_cifar feeds random 32x32 uint8 images held in memory (as CIFAR's loader yields them)
through CIFAR-10's training preprocessing (pad 4, random crop, flip).
"""

import os
import tempfile

import numpy as np
import tensorflow as tf

from absl import flags

from igdtf.data import imagenet100
from igdtf.data.fake_ilsvrc import make_fake_ilsvrc
from igdtf.data.pipeline import EpochBatches, images_per_second
from igdtf.data.registry import DATASETS, dataset_info
from igdtf.errors import ConfigError
from igdtf.recipes.runner import checked, run
from igdtf.validation import check_positive_int

flags.DEFINE_enum("dataset", "imagenet100", sorted(DATASETS), "Dataset whose training pipeline is measured.")
flags.DEFINE_string("manual_dir", None, "Folder with the dataset's archive(s).")
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory.")
flags.DEFINE_bool("fake_imagenet", False, "Measure ImageNet-100 on generated ImageNet-shaped archives.")
flags.DEFINE_bool("fake_cifar", False, "Measure CIFAR-10's pipeline on random CIFAR-shaped images in memory.")
flags.DEFINE_integer("fake_cifar_images", 10_000, "Number of random images of --fake_cifar.")
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
    if FLAGS.fake_cifar and FLAGS.fake_imagenet:
        raise ConfigError("Pass at most one of --fake_cifar and --fake_imagenet.")
    if FLAGS.fake_cifar:
        checked(check_positive_int, "fake_cifar_images", FLAGS.fake_cifar_images)
        measure("cifar10", None, " (fake, CIFAR-shaped, in memory)", fake_cifar(FLAGS.fake_cifar_images))
        return
    if not FLAGS.fake_imagenet:
        measure(FLAGS.dataset, {"manual_dir": FLAGS.manual_dir, "data_dir": FLAGS.data_dir}, "")
        return
    with tempfile.TemporaryDirectory(prefix="igdtf_fake_imagenet_") as scratch:
        options = {"manual_dir": os.path.join(scratch, "manual"), "data_dir": os.path.join(scratch, "data")}
        make_fake_ilsvrc(options["manual_dir"], imagenet100.class_wnids(), FLAGS.fake_images_per_class,
                         validation_per_class=1, size=(375, 500))
        measure("imagenet100", options, " (fake, ImageNet-shaped)")


def fake_cifar(count: int) -> tf.data.Dataset:
    """`count` random (uint8 [32, 32, 3] image, int64 label) pairs, as CIFAR's loader yields them."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
    return tf.data.Dataset.from_tensor_slices((images, rng.integers(0, 10, size=count)))


def measure(dataset: str, options: dict | None, label: str, examples: tf.data.Dataset | None = None) -> None:
    """Prints the training images/s of `dataset`'s pipeline over `examples`, by default its own
    training split loaded with `options`."""
    info = checked(dataset_info(dataset).with_image_size, FLAGS.image_size)
    size = info.image_shape[0]
    if examples is None:
        examples = info.loader("train", **options)
    batches = checked(EpochBatches, examples,
                      lambda image, seed: info.preprocess.train(image, seed, size), FLAGS.batch_size,
                      shuffle_buffer=info.shuffle_buffer, deterministic=FLAGS.deterministic)
    rate = images_per_second(batches, FLAGS.batches, FLAGS.warmup_batches)
    print(f"{info.name}{label}: {rate:.0f} training images/s at {size}x{size}, batch {FLAGS.batch_size}, "
          f"{os.cpu_count()} CPU cores, deterministic={FLAGS.deterministic}")


if __name__ == "__main__":
    run(main)
