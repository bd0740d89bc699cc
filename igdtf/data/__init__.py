"""Datasets, tf.data pipelines and augmentations; images are float32 in [0, 1].

The flow: a dataset spec (a built-in name, or folder:/npz:/tfds: user data) → registry.py, its
DatasetInfo (classes, shapes, statistics, loader) → the loader's stored examples, from
  sources/      user data: folder:, npz:, tfds: specs, opened, checked and measured
  archives/     built-in datasets built from their published files (CIFAR, STL-10,
                Fashion-MNIST, TinyImageNet, ImageNet-100 from ILSVRC2012, ImageNet-C)
  synthetic/    built-in datasets generated on the fly (Shapes, Squares, Spheres, line modes)
→ preprocess.py (stored image → float image; augment.py's crops and flips in training)
→ pipeline.py (seeded, resumable batches); holdout.py holds validation images out of training.
corruptions/ holds the ImageNet-C corruptions (names, the algorithms, severities, frost images),
used by archives/imagenet_c.py and the corruption evaluators. images.py (checking images before
they are written to records) and tfds_compat.py (importing tensorflow-datasets) serve sources/
and archives/; dataset_options.py checks a spec's --dataset_option values.
"""
