"""Matching extracted rows to gold rows, and papers by title.

- Papers are matched by normalized title (:func:`marginalia.corpus.records.normalize_title`);
  :func:`title_index` indexes the gold papers by it.
- An extracted row matches a gold row of the same paper when ``delta`` agrees within 0.01, or,
  when the gold unit is ``ratio`` or ``fraction``, within 1% relative
  (``|pred - gold| <= 0.01 * max(|pred|, |gold|)``). Each gold row matches at most one
  extracted row and vice versa: candidate pairs are taken greedily by closeness
  (``|pred - gold|`` divided by the pair's tolerance), ties broken by same unit, then by larger
  span overlap (longest common substring over the shorter span), then by file order
  (:func:`match_rows`).
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Any

from marginalia.corpus.records import normalize_title
from marginalia.errors import MarginaliaError
from marginalia.values import optional_number, text

ABS_TOL = 0.01
REL_TOL = 0.01
RELATIVE_UNITS = ("ratio", "fraction")
_EPS = 1e-9


def tolerance(gold_delta: float, pred_delta: float, gold_unit: str) -> float:
    """Largest |pred - gold| that still matches (absolute 0.01; 1% relative for ratio/fraction)."""
    if gold_unit in RELATIVE_UNITS:
        return REL_TOL * max(abs(gold_delta), abs(pred_delta))
    return ABS_TOL


def deltas_agree(gold_delta: Any, pred_delta: Any, gold_unit: str) -> bool:
    """Whether two deltas match (see :func:`tolerance`); False when either is missing."""
    g, p = optional_number(gold_delta), optional_number(pred_delta)
    if g is None or p is None:
        return False
    return abs(p - g) <= tolerance(g, p, gold_unit) + _EPS


def span_overlap(a: Any, b: Any) -> float:
    """Longest common substring of two spans over the shorter length (0..1; 1 = containment)."""
    a, b = text(a), text(b)
    if not a or not b:
        return 0.0
    m = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return m.size / min(len(a), len(b))


def match_rows(gold_rows: Sequence[dict], pred_rows: Sequence[dict]) -> list[tuple[int, int]]:
    """One-to-one matches ``(gold_index, pred_index)`` between the rows of one paper."""
    candidates = []
    for gi, g in enumerate(gold_rows):
        g_delta, g_unit = optional_number(g.get("delta")), text(g.get("unit"))
        if g_delta is None:
            continue
        for pi, p in enumerate(pred_rows):
            p_delta = optional_number(p.get("delta"))
            if p_delta is None or not deltas_agree(g_delta, p_delta, g_unit):
                continue
            tol = tolerance(g_delta, p_delta, g_unit)
            closeness = abs(p_delta - g_delta) / tol if tol > 0 else 0.0
            same_unit = 0 if text(p.get("unit")) == g_unit else 1
            overlap = span_overlap(g.get("span"), p.get("span"))
            candidates.append((round(closeness, 9), same_unit, -overlap, gi, pi))
    candidates.sort()
    used_gold: set[int] = set()
    used_pred: set[int] = set()
    pairs = []
    for *_, gi, pi in candidates:
        if gi in used_gold or pi in used_pred:
            continue
        used_gold.add(gi)
        used_pred.add(pi)
        pairs.append((gi, pi))
    return sorted(pairs)


def title_index(gold_papers: list[dict]) -> dict[str, dict]:
    """Gold papers by normalized title; a missing or repeated title is an error."""
    index: dict[str, dict] = {}
    for row in gold_papers:
        title = text(row.get("title"))
        if not title:
            raise MarginaliaError(f"gold papers: record {row.get('paper')!r} has no title")
        key = normalize_title(title)
        if key in index:
            raise MarginaliaError(
                f"gold papers: papers {index[key].get('paper')!r} and {row.get('paper')!r} "
                f"have the same normalized title {key!r}; titles must identify papers"
            )
        index[key] = row
    return index
