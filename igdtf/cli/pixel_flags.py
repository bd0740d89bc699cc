"""Flags in 1/255 units of the pixel range (--epsilon=8 is 8/255), checked as the user wrote them:
an error echoes the flag's value, never the value divided by 255."""

import math

from igdtf.errors import ConfigError


def pixel_distance(name: str, value: float, zero_allowed: bool = True) -> float:
    """--`name`=`value` (1/255 units) in pixel units, value / 255; ConfigError echoing the flag
    unless the value is a finite number >= 0 (> 0 unless `zero_allowed`)."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0 and (value or zero_allowed)):
        bound = ">= 0" if zero_allowed else "> 0"
        raise ConfigError(f"--{name}={value:g} must be a finite number {bound}, in 1/255 units of the pixel range "
                          f"(e.g. --{name}=8 for 8/255).")
    return value / 255
