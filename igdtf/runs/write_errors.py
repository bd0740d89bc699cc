"""Failed writes of artefacts as one line: a full disk, a quota, a read-only or failing file system.

`writing(path, ...)` wraps a write: a failure (an OSError with a write errno, or TensorFlow's
error for one, which carries the path in its message) becomes a WriteError naming the path, the
reason, the free space and the space needed when known, and what was kept, after the temporary
files given are removed. Anything else passes through unchanged. cli.run prints a WriteError as
one line with exit code 2.
"""

import contextlib
import errno
import glob
import os
import re
import shutil

from igdtf.errors import WriteError

WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EIO, errno.EFBIG, errno.EACCES,
                          errno.EPERM})
SPACE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG})  # only writes fail so
# TensorFlow maps a failed write to one of these, with the strerror text in its message.
_TF_WRITE_ERRORS = ("ResourceExhaustedError", "PermissionDeniedError", "UnknownError", "InternalError",
                    "FailedPreconditionError")
_WRITE_REASONS = tuple(os.strerror(code) for code in sorted(WRITE_ERRNOS))
_TF_PATH = re.compile(r"(?:\}\}\s*)?(/[^;{}]+?)(?:\.tempstate\d+)?;\s")


def is_write_failure(error: BaseException, errnos=WRITE_ERRNOS) -> bool:
    """Whether `error`, raised while writing, says the file system refused the write (with one
    of `errnos`; SPACE_ERRNOS for an error that may come from a read as well)."""
    if isinstance(error, WriteError):
        return False
    if isinstance(error, OSError):
        return error.errno in errnos
    if type(error).__module__.startswith("tensorflow") and type(error).__name__ in _TF_WRITE_ERRORS:
        return any(os.strerror(code) in str(error) for code in errnos)
    return False


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return next((reason for reason in _WRITE_REASONS if reason in str(error)), type(error).__name__)


def failed_path(error: BaseException) -> str | None:
    """The file a write failure names: OSError.filename, or the path in TensorFlow's message."""
    if isinstance(error, OSError) and error.filename:
        return os.fsdecode(error.filename)
    match = _TF_PATH.search(str(error))
    return match.group(1) if match else None


def megabytes(count: int) -> str:
    return f"{count / 1e6:.1f} MB" if count >= 100_000 else f"{count / 1e3:.0f} kB"


def free_space(path: str) -> int | None:
    """Free bytes on the file system of `path` (or of its nearest existing parent)."""
    existing = os.path.abspath(path)
    while not os.path.exists(existing) and os.path.dirname(existing) != existing:
        existing = os.path.dirname(existing)
    try:
        return shutil.disk_usage(existing).free
    except OSError:
        return None


def tree_size(pattern: str) -> int:
    """Total bytes of the files matching the glob `pattern` (folders counted with their files)."""
    total = 0
    for path in glob.glob(pattern):
        if os.path.isdir(path):
            total += sum(os.path.getsize(os.path.join(root, name)) for root, _, names in os.walk(path)
                         for name in names)
        elif os.path.isfile(path):
            total += os.path.getsize(path)
    return total


def write_error(path: str, error: BaseException, needed: int | None = None, kept: str = "") -> WriteError:
    """The one-line WriteError for a failed write of `path` (`needed`: bytes, if known)."""
    space = []
    free = free_space(path)
    if free is not None:
        space.append(f"{megabytes(free)} free")
    if needed and free is not None and needed <= free and _reason(error) == os.strerror(errno.ENOSPC):
        space.append("more than that needed")  # the estimate (e.g. a model's weights) fell short
    elif needed:
        space.append(f"about {megabytes(needed)} needed")
    detail = f" ({', '.join(space)})" if space else ""
    named = failed_path(error)  # shown unless it is `path` or a temporary file since removed
    shown = named and os.path.abspath(named) != os.path.abspath(path) and os.path.exists(named)
    where = f" ({named})" if shown else ""
    return WriteError(f"Cannot write {path}{where}: {_reason(error)}{detail}. Free space (or choose another folder) "
                      f"and run the same command again.{' ' + kept if kept else ''}")


def remove_paths(patterns) -> None:
    """Removes the files and folders matching each glob pattern (temporary files of a failed write)."""
    for pattern in patterns:
        for path in glob.glob(pattern):
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.remove(path)


@contextlib.contextmanager
def writing(path: str, needed: int | None = None, kept="", cleanup=()):
    """Turns a failed write in the block into a WriteError about `path` (module docstring),
    after removing the files matching the glob patterns `cleanup`; `kept` (a string, or a
    function returning one) says what was kept, and is added to a WriteError from within."""
    try:
        yield
    except WriteError as error:  # a write inside the block, already named: say what this block kept
        remove_paths(cleanup)
        kept = kept() if callable(kept) else kept
        if not kept or kept in str(error):
            raise
        raise WriteError(f"{error} {kept}") from None
    except Exception as error:
        if not is_write_failure(error):
            raise
        remove_paths(cleanup)
        raise write_error(path, error, needed, kept() if callable(kept) else kept) from None
