"""Argument checks that fail early with a message naming what is allowed and what was received."""

from collections.abc import Iterable


def check_choice(kind: str, value, allowed: Iterable[str]) -> str:
    """Returns `value` if it is one of `allowed`, else raises ValueError naming both."""
    allowed = sorted(allowed)
    if value not in allowed:
        raise ValueError(f"Unknown {kind} {value!r}. Allowed: {', '.join(allowed)}.")
    return value


def check_non_negative(name: str, value: float) -> float:
    """Returns `value` if it is a finite number >= 0, else raises ValueError."""
    if not isinstance(value, (int, float)) or value != value or value < 0:
        raise ValueError(f"{name} must be a number >= 0, received {value!r}.")
    return float(value)


def check_positive_int(name: str, value: int) -> int:
    """Returns `value` if it is an integer >= 1, else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, received {value!r}.")
    return value


def check_fraction(name: str, value: float) -> float:
    """Returns `value` if 0 < value <= 1, else raises ValueError."""
    if not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ValueError(f"{name} must be in (0, 1], received {value!r}.")
    return float(value)


def check_non_negative_int(name: str, value: int) -> int:
    """Returns `value` if it is an integer >= 0, else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0, received {value!r}.")
    return value


def check_positive(name: str, value: float) -> float:
    """Returns `value` if it is a number > 0, else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, received {value!r}.")
    return float(value)


def check_unit_interval(name: str, value: float) -> float:
    """Returns `value` if it is a number in [0, 1], else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ValueError(f"{name} must be a number in [0, 1], received {value!r}.")
    return float(value)


def check_fraction_below_one(name: str, value: float) -> float:
    """Returns `value` if it is a number in [0, 1), else raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), received {value!r}.")
    return float(value)
