"""Datasets, tf.data pipelines and augmentations; images are float32 in [0, 1]."""
