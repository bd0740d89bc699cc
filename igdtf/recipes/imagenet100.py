"""ImageNet-100 with the IGD paper's settings.

Command:
  python -m igdtf.recipes.imagenet100 --flagfile=recipes/imagenet100/igd.flags \
      --manual_dir=/data/ilsvrc2012 --output_dir=runs/in100_igd
  (recipes/imagenet100/{standard,pgdat,pgdat_cutout,igd}.flags; any --method of igdtf.methods)
Hardware: GPUs; with several, MirroredStrategy is picked automatically (--batch_size is the
  global batch); several machines: --strategy=multi_worker with TF_CONFIG (igdtf/distribute.py).
Expected time: the paper reports 18 min/epoch for IGD and 13 min/epoch for PGDAT on one A100;
  150 epochs, plus a standard teacher first with --teacher=train (igd.flags). Building the records
  once reads the 100 classes' tars (~14 GB of the 138 GB training archive; the others are
  skipped by seeking) and the 6.3 GB validation archive, and decodes every JPEG once to check
  it (not timed on the full data here; expect tens of minutes on a local disk).
Expected numbers (IGD paper, ResNet-18): Gini of saliency 0.544 standard, 0.933 PGDAT,
  0.737 IGD(lambda=2); INA error PGDAT ~70% -> IGD ~10%; IOA-W 40.76% -> 24.23%; adversarial
  accuracy within 1-2 points of PGDAT.
Defaults: ResNet-18 (7x7 stem at 224 px), SGD momentum 0.9, weight decay 5e-4, lr 0.1 x0.1 when
  validation PGD-10 accuracy plateaus for 10 epochs, 150 epochs, PGD-10 eps=8/255 step 2/255,
  lambda=2; random-resized crop + flip; evaluation on the 5 000 validation images (resize 256,
  centre crop 224); the best checkpoint by PGD-10 accuracy on 10 000 training images held out for
  validation (100 per class; --validation) is reported and exported.

Data: ILSVRC2012_img_train.tar and ILSVRC2012_img_val.tar in --manual_dir; only the 100 classes
of the CMC list (or --class_list) are written. Without them the recipe exits at once with code 2
and says which files to put where.
"""

from igdtf.cli import run
from igdtf.recipes.dataset_entry import dataset_recipe

main = dataset_recipe("imagenet100")  # defines the flags, with the paper's defaults (paper_settings.py)

if __name__ == "__main__":
    run(main)
