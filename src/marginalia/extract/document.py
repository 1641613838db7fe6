"""The abstract being read and the comparisons found in it, shared by the grammar's modules.

:class:`Doc` is the text with its sentence index
(:func:`marginalia.text.sentences.sentence_starts`) and the context windows around a position
(bounded by the sentence, or by the clause); :class:`Effect` is one comparison as the grammar
fills it in, before :mod:`marginalia.extract.fields` turns it into table rows.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from marginalia.extract.numbers import BARE, Quantity
from marginalia.text.sentences import sentence_starts

_CLAUSE_BREAK_RE = re.compile(r"[;:]|,\s+(?:while|whereas|but|and|which|although|though)\b")
_CLAUSE_COMMA_RE = re.compile(r",\s+(?:while|whereas|but|and|which|although|though)\b")


@dataclass(slots=True)
class Effect:
    """One comparison before it becomes one (or, for a range, two) table rows."""

    start: int
    end: int
    family: str
    value: float  # the stated number (delta, ratio, fraction or level), unsigned
    sign: str = ""
    value2: float | None = None  # upper end of a range
    sign2: str = ""
    kind: str = "single"  # single | pair | paren | range | pm | reference
    baseline: float | None = None
    treatment: float | None = None
    qualifier: str = ""
    pp: bool = False
    score_unit: str = ""
    word: str = ""
    q_start: int = 0  # where the (first) number starts
    q_end: int = 0  # where the (last) number ends
    inherited_from: Effect | None = None
    metric: str = ""
    aspect: str = ""
    lib: bool | None = None
    equiv: bool = False
    benchmark: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Doc:
    """The abstract with its sentence index and quantities (helpers for windows)."""

    __slots__ = ("text", "starts", "ends", "qs", "_clauses")

    def __init__(self, text: str, qs: list[Quantity]):
        self.text = text
        self.starts = sentence_starts(text)
        self.ends = [*self.starts[1:], len(text)]  # ends[i]: where sentence i ends
        self.qs = qs
        self._clauses: dict[int, str] = {}

    def sentence(self, pos: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.starts, pos) - 1
        if i < 0:  # pos < 0
            return self.starts[i], self.starts[0]
        return self.starts[i], self.ends[i]

    def left(self, pos: int, limit: int = 120) -> str:
        s = self.starts[bisect.bisect_right(self.starts, pos) - 1]
        return self.text[max(s, pos - limit) : pos]

    def right(self, pos: int, limit: int = 80) -> str:
        e = self.ends[bisect.bisect_right(self.starts, pos - 1 if pos > 0 else 0) - 1]
        return self.text[pos : min(e, pos + limit)]

    def clause_left(self, pos: int, limit: int = 140) -> str:
        """The clause before ``pos`` (after the last ';', ':', ', while', ', and', ...), at most
        ``limit`` (<= 140) characters."""
        out = self._clauses.get(pos)
        if out is None:
            left = self.left(pos, 140)
            out = left[_clause_cut(left) :]
            self._clauses[pos] = out
        return out[-limit:] if len(out) > limit else out


def _clause_cut(left: str) -> int:
    """End of the last ``_CLAUSE_BREAK_RE`` match in ``left`` (0 if none).

    The matches are each ';' and ':' and each ', while'-like comma; none holds another, so the
    last one ends after the last ';'/':' or at the last such comma after it."""
    cut = max(left.rfind(";"), left.rfind(":")) + 1
    c = left.rfind(",")
    while c >= cut:
        m = _CLAUSE_COMMA_RE.match(left, c)
        if m is not None:
            return m.end()
        c = left.rfind(",", 0, c)
    return cut


def same_sentence(doc: Doc, a: int, b: int) -> bool:
    """Whether positions ``a`` and ``b`` are in one sentence of ``doc``."""
    return (
        doc.sentence(a) == doc.sentence(b)
        if a < 0 or b < 0
        else (bisect.bisect_right(doc.starts, a) == bisect.bisect_right(doc.starts, b))
    )


def is_year(q: Quantity) -> bool:
    """An unsigned whole number from 1900 to 2100 without a unit."""
    return q.family == BARE and q.integer and 1900 <= q.value <= 2100 and not q.sign


def signed(v: float | None, sign: str) -> float:
    """``v`` (0 if None) with its stated sign."""
    v = 0.0 if v is None else v
    return -v if sign == "-" else v
