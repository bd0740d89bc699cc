"""history.csv: one row of epoch logs per epoch, whatever the restarts.

The file is rewritten whole and atomically after every epoch (it is small: one row per epoch),
from the rows of the epochs before the one training resumes at plus the new ones. So a run
resumed after a kill, a stop signal or a full disk never repeats a row, even when the row of an
epoch was written but its checkpoint was not. Columns: "epoch" (numbered from 1, as the log
lines, best.json, TensorBoard's epoch/* steps and the collapse and overfitting records number
them) and the logged metrics, sorted.
"""

import csv
import io
import logging

import keras
import numpy as np

from igdtf.runs.artefacts import error_summary
from igdtf.runs.atomic import write_text

log = logging.getLogger("igdtf.training")


def read_history(path: str, kept_epochs: int) -> list[dict]:
    """The rows of history.csv at `path` for epochs 1 to `kept_epochs` ([] if there is no such
    file; a warning if it cannot be read)."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        return [row for row in rows if int(row["epoch"]) <= kept_epochs]
    except FileNotFoundError:
        return []
    except (OSError, ValueError, KeyError, TypeError, csv.Error) as error:
        log.warning("%s cannot be read (%s); it is written anew from epoch %d.", path, error_summary(error),
                    kept_epochs + 1)
        return []


def history_text(rows: list[dict]) -> str:
    """The CSV text of `rows`: "epoch", then every metric any row has, sorted; "NA" where a row lacks one."""
    keys = sorted({key for row in rows for key in row} - {"epoch"})
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["epoch", *keys], restval="NA")
    writer.writeheader()
    writer.writerows(rows)
    return text.getvalue()


class HistoryFile(keras.callbacks.Callback):
    """Keeps history.csv (`path`) for a run that (re)starts at 0-based epoch `first_epoch`."""

    def __init__(self, path: str, first_epoch: int):
        super().__init__()
        self.path = path
        self.rows = read_history(path, first_epoch)  # the epochs before it, numbered 1 to first_epoch

    def on_epoch_end(self, epoch, logs=None):
        number = epoch + 1  # Keras' 0-based epoch, numbered from 1
        row = {"epoch": number, **{key: float(np.mean(value)) for key, value in (logs or {}).items()}}
        self.rows = [r for r in self.rows if int(r["epoch"]) < number] + [row]
        write_text(self.path, history_text(self.rows))
