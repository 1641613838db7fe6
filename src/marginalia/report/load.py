"""Read the report's inputs, tolerating missing or empty ones (they are reported, not fatal).

This is the report's only I/O: everything after it works on the returned :class:`Inputs`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from marginalia.tables import read_csv

__all__ = ["INPUT_KEYS", "Inputs", "load_inputs"]

#: The keys of ``build_report``'s ``inputs`` (the named inputs of rule render_report).
INPUT_KEYS = (
    "corpus",
    "effects",
    "papers",
    "standardized",
    "summary",
    "hedge_classes",
    "comparisons",
    "loo",
    "sensitivity",
    "checks",
    "diagnostics",
    "power",
    "power_summary",
)


@dataclass
class Inputs:
    """Tables (an empty DataFrame where an input is missing), diagnostics and what went wrong."""

    frames: dict[str, pd.DataFrame]
    diagnostics: dict
    problems: list[str] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)

    def frame(self, key: str) -> pd.DataFrame:
        return self.frames.get(key, pd.DataFrame())


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_frame(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    try:
        return read_csv(path)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()


def load_inputs(inputs: dict[str, str | os.PathLike]) -> Inputs:
    """Read every input named in ``inputs``; missing keys/files become notes in ``problems``."""
    frames: dict[str, pd.DataFrame] = {}
    diagnostics: dict = {}
    problems: list[str] = []
    files: list[dict] = []
    for key in INPUT_KEYS:
        raw = inputs.get(key)
        if raw is None:
            problems.append(f"input {key!r} was not given")
            continue
        path = Path(raw)
        if not path.is_file():
            problems.append(f"input {key!r} ({path}) does not exist")
            continue
        info = {"key": key, "path": str(raw), "sha256": _sha256(path), "rows": None}
        files.append(info)
        try:
            if key == "diagnostics":
                loaded = json.loads(path.read_text(encoding="utf-8") or "{}")
                if not isinstance(loaded, dict):
                    raise ValueError("expected a JSON object")
                diagnostics = loaded
            else:
                df = _read_frame(path)
                frames[key] = df
                info["rows"] = len(df)
        except (OSError, ValueError, pa.ArrowException) as exc:
            # a broken input is shown in the report, not fatal: an unreadable file (OSError),
            # bad JSON, CSV or UTF-8 (ValueError: JSONDecodeError, ParserError,
            # UnicodeDecodeError), a bad Parquet file (pyarrow's ArrowException)
            problems.append(f"input {key!r} ({path}) could not be read: {exc}")
    for key in sorted(set(inputs) - set(INPUT_KEYS)):
        problems.append(f"input {key!r} is not used by the report")
    return Inputs(frames=frames, diagnostics=diagnostics, problems=problems, files=files)
