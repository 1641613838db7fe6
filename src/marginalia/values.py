"""Missing-value coercion for cells read from tables, JSON and YAML: the one copy.

Tables pass through pandas, Parquet, CSV and JSON, so a missing cell arrives as ``None``,
``float('nan')``, ``pd.NA``, ``pd.NaT`` or ``numpy.nan``. Every module that turns a cell into a
Python value uses these functions, so "missing" means the same thing everywhere.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

_TRUE = frozenset(("true", "1", "yes"))
_FALSE = frozenset(("false", "0", "no"))


def is_missing(value: Any) -> bool:
    """True for None, NaN, pd.NA and pd.NaT; False for every other scalar (and for lists)."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, str):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # list-likes: not a missing scalar
        return False


def text(value: Any, *, strip: bool = True) -> str:
    """A cell as a string: missing values become ''; stripped of outer white space by default."""
    if isinstance(value, str):
        return value.strip() if strip else value
    if is_missing(value):
        return ""
    out = str(value)
    return out.strip() if strip else out


def number(value: Any) -> float:
    """A cell as a finite float, or NaN when it is missing, not a number, or infinite."""
    if is_missing(value) or isinstance(value, bool):
        return math.nan
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def optional_number(value: Any) -> float | None:
    """Like :func:`number`, with None instead of NaN (for JSON and comparisons)."""
    out = number(value)
    return None if math.isnan(out) else out


def flag(value: Any) -> bool | None:
    """A cell as True/False, or None when missing or not a recognisable boolean.

    Accepts booleans, 0/1 and the strings true/false, 1/0, yes/no (any case).
    """
    if isinstance(value, bool):
        return value
    if is_missing(value):
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        return None
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        return None
    if as_float in (0.0, 1.0):
        return bool(as_float)
    return None
