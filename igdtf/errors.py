"""Exceptions that recipes report as a one-line error (no traceback) and a non-zero exit."""


class MissingDataError(FileNotFoundError):
    """A dataset's files are not where they must be; the message says which files to put where."""


class DataError(ValueError):
    """A dataset's files are there but unusable (truncated archive, wrong layout); the message
    names the file and what to do."""


class ConfigError(ValueError):
    """A recipe's settings are invalid; the message says what was received and what is allowed."""


class UnreadableFileError(DataError):
    """A file that exists cannot be read (empty, truncated, another format); the message names it
    and what to do."""


class WriteError(OSError):
    """An artefact could not be written (disk full, quota, read-only or failing file system);
    the message names the path, the space needed when known, and what was kept."""


class TrainingDiverged(ConfigError):
    """The training loss became NaN or infinite; the message names the run, the epoch and step,
    what to lower, and the last good checkpoint (which is kept)."""


def checked(build, *args, **kwargs):
    """Calls build(*args, **kwargs), turning a ValueError into a ConfigError (exit code 2)."""
    try:
        return build(*args, **kwargs)
    except ValueError as error:
        raise ConfigError(str(error)) from error
