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
import time

from absl import flags

from igdtf.data import imagenet100
from igdtf.data.fake_ilsvrc import make_fake_ilsvrc
from igdtf.data.pipeline import EpochBatches
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


def measure(batches: EpochBatches, count: int, warmup: int) -> float:
    """Images per second over `count` batches of epoch 0 after `warmup` batches (the epoch
    is repeated if shorter)."""
    iterator = iter(batches.dataset(0).repeat())
    for _ in range(warmup):
        next(iterator)
    start = time.perf_counter()
    images = 0
    for _ in range(count):
        x, _ = next(iterator)
        images += int(x.shape[0])
    return images / (time.perf_counter() - start)


def main(argv):
    del argv
    checked(check_positive_int, "batches", FLAGS.batches)
    info = checked(dataset_info(FLAGS.dataset).with_image_size, FLAGS.image_size)
    options = {"manual_dir": FLAGS.manual_dir, "data_dir": FLAGS.data_dir}
    scratch = None
    if FLAGS.fake_imagenet:
        info = checked(dataset_info("imagenet100").with_image_size, FLAGS.image_size)
        scratch = tempfile.mkdtemp(prefix="igdtf_fake_imagenet_")
        options = {"manual_dir": os.path.join(scratch, "manual"), "data_dir": os.path.join(scratch, "data")}
        make_fake_ilsvrc(options["manual_dir"], imagenet100.class_wnids(), FLAGS.fake_images_per_class,
                         validation_per_class=1, size=(375, 500))
    examples = info.loader("train", **options)
    size = info.image_shape[0]
    batches = checked(EpochBatches, examples, lambda image, seed: info.preprocess.train(image, seed, size),
                      FLAGS.batch_size, shuffle_buffer=info.shuffle_buffer, deterministic=FLAGS.deterministic)
    rate = measure(batches, FLAGS.batches, FLAGS.warmup_batches)
    print(f"{info.name}{' (fake, ImageNet-shaped)' if FLAGS.fake_imagenet else ''}: {rate:.0f} training "
          f"images/s at {size}x{size}, batch {FLAGS.batch_size}, {os.cpu_count()} CPU cores, "
          f"deterministic={FLAGS.deterministic}")


if __name__ == "__main__":
    run(main)
