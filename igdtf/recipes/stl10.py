"""STL-10 (10 classes, 96x96, the 5 000 labelled training images) with the IGD paper's
ImageNet-100 training settings.

Command:
  python -m igdtf.recipes.stl10 --flagfile=recipes/stl10/igd.flags \
      --manual_dir=/data/archives --output_dir=runs/stl10_igd
Hardware: one GPU.
Expected time: 5 000 images of 96x96 (~0.9x CIFAR's pixels per epoch): roughly 1-2 min per
  PGD-10 epoch on one A100 (an estimate, not a measurement).
Expected numbers: the IGD paper reports no STL-10 table; with only 5 000 labelled images,
  PGD-AT ResNet-18 reaches far lower accuracy than on CIFAR-10 (roughly 50-65 % clean and
  30-40 % PGD in the literature; approximate, for sanity checks only).
Defaults: ResNet-18 (3x3 stem), SGD 0.1, wd 5e-4, plateau 10, 150 epochs, PGD-10 8/255,
  lambda=2, pad-12 random crop + flip; best checkpoint by PGD-10 accuracy on 500 training images
  held out for validation (--validation), evaluation on the 8 000 test images; regional Gini
  over 12x12 blocks.

Data: stl10_binary.tar.gz (http://ai.stanford.edu/~acoates/stl10/) in --manual_dir, or
--download on a machine with network.
"""

from igdtf.cli import run
from igdtf.recipes.dataset_entry import dataset_recipe

main = dataset_recipe("stl10")  # defines the flags, with the paper's defaults (paper_settings.py)

if __name__ == "__main__":
    run(main)
