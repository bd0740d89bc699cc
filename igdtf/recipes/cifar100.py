"""CIFAR-100 with the IGD paper's ImageNet-100 training settings.

Command:
  python -m igdtf.recipes.cifar100 --flagfile=recipes/cifar100/igd.flags \
      --manual_dir=/data/archives --output_dir=runs/cifar100_igd
Hardware: one GPU is enough (several: MirroredStrategy automatically).
Expected time: a PGD-10 epoch costs about 11 forward-backward passes of ResNet-18 over 50 000
  32x32 images: roughly 1-2 min/epoch on one A100 (an estimate from that count, not a
  measurement), ~4 h for 150 epochs; IGD adds the double-backprop alignment term (~1.4x).
Expected numbers (IGD paper): on CIFAR-100 the inequality phenomenon is mild, Gini of saliency
  0.666 (PGDAT) -> 0.638 (IGD); adversarial accuracy close to PGDAT's. Published PGD-AT
  ResNet-18 runs reach roughly 55-60 % clean and 25-30 % PGD-20 accuracy (approximate range
  from the adversarial-training literature, for sanity checks only).
Defaults: ResNet-18 (3x3 stem), SGD momentum 0.9, weight decay 5e-4, lr 0.1 x0.1 on a 10-epoch
  plateau of validation PGD-10 accuracy, 150 epochs, PGD-10 eps=8/255 step 2/255, lambda=2;
  pad-4 random crop + flip; best checkpoint by PGD-10 accuracy on 1 000 training images held out
  for validation (--validation; --validation=test is the paper's protocol), reported on the
  10 000 test images.

Data: cifar-100-binary.tar.gz (https://www.cs.toronto.edu/~kriz/) in --manual_dir, or
--download on a machine with network.
"""

from igdtf.cli import run
from igdtf.recipes.dataset_entry import dataset_recipe

main = dataset_recipe("cifar100")  # defines the flags, with the paper's defaults (paper_settings.py)

if __name__ == "__main__":
    run(main)
