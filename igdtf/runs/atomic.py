"""Atomic files: a file whose existence means something is complete or absent, never half written.

Every artefact (model.keras, best.keras, the teachers, run.json, report.json/md, outcomes.npz,
caches) is written to a hidden temporary name in its own folder (".NAME.tmp-XXXX" plus NAME's
extensions, which Keras insists on), flushed to disk and renamed over NAME with
os.replace, which is atomic on one file system. A process killed at any point leaves either the
previous NAME or the new one, and at most a stale temporary file, removed by the next write.
A write the file system refuses (full disk, quota, read-only) removes its temporary file and
raises a WriteError naming NAME (write_errors.py).
"""

import contextlib
import glob
import json
import os
import tempfile

import numpy as np

from igdtf.runs.write_errors import writing


def _temporary_prefix(path: str) -> str:
    return f".{os.path.basename(path)}.tmp-"


def fsync_tree(path: str) -> None:
    """Flushes the file at `path` (or, for a folder, every file in it) to disk."""
    paths = [path] if os.path.isfile(path) else [os.path.join(root, name) for root, _, names in os.walk(path)
                                                 for name in names]
    for name in paths:
        with open(name, "rb+") as f:
            os.fsync(f.fileno())


def remove_stale(path: str) -> None:
    """Removes the temporary files a killed writer of `path` left behind."""
    pattern = os.path.join(glob.escape(os.path.dirname(os.path.abspath(path))), glob.escape(_temporary_prefix(path)))
    for stale in glob.glob(pattern + "*"):
        with contextlib.suppress(OSError):
            os.remove(stale)


@contextlib.contextmanager
def atomic_path(path: str, needed: int | None = None):
    """Yields a temporary path beside `path` (same extension); once the block has written it,
    flushes it and renames it to `path`. On an exception the temporary file is removed and
    `path` is left as it was; a refused write raises WriteError (`needed`: bytes, if known;
    default: the size of the previous `path`)."""
    if needed is None and os.path.isfile(path):
        needed = os.path.getsize(path)
    with writing(path, needed, kept=f"{path} is unchanged." if os.path.exists(path) else ""):
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        remove_stale(path)
        name = os.path.basename(path)
        extension = "." + name.split(".", 1)[1] if "." in name else ""  # ".weights.h5", not ".h5"
        handle, temporary = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=extension, dir=folder)
        os.close(handle)
        try:
            yield temporary
            fsync_tree(temporary)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.remove(temporary)


def write_text(path: str, text: str) -> None:
    """Writes `text` (UTF-8) to `path` atomically."""
    with atomic_path(path) as temporary, open(temporary, "w", encoding="utf-8") as f:
        f.write(text)


def write_json(path: str, value, **options) -> None:
    """Writes `value` as indented JSON to `path` atomically; `options` go to json.dumps."""
    write_text(path, json.dumps(value, indent=2, **options))


def weight_bytes(model) -> int:
    """The bytes of a Keras model's weights (what saving it needs, roughly)."""
    return sum(int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize for w in model.weights)


def save_model(model, path: str) -> None:
    """model.save(path) for a .keras file, atomically."""
    previous = os.path.getsize(path) if os.path.isfile(path) else 0
    with atomic_path(path, needed=max(weight_bytes(model), previous)) as temporary:
        model.save(temporary)


def save_figure(figure, path: str, **options) -> None:
    """figure.savefig(path, **options) for a matplotlib figure, atomically (format from the extension)."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, **options)


def save_npz(path: str, compressed: bool = False, **arrays) -> None:
    """np.savez(_compressed)(path, **arrays), atomically."""
    with atomic_path(path) as temporary, open(temporary, "wb") as f:
        (np.savez_compressed if compressed else np.savez)(f, **arrays)
