"""CIFAR-10 with the IGD paper's ImageNet-100 training settings.

Command:
  python -m igdtf.recipes.cifar10 --flagfile=recipes/cifar10/igd.flags \
      --manual_dir=/data/archives --output_dir=runs/cifar10_igd
Hardware: one GPU is enough (several: MirroredStrategy automatically).
Expected time: as CIFAR-100, roughly 1-2 min per PGD-10 epoch on one A100 (an estimate from
  11 ResNet-18 forward-backward passes over 50 000 images, not a measurement), ~4 h in all.
Expected numbers: the IGD paper reports no CIFAR-10 table; published PGD-AT ResNet-18 runs
  reach roughly 80-85 % clean and 47-53 % PGD-20 accuracy with the best checkpoint (approximate
  range from the adversarial-training literature, e.g. Rice et al. 2020, for sanity checks).
  Expect IGD within 1-2 points of PGDAT's PGD accuracy and a lower Gini, as on CIFAR-100.
Defaults: as cifar100 (ResNet-18 3x3 stem, SGD 0.1, wd 5e-4, plateau 10, 150 epochs, PGD-10
  8/255, lambda=2, pad-4 crop + flip); the best checkpoint by PGD-10 accuracy on 1 000 training
  images held out for validation (--validation, Rice et al. 2020), reported on the 10 000 test
  images; --seeds=0,1,2 for one run per seed and a summary.

Data: cifar-10-binary.tar.gz (https://www.cs.toronto.edu/~kriz/) in --manual_dir, or
--download on a machine with network.
"""

from igdtf.cli import run
from igdtf.recipes.dataset_entry import dataset_recipe

main = dataset_recipe("cifar10")  # defines the flags, with the paper's defaults (paper_settings.py)

if __name__ == "__main__":
    run(main)
