"""Standard training: CE on clean inputs (the trainer base unchanged)."""

from igdtf.methods.base import Trainer


class Standard(Trainer):
    """loss = CE(f(x), y)."""

    method_name = "standard"
    summary = "CE on clean inputs."
