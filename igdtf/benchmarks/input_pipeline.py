"""Input-pipeline throughput: training images per second delivered by tf.data alone (no model).

Command:
  python -m igdtf.benchmarks.input_pipeline --dataset=imagenet100 --manual_dir=/data/ilsvrc2012
  python -m igdtf.benchmarks.input_pipeline --fake_imagenet   # ImageNet-shaped fake archives
  python -m igdtf.benchmarks.input_pipeline --fake_cifar      # CIFAR-shaped images in memory
  python -m igdtf.benchmarks.input_pipeline --folder_vs_npz --image_size=224   # folder: vs npz:
  python -m igdtf.benchmarks.input_pipeline --dataset=folder:/data/photos      # any dataset spec
Hardware: the machine that will feed the GPUs (the pipeline runs on its CPU cores).
Expected time: under a minute plus, the first time, building the records.
Read the figure against the GPU: a training step consumes batch_size images; if the pipeline
delivers fewer images/s than the GPU trains, the input pipeline is the bottleneck.

--fake_imagenet builds 100 classes of random 500x375 JPEGs (ILSVRC2012's typical size and
quality) into a temporary ILSVRC-shaped pair of tars, then the ImageNet-100 records from them.
--fake_cifar feeds random 32x32 uint8 images held in memory (as CIFAR's loader yields them)
through CIFAR-10's training preprocessing (pad 4, random crop, flip).
--folder_vs_npz writes --fake_images smooth random JPEGs of --image_size px (default 32) in 10
class folders, and the same decoded pixels into an .npz, then measures folder: against npz:.
"""

import os
import tempfile


import numpy as np
import tensorflow as tf

from absl import flags

from igdtf.benchmarks.fake_ilsvrc import make_fake_ilsvrc
from igdtf.cli import data_flags, run
from igdtf.data.archives import imagenet100
from igdtf.data.dataset_options import dataset_options
from igdtf.data.pipeline import EpochBatches, images_per_second
from igdtf.data.registry import dataset_info
from igdtf.errors import ConfigError, checked
from igdtf.validation import check_positive_int

data_flags.define_data_flags(dataset="The one whose training pipeline is measured.", dataset_default="imagenet100",
                             download=False, manual_dir=data_flags.MANUAL_DIR_DEFAULT)
flags.adopt_module_key_flags(data_flags)
flags.DEFINE_bool("fake_imagenet", False, "Measure ImageNet-100 on generated ImageNet-shaped archives.")
flags.DEFINE_bool("fake_cifar", False, "Measure CIFAR-10's pipeline on random CIFAR-shaped images in memory.")
flags.DEFINE_integer("fake_cifar_images", 10_000, "Number of random images of --fake_cifar.")
flags.DEFINE_integer("fake_images_per_class", 20, "Training JPEGs per class of the fake archives.")
flags.DEFINE_bool("folder_vs_npz", False, "Measure the same generated images as folder: (JPEG files) and npz:.")
flags.DEFINE_integer("fake_images", 2000, "Number of generated images of --folder_vs_npz.")
flags.DEFINE_integer("batch_size", 128, "Global batch size.")
flags.DEFINE_integer("image_size", None, "Training image side (default: the dataset's).")
flags.DEFINE_integer("batches", 30, "Batches timed (after the warm-up).")
flags.DEFINE_integer("warmup_batches", 5, "Batches read before timing (fills the buffers).")
flags.DEFINE_bool("deterministic", False, "Deterministic element order (as --deterministic in training).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    checked(check_positive_int, "batches", FLAGS.batches)
    if FLAGS.fake_cifar + FLAGS.fake_imagenet + FLAGS.folder_vs_npz > 1:
        raise ConfigError("Pass at most one of --fake_cifar, --fake_imagenet and --folder_vs_npz.")
    if FLAGS.folder_vs_npz:
        checked(check_positive_int, "fake_images", FLAGS.fake_images)
        with tempfile.TemporaryDirectory(prefix="igdtf_folder_vs_npz_") as scratch:
            folder, arrays = write_folder_and_npz(scratch, FLAGS.fake_images, FLAGS.image_size or 32)
            measure(f"folder:{folder}", {}, " (generated JPEG files)")
            measure(f"npz:{arrays}", {}, " (the same images as arrays)")
        return
    if FLAGS.fake_cifar:
        checked(check_positive_int, "fake_cifar_images", FLAGS.fake_cifar_images)
        measure("cifar10", None, " (fake, CIFAR-shaped, in memory)", fake_cifar(FLAGS.fake_cifar_images))
        return
    if not FLAGS.fake_imagenet:
        options = dataset_options(FLAGS.dataset, FLAGS.dataset_option, manual_dir=FLAGS.manual_dir,
                                  data_dir=FLAGS.data_dir)
        measure(FLAGS.dataset, options, "")
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


def write_folder_and_npz(directory: str, count: int, side: int) -> tuple[str, str]:
    """Writes `count` smooth random side×side JPEGs (10 classes) under DIRECTORY/folder/ and
    their decoded pixels to DIRECTORY/images.npz (x_test: the first tenth); returns both paths."""
    rng = np.random.default_rng(0)
    folder, pixels = os.path.join(directory, "folder"), []
    for index in range(count):
        coarse = rng.uniform(0, 255, (1, max(2, side // 8), max(2, side // 8), 3)).astype(np.float32)
        image = tf.cast(tf.clip_by_value(tf.image.resize(coarse, [side, side]), 0, 255), tf.uint8)[0]
        encoded = tf.io.encode_jpeg(image, quality=90)
        path = os.path.join(folder, f"class_{index % 10}", f"{index}.jpg")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tf.io.write_file(path, encoded)
        pixels.append(tf.io.decode_jpeg(encoded).numpy())
    x, y = np.stack(pixels), np.arange(count) % 10
    test = max(10, count // 10)
    arrays = os.path.join(directory, "images.npz")
    np.savez(arrays, x_train=x, y_train=y, x_test=x[:test], y_test=y[:test])
    return folder, arrays


def measure(dataset: str, options: dict | None, label: str, examples: tf.data.Dataset | None = None) -> None:
    """Prints the training images/s of `dataset`'s pipeline over `examples`, by default its own
    training split loaded with `options`."""
    info = checked(checked(dataset_info, dataset, **(options or {})).with_image_size, FLAGS.image_size)
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
