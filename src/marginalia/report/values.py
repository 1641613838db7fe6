"""The report's small helpers: numbers and flags of cells, column lookup, number formatting,
anchors, rows as records. Missing-value coercion itself is :mod:`marginalia.values`."""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

import pandas as pd

from marginalia.values import optional_number

__all__ = ["num", "integer", "boolean", "pick", "fmt", "anchor", "json_list", "records"]


# Characters of outside text that would act rather than show: C0 controls (but tab and line
# breaks), DEL and the bidirectional controls (which can reorder what a reader sees, e.g. U+202E
# RIGHT-TO-LEFT OVERRIDE) are shown as ⟨U+....⟩ (glyphs every font has, in HTML and figures).
_BIDI = [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_CONTROLS = [c for c in range(0x20) if chr(c) not in "\t\n\r"] + [0x7F]
_VISIBLE = str.maketrans({c: f"\u27e8U+{c:04X}\u27e9" for c in [*_CONTROLS, *_BIDI]})


def visible_controls(text: str) -> str:
    """``text`` with its control and bidirectional-control characters made visible (the report
    shows outside text; the tables keep it exactly)."""
    return text.translate(_VISIBLE)


def num(x: Any) -> float | None:
    """A finite float, or None for NA, NaN, infinities, booleans, strings and non-numbers.

    Unlike :func:`marginalia.values.optional_number`, a string is never read as a number: a
    text cell stays text in the report's tables.
    """
    return None if isinstance(x, str) else optional_number(x)


def integer(x: Any) -> int | None:
    v = num(x)
    return int(round(v)) if v is not None else None


def boolean(x: Any) -> bool | None:
    """True/False, or None when unknown (NA, NaN, empty, unparseable)."""
    if x is None or x is pd.NA:
        return None
    if isinstance(x, bool):
        return x
    if isinstance(x, int | float):
        if isinstance(x, float) and math.isnan(x):
            return None
        return bool(x)
    s = str(x).strip().lower()
    if s in {"true", "1", "yes", "t"}:
        return True
    if s in {"false", "0", "no", "f"}:
        return False
    return None


def pick(df: pd.DataFrame, *names: str) -> str | None:
    """The first of ``names`` that is a column of ``df`` (case-insensitive), else None."""
    lower = {str(c).lower(): str(c) for c in df.columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None


def fmt(x: Any, digits: int = 2, signed: bool = False) -> str:
    """A number rounded for people; an en dash for missing values."""
    v = num(x)
    if v is None:
        return "–"
    if v == 0:
        s = f"{0:.{digits}f}"
    elif abs(v) >= 1e6:
        s = f"{v:.3g}"
    elif abs(v) < 0.5 * 10**-digits:
        s = f"{v:.2g}"
    else:
        s = f"{v:.{digits}f}"
    return f"+{s}" if signed and v > 0 else s


def anchor(prefix: str, key: str) -> str:
    """A stable, URL-safe HTML id for ``key`` (readable part + short hash, never colliding)."""
    readable = re.sub(r"[^A-Za-z0-9_-]+", "-", key).strip("-")[:40]
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()[:8]
    return f"{prefix}-{readable}-{digest}" if readable else f"{prefix}-{digest}"


def json_list(x: Any) -> list[str]:
    """hedge_spans as a list: a JSON array string, a list/array, or empty."""
    if x is None or x is pd.NA:
        return []
    if isinstance(x, float) and math.isnan(x):
        return []
    if isinstance(x, str):
        s = x.strip()
        if not s:
            return []
        try:
            parsed = json.loads(s)
        except json.JSONDecodeError:
            return [s]
        if isinstance(parsed, list):
            return [str(p) for p in parsed if p is not None and str(p)]
        return [str(parsed)]
    try:
        return [str(p) for p in list(x) if p is not None and str(p)]
    except TypeError:
        return [str(x)]


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NA turned into None."""
    if df.empty:
        return []
    out = df.astype(object).where(df.notna(), None)
    return out.to_dict(orient="records")
