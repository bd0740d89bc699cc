"""One run per folder: an OS lock in the output folder, held for the life of the process.

`hold_folder(path, flag)` takes an exclusive POSIX record lock (fcntl.lockf) on PATH/.igdtf.lock
and writes the holder's host, pid, start time and command into that file. The kernel releases
the lock when the process ends in any way (SIGKILL, a crash), so it never goes stale as a marker
file would, and POSIX locks work over NFSv4 (flock may not on older NFS). A second process on
the folder, or on a folder inside it (an evaluation into a running run's folder), is refused at
once with a ConfigError naming the holder. At a normal exit the lock file is removed, and the
folder too if this process created it and left it empty, so a refused run leaves nothing behind.

Multi-worker runs (`hold_folder(path, flag, strategy)`): the chief takes the lock, then every
other worker checks that a process of its own cluster (the same TF_CONFIG cluster) holds it;
the workers agree through two all-reduces and refuse together. A worker's check of the folder
(`refuse_held`, as check_output_dir does) accepts the lock of its own job's chief.
"""

import atexit
import datetime
import errno
import fcntl
import hashlib
import json
import os
import re
import socket
import sys
import time

from igdtf.errors import ConfigError
from igdtf.runs.write_errors import writing

LOCK_FILE = ".igdtf.lock"
_SEED_RUN = re.compile(r"^seed_\d+$")  # the run folders of --seeds (evaluation/reporting/seed_summary.py)
_HELD: dict[str, tuple[int, str, list[str]]] = {}  # real folder path → (fd, lock file, folders created)


def hold_folder(path: str, flag: str = "output_dir", strategy=None) -> None:
    """Holds the folder `path` (created if needed) for this process; ConfigError if another
    process holds it or a folder containing it. `strategy`: a multi-worker strategy makes the
    chief hold it and the other workers check it (module docstring)."""
    folder = os.path.abspath(path)
    if os.path.realpath(folder) in _HELD:
        return
    _refuse_inside_held(folder, flag)
    _refuse_around_held(folder, flag)
    if strategy is not None:
        from igdtf.distribute import in_multi_worker_mode  # TensorFlow only for multi-worker runs

        if in_multi_worker_mode(strategy):
            _hold_as_worker_of(strategy, folder, flag)
            return
    _lock(folder, flag)


def refuse_held(path: str, flag: str = "output_dir") -> None:
    """ConfigError if another process holds the folder `path` or a folder containing it (a check
    that creates nothing; hold_folder takes the lock)."""
    folder = os.path.abspath(path)
    lock = os.path.join(folder, LOCK_FILE)
    if _held_elsewhere(folder):
        raise _in_use(folder, flag, lock)
    _refuse_inside_held(folder, flag)
    _refuse_around_held(folder, flag)


def _in_use(folder: str, flag: str, lock: str) -> ConfigError:
    return ConfigError(f"--{flag}={folder} is in use by another igdtf run ({_holder(lock)}); wait for it to finish, "
                       f"or choose another --{flag}.")


def _lock(folder: str, flag: str, cluster: str | None = None) -> None:
    created = _make_folders(folder)
    path = os.path.join(folder, LOCK_FILE)
    while True:
        with writing(path):
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as error:
            os.close(fd)
            if error.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            raise _in_use(folder, flag, path) from None
        if _still_linked(fd, path):  # not the file of a holder that removed it while exiting
            break
        os.close(fd)
    record = {"host": socket.gethostname(), "pid": os.getpid(), "cluster": cluster,
              "started": datetime.datetime.now().astimezone().isoformat(sep=" ", timespec="seconds"),
              "command": " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:])[:300]}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(record).encode(), 0)
    if not _HELD:
        atexit.register(_release_all)
    _HELD[os.path.realpath(folder)] = (fd, path, created)
    try:  # again, now that it is held: a command that took a folder inside it meanwhile
        _refuse_around_held(folder, flag)
    except ConfigError:
        _release(os.path.realpath(folder))
        raise


def _make_folders(folder: str) -> list[str]:
    """Creates `folder` and its missing parents; the ones created, innermost first."""
    created, missing = [], folder
    while not os.path.exists(missing):
        created.append(missing)
        missing = os.path.dirname(missing)
    with writing(folder):
        os.makedirs(folder, exist_ok=True)
    return created


def _still_linked(fd: int, path: str) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _record(path: str) -> dict:
    """The holder's record in the lock file `path` ({} if there is none: it is written a moment
    after the lock is taken)."""
    for _ in range(20):
        try:
            with open(path) as f:
                record = json.loads(f.read())
            if isinstance(record, dict) and {"pid", "host", "started", "command"} <= set(record):
                return record
        except (OSError, ValueError):
            pass
        time.sleep(0.05)
    return {}


def _holder(path: str) -> str:
    """The holder recorded in the lock file `path`, in words."""
    record = _record(path)
    if not record:
        return "a process that has not recorded itself"
    return f"pid {record['pid']} on {record['host']}, started {record['started']}: {record['command']}"


def _held_by_another(path: str) -> bool:
    """Whether another process holds the lock file `path` (a shared lock is refused)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        return False
    except OSError as error:
        return error.errno in (errno.EACCES, errno.EAGAIN)
    finally:
        os.close(fd)  # also drops the shared lock just taken


def _held_elsewhere(folder: str) -> bool:
    """Whether a process other than this one and its job's chief (multi-worker) holds `folder`."""
    path = os.path.join(folder, LOCK_FILE)
    if os.path.realpath(folder) in _HELD or not os.path.isfile(path) or not _held_by_another(path):
        return False
    return "TF_CONFIG" not in os.environ or _record(path).get("cluster") != _cluster()


def _refuse_inside_held(folder: str, flag: str) -> None:
    parent = os.path.dirname(folder)
    while True:
        path = os.path.join(parent, LOCK_FILE)
        if _held_elsewhere(parent):
            raise ConfigError(f"--{flag}={folder} is inside {parent}, which another igdtf run holds ({_holder(path)}); "
                              "wait for it to finish, or choose a folder outside it.")
        if os.path.dirname(parent) == parent:
            return
        parent = os.path.dirname(parent)


def _refuse_around_held(folder: str, flag: str) -> None:
    """ConfigError if another process holds a seed run directly inside `folder` (the
    OUTPUT_DIR/seed_<s>/ run that a --seeds command on `folder` would write; other folders inside
    `folder` are no concern of a run on `folder`)."""
    try:
        names = sorted(name for name in os.listdir(folder) if _SEED_RUN.match(name))
    except OSError:
        return
    for inner in (os.path.join(folder, name) for name in names):
        if _held_elsewhere(inner):
            raise ConfigError(f"--{flag}={folder} holds {inner}, which another igdtf run holds "
                              f"({_holder(os.path.join(inner, LOCK_FILE))}); wait for it to finish, or choose "
                              f"another --{flag}.")


def _release(real_folder: str) -> None:
    """Removes the lock file of `real_folder` (still holding it, so no one locks a removed file)
    and the folders this process created for it if they are empty; then unlocks."""
    fd, path, created = _HELD.pop(real_folder)
    for remove, target in [(os.remove, path), *((os.rmdir, folder) for folder in created)]:
        try:
            remove(target)
        except OSError:
            break
    os.close(fd)


def _release_all() -> None:
    """Releases every folder this process holds (at exit)."""
    for real_folder in list(_HELD):
        _release(real_folder)


def _cluster() -> str:
    """A fingerprint of the TF_CONFIG cluster: the same for every worker of one job."""
    cluster = json.loads(os.environ.get("TF_CONFIG", "{}")).get("cluster", {})
    return hashlib.sha1(json.dumps(cluster, sort_keys=True).encode()).hexdigest()[:12]


def _hold_as_worker_of(strategy, folder: str, flag: str) -> None:
    from igdtf.distribute import is_chief, replica_sum

    chief, cluster, error = is_chief(strategy), _cluster(), None
    failures = replica_sum(strategy)  # how many replicas of all workers failed (every worker calls it)
    if chief:
        try:
            _lock(folder, flag, cluster)
        except ConfigError as refused:
            error = refused
    if failures(error is not None):
        raise error or ConfigError(f"--{flag}={folder}: the chief of this job refused it (another igdtf run holds "
                                   "it); see the chief's error.")
    if not chief:
        error = _check_chief_holds(folder, flag, cluster)
    if failures(error is not None):
        raise error or ConfigError(f"--{flag}={folder}: a worker of this job does not see it held by this job's chief; "
                                   f"see the workers' errors (every worker needs the same --{flag} on a shared file "
                                   "system).")


def _check_chief_holds(folder: str, flag: str, cluster: str) -> ConfigError | None:
    """None if a process of this worker's cluster holds `folder`, else the error to raise."""
    path = os.path.join(folder, LOCK_FILE)
    if not _held_by_another(path):
        return ConfigError(f"--{flag}={folder}: this job's chief holds no lock there as this worker sees it; give "
                           f"every worker the same --{flag}, on a file system they share.")
    return _in_use(folder, flag, path) if _record(path).get("cluster") != cluster else None
