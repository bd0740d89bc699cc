"""Train any method on any dataset spec: a built-in name, folder:PATH, npz:PATH or
tfds:NAME[/CONFIG] (README: Your own data).

Command:
  python -m igdtf.recipes.train --dataset=folder:/data/flowers --method=igd --teacher=train \
      --output_dir=runs/flowers_igd
  (the flags of the dataset recipes, e.g. --arch, --epochs, --image_size, --teacher; and
  --dataset_option KEY=VALUE, e.g. holdout=0.1)
Hardware: as the dataset's size calls for (CPU for small folders; GPUs as the dataset recipes).
Expected time: the first run of a folder decodes every image once to check it and measure the
  training split's mean and std (cached beside the data); then as the dataset recipes per image.
Expected numbers: none fixed; the report's sanity checks say whether PGD and the robustness
  numbers can be trusted.
Defaults: ResNet-18, 150 epochs, PGD-10 8/255, lambda=2; batch size, optimizer, learning rate,
  weight decay, warm-up and plateau patience not given on the command line are fitted to the
  number of training images and to whether the architecture has BatchNorm
  (igdtf/training/fitted_defaults.py; logged and recorded in the report); validation on a
  holdout of the training split (10 % up to 10 000 images; --validation); images at the data's
  own size unless --image_size. IGD needs --teacher=PATH or --teacher=train.
Writes OUTPUT_DIR as the dataset recipes (igdtf/cli/train/command.py): checkpoints,
TensorBoard, report.json/.md (with the dataset's class names, mean and std), export/<method>/1/.
"""

from igdtf.cli import run
from igdtf.recipes.dataset_entry import dataset_recipe

main = dataset_recipe(None)  # defines the flags, with the paper's defaults (paper_settings.py)

if __name__ == "__main__":
    run(main)
