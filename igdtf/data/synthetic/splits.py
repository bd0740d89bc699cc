"""The splits of the synthetic datasets, generated on the fly: a fixed seed per split (the same
images in every run), and a default size per split that the `num_samples` option overrides.

Each loader's keyword parameters are the dataset's options (--dataset_option KEY=VALUE)."""

import tensorflow as tf

from igdtf.data.synthetic import line_modes, shapes, spheres, squares

SEEDS = {"train": 0, "test": 1, "validation": 2}


def _examples(generate, split: str, num_samples: int | None, sizes: dict, **parameters) -> tf.data.Dataset:
    """Unbatched (input, label) of generate(num_samples or sizes[split], SEEDS[split], **parameters)."""
    inputs, labels = generate(num_samples or sizes[split], SEEDS[split], **parameters)
    return tf.data.Dataset.from_tensor_slices((inputs, labels))


def load_shapes(split: str, num_samples: int | None = None, texture_amplitude: float = 4 / 255):
    sizes = {"train": 10_000, "test": 2_000, "validation": 1_000}
    return _examples(shapes.generate_shapes, split, num_samples, sizes, texture_amplitude=texture_amplitude)


def load_spheres(split: str, num_samples: int | None = None, dimensions: int = spheres.DIMENSIONS):
    sizes = {"train": 50_000, "test": 1_000, "validation": 200}
    return _examples(spheres.generate_spheres, split, num_samples, sizes, dimensions=dimensions)


def load_squares(split: str, num_samples: int | None = None, image_size: int = 32):
    sizes = {"train": 10_000, "test": 1_000, "validation": 200}  # the original's split sizes
    return _examples(squares.generate_squares, split, num_samples, sizes, image_size=image_size)


def load_line_modes(split: str, num_samples: int | None = None):
    sizes = {"train": 6_000, "test": 600, "validation": 600}  # the PAG paper's appendix C.1
    return _examples(line_modes.generate_line_modes, split, num_samples, sizes)
