"""ImageNet-100 with the IGD paper's settings.

Command:
  python -m igdtf.recipes.imagenet100 --method=igd --manual_dir=/data/ilsvrc2012 --output_dir=runs/in100
Hardware: 4-8 GPUs (MirroredStrategy is picked automatically with more than one GPU).
Expected time: the paper reports 18 min/epoch for IGD and 13 min/epoch for PGDAT on one A100;
  150 epochs, plus a standard teacher first when --teacher is not given.
Expected numbers (IGD paper, ResNet-18): Gini of saliency 0.544 standard, 0.933 PGDAT,
  0.737 IGD(lambda=2); INA error PGDAT ~70% -> IGD ~10%; IOA-W 40.76% -> 24.23%; adversarial
  accuracy within 1-2 points of PGDAT.
Defaults: ResNet-18 (7x7 stem), SGD momentum 0.9, weight decay 5e-4, lr 0.1 x0.1 on plateau,
  150 epochs, PGD-10 eps=8/255 step 2/255, lambda=2.

Data: ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar in --manual_dir. Without them the
recipe exits at once with code 2 and says which files to put where.
"""

import os

from absl import flags

from igdtf.data import imagenet100
from igdtf.errors import ConfigError
from igdtf.recipes import training_flags
from igdtf.recipes.runner import run
from igdtf.recipes.training_flags import config_from_flags, define_training_flags

define_training_flags({"method": "igd", "epochs": 150, "batch_size": 128, "learning_rate": 0.1})
flags.adopt_module_key_flags(training_flags)  # list the shared flags in --help
flags.DEFINE_string("manual_dir", None, "Folder with ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar "
                    f"(default: {imagenet100.DEFAULT_MANUAL_DIR}).")
flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory for the built records.")
flags.DEFINE_string("output_dir", "runs/imagenet100", "Run directory (checkpoints, logs, report).")
FLAGS = flags.FLAGS


def main(argv):
    del argv
    config = config_from_flags(FLAGS)
    if FLAGS.teacher and not os.path.exists(FLAGS.teacher):
        raise ConfigError(f"--teacher={FLAGS.teacher} does not exist.")
    imagenet100.check_archives(FLAGS.manual_dir)
    imagenet100.load_split("train", manual_dir=FLAGS.manual_dir, config=config)


if __name__ == "__main__":
    run(main)
