"""User datasets written on the fly: folders of PNG/JPEG images, .npz arrays and a tiny
tensorflow-datasets builder, each with class-coloured images a small model learns at once."""

import os

import numpy as np
import tensorflow as tf

from igdtf.data.tfds_compat import tfds

CLASSES = ("blue", "green", "red")


def coloured_images(count: int, size: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images [count, size, size, 3] whose brightest channel is the label (2 - class
    index: red, green, blue), and int labels [count] cycling over the 3 classes."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 3
    images = rng.integers(0, 90, (count, size, size, 3))
    images[np.arange(count), :, :, 2 - labels] += 150
    return images.astype(np.uint8), labels


def write_image(path: str, image: np.ndarray) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    encode = tf.io.encode_png if path.endswith(".png") else tf.io.encode_jpeg
    tf.io.write_file(path, encode(image))


def image_folder(root: str, per_class: int = 4, size: int = 8, split_layout: bool = False,
                 extension: str = "png", seed: int = 0) -> str:
    """Writes ROOT/<class>/<i>.<ext> (or ROOT/train/… and ROOT/test/… with split_layout)."""
    splits = {"train": per_class, "test": max(1, per_class // 2)} if split_layout else {"": per_class}
    for offset, (split, count) in enumerate(splits.items()):
        images, labels = coloured_images(3 * count, size, seed + offset)
        for i, (image, label) in enumerate(zip(images, labels)):
            write_image(os.path.join(root, split, CLASSES[label], f"{i}.{extension}"), image)
    return root


def npz_file(path: str, train: int = 12, test: int = 6, size: int = 8, **overrides) -> str:
    """Writes the npz form (x uint8 [N, H, W, 3]); `overrides` replace or add keys (None drops one)."""
    x_train, y_train = coloured_images(train, size, 0)
    x_test, y_test = coloured_images(test, size, 1)
    arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, class_names=np.array(CLASSES))
    arrays.update(overrides)
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    return path


class TinyColours(tfds.core.GeneratorBasedBuilder, skip_registration=True):
    """Class-coloured 8x8 images; config two_images adds a second image feature (ambiguous).
    Not registered: tfds reads it back from its prepared files, as a user's own builder."""

    VERSION = tfds.core.Version("1.0.0")
    BUILDER_CONFIGS = [tfds.core.BuilderConfig(name="plain"), tfds.core.BuilderConfig(name="two_images")]

    def _info(self):
        features = {"picture": tfds.features.Image(shape=(8, 8, 3)),
                    "kind": tfds.features.ClassLabel(names=list(CLASSES))}
        if self.builder_config.name == "two_images":
            features["mask"] = tfds.features.Image(shape=(8, 8, 1))
        return self.dataset_info_from_configs(features=tfds.features.FeaturesDict(features))

    def _split_generators(self, dl_manager):
        return {"train": self._generate_examples(12, 0), "test": self._generate_examples(6, 1)}

    def _generate_examples(self, count, seed):
        images, labels = coloured_images(count, 8, seed)
        for i, (image, label) in enumerate(zip(images, labels)):
            example = {"picture": image, "kind": int(label)}
            if self.builder_config.name == "two_images":
                example["mask"] = image[..., :1]
            yield i, example


def prepare_tiny_tfds(data_dir: str) -> None:
    """Prepares tiny_colours/plain and tiny_colours/two_images in `data_dir`."""
    for config in ("plain", "two_images"):
        TinyColours(config=config, data_dir=data_dir).download_and_prepare()
