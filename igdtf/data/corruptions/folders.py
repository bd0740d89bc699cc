"""Reading any corruption benchmark laid out like ImageNet-C: ROOT/<corruption>/<severity>/<class
folder>/<image> (also Tiny-ImageNet-C). Images are read in a fixed order — class folders in
label order, files sorted by name within each — which is the order of the clean validation
images when those are laid out the same way (ROOT_CLEAN/<class folder>/<image>).
"""

import os

import tensorflow as tf

from igdtf.errors import MissingDataError

IMAGE_SUFFIXES = (".jpeg", ".jpg", ".png")


def severity_folder(root: str, corruption: str, severity: int) -> str:
    return os.path.join(root, corruption, str(severity))


def check_folders(root: str, corruptions, severities) -> None:
    """Raises MissingDataError if ROOT is not a folder, or naming every missing
    ROOT/<corruption>/<severity> folder."""
    if not os.path.isdir(root):
        raise MissingDataError(
            f"The corruption folder {root} does not exist. Expected the ImageNet-C layout "
            "ROOT/<corruption>/<severity 1-5>/<class folder>/<images>."
        )
    missing = [severity_folder(root, c, s) for c in corruptions for s in severities
               if not os.path.isdir(severity_folder(root, c, s))]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise MissingDataError(
            f"The corruption folder {root} lacks {shown}. Expected the ImageNet-C layout "
            "ROOT/<corruption>/<severity 1-5>/<class folder>/<images>."
        )


def resolve_class_folders(root: str, corruption: str, severity: int, num_classes: int,
                          class_folders=None) -> tuple[str, ...]:
    """The class folder of each label: `class_folders` if given, else the sorted subfolders of
    ROOT/<corruption>/<severity>; their number must be `num_classes`."""
    folder = severity_folder(root, corruption, severity)
    if class_folders is None:
        class_folders = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)))
    class_folders = tuple(class_folders)
    if len(class_folders) != num_classes:
        raise ValueError(
            f"{folder} has {len(class_folders)} class folders but the models have {num_classes} classes; "
            "pass the class folder names in label order (one per line in a file, "
            "--corruption_class_folders=FILE on the command line)."
        )
    return class_folders


def list_images(root: str, corruption: str, severity: int, class_folders) -> tuple[list[str], list[int]]:
    """(paths, labels) of ROOT/<corruption>/<severity>, in label order then file name order."""
    folder = severity_folder(root, corruption, severity)
    paths, labels = [], []
    for label, name in enumerate(class_folders):
        class_dir = os.path.join(folder, name)
        if not os.path.isdir(class_dir):
            raise MissingDataError(f"Class folder {class_dir} is missing.")
        files = sorted(f for f in os.listdir(class_dir) if f.lower().endswith(IMAGE_SUFFIXES))
        paths += [os.path.join(class_dir, f) for f in files]
        labels += [label] * len(files)
    return paths, labels


def load_images(paths, labels, image_shape) -> tf.data.Dataset:
    """Unbatched (image float32 [H, W, C] in [0, 1], label int32); an image of another shape
    stops the iteration with an error naming its path and the expected shape."""
    expected = tf.constant(image_shape, tf.int32)

    def read(path, label):
        image = tf.io.decode_image(tf.io.read_file(path), channels=image_shape[-1], expand_animations=False)
        tf.debugging.assert_equal(tf.shape(image), expected, message=tf.strings.join(
            ["Image ", path, f" does not have the input shape of the models, {tuple(image_shape)}"]))
        return tf.cast(image, tf.float32) / 255.0, label

    dataset = tf.data.Dataset.from_tensor_slices((list(paths), tf.constant(labels, tf.int32)))
    return dataset.map(read, num_parallel_calls=tf.data.AUTOTUNE)
