"""Built-in datasets read from the files their authors publish, never extracted: CIFAR-10/100 and
STL-10 (downloadable.py), Fashion-MNIST (idx files), TinyImageNet (zip), ImageNet-100 (the
ILSVRC2012 tars, ilsvrc.py) and ImageNet-C of its classes; builders.py is their shared
tensorflow-datasets plumbing."""
