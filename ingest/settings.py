"""The settings read from the environment, checked once where they are read.

A wrong value stops the command with a message that names the variable and
what it takes (exit status 2), before anything is changed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping


class SettingsError(Exception):
    """A setting is missing or wrong."""


_MEMORY = re.compile(r"^\d+(\.\d+)?\s*([KMGT]i?B|B)$", re.IGNORECASE)


def seconds_setting(
    name: str,
    default: float,
    environ: Mapping[str, str] | None = None,
    above_zero: bool = False,
) -> float:
    """A number of seconds: zero or more, or above zero."""
    text = (os.environ if environ is None else environ).get(name, "").strip()
    if not text:
        return default
    try:
        value: float | None = float(text)
    except ValueError:
        value = None
    bound = "above zero" if above_zero else "zero or more"
    # `not value >= 0` also refuses nan.
    if value is None or not value >= 0 or (above_zero and value == 0):
        raise SettingsError(f"{name} must be a number of seconds, {bound}, not {text!r}")
    return value


def whole_number_setting(name: str, default: int) -> int:
    """A whole number, one or more."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingsError(f"{name} must be a whole number, one or more, not {text!r}")
    return int(text)


def memory_size_setting(name: str, default: str) -> str:
    """An amount of memory as DuckDB reads it: 3GB, 500MB, 2GiB."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not _MEMORY.match(text):
        raise SettingsError(
            f"{name} must be an amount of memory such as 3GB or 500MB, not {text!r}"
        )
    return text
