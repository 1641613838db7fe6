"""Reading and writing the workflow's tables: Parquet for types, CSV for people.

Writes are atomic (temporary file in the same folder, then rename), so an interrupted job never
leaves a half-written table behind, and get the permissions of the user's umask (0644 under
022), as a plain ``open`` would: ``mkstemp`` alone makes them 0600.

CSV exports are for spreadsheets, which run a cell that begins with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return as a formula (CSV injection). Every text cell that begins so gets a
single quote in front (OWASP's rule), and so does a text cell that already begins with a quote,
which makes the rule reversible: :func:`read_csv` removes exactly one leading quote. Numbers
are written as numbers; rows end in CRLF (RFC 4180), so a cell with a line break or a carriage
return is quoted; Parquet keeps every text exactly.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd


def current_umask() -> int:
    """The process's umask (read from /proc where there is one: setting it to read it back is
    not safe with threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _atomic_target(path: Path) -> tuple[int, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
    except BaseException:
        os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise
    return fd, tmp


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    path = Path(path)
    fd, tmp = _atomic_target(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_file(path: str | os.PathLike, write: Callable[[Path], object]) -> None:
    """Atomically write a file that ``write(tmp)`` creates at the temporary path ``tmp``.

    For writers that want a path rather than bytes (e.g. ``atomic_write_file(p,
    tree.to_netcdf)``): ``tmp`` is in the same folder as ``path`` and replaces it only when
    ``write`` returns; on any error it is removed.
    """
    path = Path(path)
    fd, tmp = _atomic_target(path)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike, obj: object) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def write_jsonl(path: str | os.PathLike, records: Iterable[dict]) -> None:
    lines = [json.dumps(r, ensure_ascii=False, default=str) for r in records]
    atomic_write_text(path, "".join(line + "\n" for line in lines))


def read_jsonl(path: str | os.PathLike) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def write_table(df: pd.DataFrame, parquet: str | os.PathLike, csv: str | os.PathLike | None = None):
    """Write ``df`` to Parquet and (optionally) CSV, each atomically."""
    parquet = Path(parquet)
    fd, tmp = _atomic_target(parquet)
    os.close(fd)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, parquet)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if csv is not None:
        write_csv(df, csv)


#: first characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def neutralize(value: object) -> object:
    """A text cell made safe for a spreadsheet (see the module's docstring); other values as
    they are."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, _QUOTE)):
        return _QUOTE + value
    return value


def _restore(value: object) -> object:
    if isinstance(value, str) and value.startswith(_QUOTE):
        return value[1:]
    return value


def _text_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c])]


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text with its text cells neutralized (:func:`neutralize`)."""
    text_cols = _text_columns(df)
    if text_cols:
        df = df.copy()
        for c in text_cols:
            df[c] = df[c].map(neutralize, na_action="ignore")
    # CRLF rows (RFC 4180): the writer then quotes a cell holding a bare carriage return,
    # which with "\n" rows it leaves bare, splitting the row for every reader
    return df.to_csv(index=False, lineterminator="\r\n")


def write_csv(df: pd.DataFrame, path: str | os.PathLike) -> None:
    atomic_write_text(path, csv_text(df))


def read_csv(path: str | os.PathLike) -> pd.DataFrame:
    """A CSV this module wrote, its text cells as they were before :func:`neutralize`."""
    df = pd.read_csv(path)
    for c in _text_columns(df):
        df[c] = df[c].map(_restore, na_action="ignore")
    return df


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    path = Path(path)
    if path.suffix == ".parquet":
        return pd.read_parquet(path)
    return read_csv(path)
