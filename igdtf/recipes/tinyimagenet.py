"""TinyImageNet (200 classes, 64x64) with the IGD paper's ImageNet-100 training settings.

Command:
  python -m igdtf.recipes.tinyimagenet --flagfile=recipes/tinyimagenet/igd.flags \
      --manual_dir=/data/archives --output_dir=runs/tiny_igd
Hardware: one GPU (several: MirroredStrategy automatically).
Expected time: 100 000 images of 64x64 make an epoch about 8x the pixels of CIFAR: roughly
  8-15 min per PGD-10 epoch on one A100 (an estimate, not a measurement).
Expected numbers: the IGD paper reports no TinyImageNet table; published PGD-AT ResNet-18
  runs reach roughly 40-50 % clean and 15-25 % PGD accuracy (approximate literature range, for
  sanity checks only). The inequality phenomenon grows with resolution (IGD paper), so expect
  a Gini gap between PGDAT and IGD between CIFAR's and ImageNet-100's.
Defaults: ResNet-18 (3x3 stem), SGD 0.1, wd 5e-4, plateau 10, 150 epochs, PGD-10 8/255,
  lambda=2, pad-4 random crop + flip; best checkpoint by PGD-10 accuracy on 1 000 training images
  held out for validation (--validation), evaluation on the 10 000 labelled validation images;
  regional Gini over 8x8 blocks.

Data: tiny-imagenet-200.zip (http://cs231n.stanford.edu/tiny-imagenet-200.zip) in --manual_dir.
"""

from igdtf.cli import run
from igdtf.recipes.dataset_entry import dataset_recipe

main = dataset_recipe("tinyimagenet")  # defines the flags, with the paper's defaults (paper_settings.py)

if __name__ == "__main__":
    run(main)
