"""Writing the workflow's tables: permissions of the user's umask, CSV cells a spreadsheet will
not run, Parquet exactly as computed (issue 13, items 5 and 6)."""

from __future__ import annotations

import csv
import io
import os
import stat

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marginalia.tables import (
    FORMULA_STARTS,
    atomic_write_bytes,
    atomic_write_file,
    csv_text,
    current_umask,
    neutralize,
    read_csv,
    write_csv,
    write_json,
    write_table,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "'=already quoted",
    "plain title",
    "<script>alert(1)</script>",
    "right\u202eto-left",
]


@pytest.fixture
def umask():
    def set_mask(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    yield set_mask
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("mask,expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_every_writer_gives_the_users_umask(tmp_path, umask, mask, expected):
    umask(mask)
    assert current_umask() == mask
    df = pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    write_table(df, tmp_path / "t.parquet", tmp_path / "t.csv")
    write_csv(df, tmp_path / "c.csv")
    write_json(tmp_path / "j.json", {"a": 1})
    atomic_write_bytes(tmp_path / "b.bin", b"\x00")
    atomic_write_file(tmp_path / "f.txt", lambda p: p.write_text("x"))
    for name in ("t.parquet", "t.csv", "c.csv", "j.json", "b.bin", "f.txt"):
        assert _mode(tmp_path / name) == expected, name
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind


def test_a_csv_export_neutralizes_formulas_and_parquet_keeps_the_text(tmp_path):
    df = pd.DataFrame(
        {
            "title": HOSTILE,
            "y": [-4.5, 1.0, -2.0, 0.0, 3.0, 1.0, 2.0, 5.0, 1.0, -1.0],
            "n": range(10),
        }
    )
    write_table(df, tmp_path / "t.parquet", tmp_path / "t.csv")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "t.parquet"), df)
    # what a spreadsheet sees: no cell of the title column starts a formula
    with open(tmp_path / "t.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row, original in zip(rows, HOSTILE, strict=True):
        assert not row["title"].startswith(FORMULA_STARTS)
        dangerous = original.startswith((*FORMULA_STARTS, "'"))
        assert row["title"] == ("'" + original if dangerous else original)
    # numbers stay numbers: a negative effect is not a formula and is written as is
    assert [r["y"] for r in rows][:3] == ["-4.5", "1.0", "-2.0"]
    # the workflow's own reader gives back the text as computed
    back = read_csv(tmp_path / "t.csv")
    assert back["title"].tolist() == HOSTILE
    assert back["y"].tolist() == df["y"].tolist()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=5))
def test_no_text_cell_of_a_csv_export_starts_a_formula(cells):
    df = pd.DataFrame({"text": cells, "k": range(len(cells))})
    parsed = list(csv.reader(io.StringIO(csv_text(df), newline="")))
    for cell in (row[0] for row in parsed[1:]):
        assert not cell.startswith(FORMULA_STARTS)
    for cell in cells:  # reversible: exactly one quote added, only where needed
        safe = neutralize(cell)
        assert safe == cell or safe == "'" + cell
        assert (safe != cell) == cell.startswith((*FORMULA_STARTS, "'"))
