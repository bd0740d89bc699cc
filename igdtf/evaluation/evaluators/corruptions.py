"""Corruption robustness: ImageNet-C corruptions generated on the fly, or read from a user's
ImageNet-C style folder. Outcomes "<corruption>@<severity>" say "still correct" and are
summarised as error rates on the correct-by-all samples (IGD paper Tables 5–7; mce.py turns
them into Hendrycks & Dietterich's mean corruption error)."""

import numpy as np
import tensorflow as tf

from igdtf.data.corruptions.apply import corrupt, to_uint8
from igdtf.data.corruptions.folders import check_folders, list_images, load_images, resolve_class_folders
from igdtf.data.corruptions.names import (
    ALL, CORRUPTIONS, NOISE_CORRUPTIONS, SEVERITIES, check_severity, corruption_names,
)
from igdtf.evaluation.metrics.batches import correct
from igdtf.evaluation.metrics.outcomes import ERROR_ON_COMMON, PerSample
from igdtf.validation import check_positive_int


def _collect(chunks: dict) -> dict[str, PerSample]:
    return {name: PerSample(np.concatenate(parts) if parts else np.zeros(0, bool), ERROR_ON_COMMON)
            for name, parts in chunks.items()}


class GeneratedCorruptions:
    """ImageNet-C corruptions (any of the 19, or ["all"]) at severities 1–5, generated per batch
    with the constants for the image size (CIFAR-10-C's up to 84 px, see data/corruptions.py).

    The draws of batch b and corruption c are seeded by (seed, b, c) and are the same at every
    severity, so severities differ only in strength (and every model sees the same images).
    """

    def __init__(self, corruptions=NOISE_CORRUPTIONS, severities=SEVERITIES, seed: int = 0):
        self.corruptions = corruption_names(corruptions)
        self.severities = tuple(check_severity(s) for s in severities)
        self.seed = seed

    def run(self, model, dataset) -> dict[str, PerSample]:
        compiled = tf.function(lambda x, y: correct(model, x, y), reduce_retracing=True)
        chunks = {f"{c}@{s}": [] for c in self.corruptions for s in self.severities}
        for index, (x, y) in enumerate(dataset):
            images = to_uint8(x)
            y = tf.cast(tf.reshape(y, [-1]), tf.int32)
            for corruption in self.corruptions:
                seed = np.random.SeedSequence(
                    [self.seed, index, CORRUPTIONS.index(corruption)]).generate_state(1)[0]
                for severity in self.severities:
                    noisy = corrupt(images, corruption, severity, int(seed)).astype(np.float32) / 255.0
                    chunks[f"{corruption}@{severity}"].append(compiled(tf.constant(noisy), y).numpy())
        return _collect(chunks)

    def describe(self) -> dict:
        return {"source": "generated (igdtf's ImageNet-C corruptions, 8-bit images)",
                "corruptions": list(self.corruptions), "severities": list(self.severities),
                "seed": self.seed}


class FolderCorruptions:
    """The same outcomes read from ROOT/<corruption>/<severity>/<class folder>/<images>.

    The folder must hold the test set's images in the test set's order (see
    igdtf/data/corruptions/folders.py); `run` checks that its labels equal the test set's, sample by
    sample, and refuses to compare otherwise.
    """

    def __init__(self, root: str, image_shape, num_classes: int, corruptions=NOISE_CORRUPTIONS,
                 severities=SEVERITIES, class_folders=None, batch_size: int = 100):
        self.root = root
        self.corruptions = CORRUPTIONS if tuple(corruptions) == (ALL,) else tuple(corruptions)
        self.severities = tuple(check_severity(s) for s in severities)
        self.image_shape = tuple(image_shape)
        self.batch_size = check_positive_int("batch_size", batch_size)
        check_folders(root, self.corruptions, self.severities)
        self.class_folders = resolve_class_folders(root, self.corruptions[0], self.severities[0],
                                                   num_classes, class_folders)
        self.listings = {(c, s): list_images(root, c, s, self.class_folders)
                         for c in self.corruptions for s in self.severities}

    def _check_aligned(self, labels: np.ndarray) -> None:
        for (c, s), (paths, folder_labels) in self.listings.items():
            if len(folder_labels) != len(labels) or np.any(np.asarray(folder_labels) != labels):
                raise ValueError(
                    f"{self.root}/{c}/{s} holds {len(folder_labels)} images whose labels do not match "
                    f"the {len(labels)} test samples one by one; the folder must hold the test set's "
                    "images in the test set's order (class folders in label order, files by name)."
                )

    def run(self, model, dataset) -> dict[str, PerSample]:
        labels = np.concatenate([np.reshape(y, [-1]) for _, y in dataset]).astype(np.int64)
        self._check_aligned(labels)
        compiled = tf.function(lambda x, y: correct(model, x, y), reduce_retracing=True)
        chunks = {}
        for (c, s), (paths, folder_labels) in self.listings.items():
            batches = load_images(paths, folder_labels, self.image_shape).batch(self.batch_size)
            chunks[f"{c}@{s}"] = [compiled(x, y).numpy() for x, y in batches]
        return _collect(chunks)

    def describe(self) -> dict:
        return {"source": f"folder {self.root}", "corruptions": list(self.corruptions),
                "severities": list(self.severities), "class_folders": len(self.class_folders)}
