"""The files of a folder: dataset, and the checks that keep a tree from lying about its data.

Keras' image_dataset_from_directory conventions are kept, so that splits stay what they were:
classes are the sorted subfolders of a tree (hidden ones excepted); the images of a class are
the files with an image extension anywhere below its folder, listed folder by folder (folders
sorted by path) and by name; a holdout split shuffles the list with NumPy's RandomState(seed)
and holds out the last int(fraction * N) images.

Unlike Keras, symbolic links are followed only inside the dataset's root folder. A link out of
it (or a broken one) is skipped with a warning; a link to a folder that contains it (a loop) and
a file reached twice (two links to one file, a link into another class's folder, a file in both
the training and the test tree) are refused with a DataError naming them. A class folder whose
images all lie in subfolders is used, with a warning naming it.
"""

import logging
import os

import numpy as np

from igdtf.errors import DataError

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
log = logging.getLogger("igdtf.data")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


class TreeIndex:
    """Indexes the class trees of one dataset root; `seen` maps each real file to the path it
    was first listed under, across every tree of the dataset."""

    def __init__(self, dataset_root: str):
        self.dataset_root = dataset_root
        self.real_root = os.path.realpath(dataset_root)
        self.seen: dict[str, str] = {}
        self.skipped_links: list[str] = []

    def _relative(self, path: str) -> str:
        return os.path.relpath(path, self.dataset_root)

    def _follow(self, link: str, folder_real: str) -> str | None:
        """The kind ("dir" or "file") of the link's target if it is followed, else None (skipped)."""
        target = os.path.realpath(link)
        if not _inside(target, self.real_root) or not os.path.exists(target):
            self.skipped_links.append(self._relative(link))
            return None
        if os.path.isdir(target):
            if _inside(folder_real, target):
                raise DataError(f"folder:{self.dataset_root}: {self._relative(link)} is a symbolic link to "
                                f"{target}, a folder that contains it (a loop); remove the link.")
            return "dir"
        return "file"

    def _walk(self, folder: str) -> list[tuple[str, list[str]]]:
        """[(folder path, sorted image file names)] of `folder` and every folder below it."""
        folder_real = os.path.realpath(folder)
        files, folders = [], []
        for entry in sorted(os.scandir(folder), key=lambda e: e.name):
            kind = self._follow(entry.path, folder_real) if entry.is_symlink() else (
                "dir" if entry.is_dir() else "file" if entry.is_file() else None)
            if kind == "dir":
                folders.append(entry.path)
            elif kind == "file" and entry.name.lower().endswith(IMAGE_EXTENSIONS):
                files.append(entry.name)
        listed = [(folder, files)]
        for child in folders:
            listed += self._walk(child)
        return listed

    def _class_files(self, class_folder: str) -> list[str]:
        listed = sorted(self._walk(class_folder), key=lambda item: item[0])
        paths = [os.path.join(folder, name) for folder, names in listed for name in names]
        for path in paths:
            real = os.path.realpath(path)
            if real in self.seen:
                raise DataError(f"folder:{self.dataset_root}: {self._relative(self.seen[real])} and "
                                f"{self._relative(path)} are the same file (through a symbolic link or a copy of "
                                "the tree); every image may be listed once: remove one of them.")
            self.seen[real] = path
        if paths and not listed[0][1]:
            log.warning("folder:%s: class folder %s holds no image itself, only in its subfolders (%s); they are "
                        "used as that class.", self.dataset_root, self._relative(class_folder),
                        ", ".join(self._relative(folder) for folder, names in listed[1:4] if names))
        return paths

    def index(self, tree: str, holdout: float | None = None, seed: int = 0):
        """(paths, labels, class names) of the class folders in `tree`; with `holdout`, the
        ((train paths, labels), (held-out paths, labels), class names) of the split `seed` draws."""
        tree_real = os.path.realpath(tree)
        classes = []
        for entry in sorted(os.scandir(tree), key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            kind = self._follow(entry.path, tree_real) if entry.is_symlink() else ("dir" if entry.is_dir() else None)
            if kind == "dir":
                classes.append(entry.name)
        paths, labels = [], []
        for label, name in enumerate(classes):
            found = self._class_files(os.path.join(tree, name))
            paths += found
            labels += [label] * len(found)
        if not paths:
            raise DataError(f"folder {tree}: no images found (allowed formats: {', '.join(IMAGE_EXTENSIONS)}).")
        if holdout is None:
            return paths, labels, classes
        return (*_split(paths, labels, holdout, seed), classes)

    def warn_skipped_links(self) -> None:
        if self.skipped_links:
            shown = ", ".join(self.skipped_links[:5]) + (" ..." if len(self.skipped_links) > 5 else "")
            log.warning("folder:%s: %d symbolic link(s) lead out of the dataset folder or nowhere and are skipped: %s",
                        self.dataset_root, len(self.skipped_links), shown)


def _split(paths: list[str], labels: list[int], holdout: float, seed: int):
    """Keras' seeded split: paths and labels shuffled alike, the last int(holdout * N) held out."""
    paths, labels = list(paths), np.asarray(labels, dtype="int32")
    np.random.RandomState(seed).shuffle(paths)
    np.random.RandomState(seed).shuffle(labels)
    held = int(holdout * len(paths))
    if not held or held == len(paths):
        raise DataError(f"a holdout of {holdout:g} of {len(paths)} images leaves an empty split; change the "
                        "holdout option or add images.")
    return (paths[:-held], labels[:-held].tolist()), (paths[-held:], labels[-held:].tolist())
