"""Reported quantitative comparisons in an abstract, as rows of the effects table.

The extractor is a small grammar over the number expressions of :mod:`.numbers`:

1. *composite* comparisons are read first (:mod:`.composites`): before/after pairs ("from 58.3
   to 68.6", "58.9 rightarrow 61.7", "27.49% vs. 25%", "29.79% ..., which rises to 64.69%",
   "24.6 (from 21.1)", "39.9F1 ... lower than ... (41.0F1)"), a level with its change in
   parentheses ("81.8% (+5.9%)"), and ranges ("+0.1 to +0.4", "3x-14x", "30-50%", "±10%");
2. each remaining number is a comparison when its unit and its neighbourhood say so
   (:mod:`.singles`): ratios ("2.3times", "5x", "twice as fast", "an order of magnitude
   fewer"), signed changes ("+4.58%"), a change word next to it ("a 10% improvement", "65%
   faster", "a 0.05 decline in"), "by" ("outperforms ... by 37%"), a change noun with "of"
   ("gains of up to 5%"), a level of a reference resource ("<1% of the original training
   cost", "1/3 rd the size"), or a list that continues a comparison ("3.0% on GSM8K and 7.9% on
   MATH");
3. the fields (metric, aspect, polarity, direction, scale, qualifier: :mod:`.fields`;
   benchmark: :mod:`.benchmark_names`) are read from a small window around the span, bounded
   by the sentence and clause.

Everything else (standalone scores, counts, sizes, years, hyperparameters, physical
measurements such as "120 ms", rates inside formulas) is left alone. The rules are general
patterns of how abstracts state comparisons; the conventions (signs, units, scales, qualifiers)
are those of the annotation guide. A range gives two rows, ``range_low`` holding the smaller
delta ("20-40% fewer" gives -40 then -20; "±10%" gives -10 then +10). The patterns are in
:mod:`.patterns`; the abstract being read (:class:`~.document.Doc`) and the comparison record
(:class:`~.document.Effect`) in :mod:`.document`. This module runs the steps in order.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from marginalia.extract.benchmark_names import link_benchmarks
from marginalia.extract.composites import backward_lists, find_composites, respectively_levels
from marginalia.extract.document import Doc, Effect, same_sentence
from marginalia.extract.fields import clear_memos, fill_fields, qualifier_before, qualify, rows_of
from marginalia.extract.lexicon import PERF
from marginalia.extract.numbers import (
    BARE,
    PERCENT,
    RATIO,
    SCORE,
    Quantity,
    find_quantities,
    tex_shadow,
)
from marginalia.extract.patterns import RANGE_LIST_RE
from marginalia.extract.singles import bare_hopeless, list_continuation, single_comparison

if TYPE_CHECKING:
    from marginalia.registry import Registry

_URL_RE = re.compile(r"https?://\S+|www\.\S+|\S+\.(?:com|org|io|net)/\S*", re.IGNORECASE)
_NON_SPACE_RE = re.compile(r"\S*")


def find_effects(text: str, registry: Registry | None = None) -> list[dict[str, Any]]:
    """Comparisons of ``text`` as dicts of the effect fields (without ids and hedges).

    Rows are in text order; a range gives two rows with the same span.
    """
    if not text:
        return []
    return effects_of_quantities(text, find_quantities(text), registry)


def effects_of_quantities(
    text: str, qs: list[Quantity], registry: Registry | None = None
) -> list[dict[str, Any]]:
    """:func:`find_effects` of ``text`` given ``qs = find_quantities(text)``.

    For callers that read the numbers of many abstracts first (a tighter loop)."""
    if not text or not qs:
        return []
    original = text
    text = tex_shadow(text)  # (find_quantities read the same shadow)
    clear_memos()
    qs = outside_urls(text, qs)
    if not qs:
        return []
    for q in qs:
        if not bare_hopeless(text, q):
            break
    else:
        return []  # only years, counts and sizes
    doc = Doc(text, qs)
    used: set[int] = set()
    effects = find_composites(doc, qs, used)
    # ranges without sign need a cue like any percentage
    kept: list[Effect] = []
    for e in effects:
        if e.extra.get("needs_cue"):
            q = qs[e.extra["qi"]]
            probe = Quantity(q.start, q.end, q.value, q.family, kind="num", pp=q.pp)
            single = single_comparison(doc, probe)
            if single is None:
                prev = kept[-1] if kept else None
                # "23-72% of the gap on A and 7-38% on B": a list of ranges
                if not (
                    prev is not None
                    and prev.kind == "range"
                    and prev.family == e.family
                    and same_sentence(doc, prev.end, e.start)
                    and RANGE_LIST_RE.match(text, prev.end, e.start)
                ):
                    continue
                e.extra["reference"] = prev.extra.get("reference", False)
                kept.append(e)
                continue
            if single.kind == "reference":
                e.extra["reference"] = True
            if single.family == RATIO:  # "by a factor of 2-3"
                e.family = RATIO
        kept.append(e)
    effects = kept
    # single numbers, in order, with list continuation
    taken = sorted(effects, key=lambda x: x.start)
    singles: list[Effect] = []
    for i, q in enumerate(qs):
        if i in used:
            continue
        if _covered(taken, q.start):
            continue
        eff = single_comparison(doc, q)
        if eff is None:
            prev = _previous_effect(taken + singles, q.start)
            if prev is not None and list_continuation(doc, prev, q):
                eff = Effect(
                    q.start,
                    q.end,
                    q.family,
                    q.value,
                    q.sign,
                    kind=prev.kind if prev.kind in ("single", "reference") else "single",
                    pp=q.pp,
                    score_unit=q.score_unit,
                    q_start=q.start,
                    q_end=q.end,
                    inherited_from=prev,
                )
                if eff.family == BARE and eff.kind == "single" and prev.family != BARE:
                    eff.family = prev.family if prev.family in (SCORE, PERCENT) else BARE
        if eff is not None:
            singles.append(eff)
    effects = sorted(effects + singles, key=lambda x: (x.start, x.end))
    effects = backward_lists(doc, qs, used, effects)
    # respectively: levels listed before a list of changes are their treatments
    respectively_levels(doc, effects, qs, used)
    for e in effects:
        qualify(doc, e)
    # spans start at the qualifier
    for e in effects:
        if e.kind in ("single", "reference") and e.inherited_from is None:
            left = doc.left(e.start, 40)
            _, n = qualifier_before(left)
            if n:
                e.start -= n
                while e.start < len(text) and text[e.start].isspace():
                    e.start += 1
                if e.start > 0 and text[e.start - 1] in "{\\$":  # "{approx}", "\approx"
                    e.start -= 1
    for a, b in zip(effects, effects[1:], strict=False):
        if same_sentence(doc, a.start, b.start):
            b.extra["prev"] = a
    prev_by_family: dict[str, Effect] = {}
    later = []
    for e in effects:
        if e.inherited_from is not None and e.inherited_from.start > e.start:
            later.append(e)  # listed before its source ("1.8% and 2.4% gains")
            continue
        fill_fields(doc, e, prev_by_family)
        prev_by_family[e.family] = e
    for e in later:
        fill_fields(doc, e, {})
    link_benchmarks(doc, effects, registry)
    rows: list[dict[str, Any]] = []
    for e in effects:
        if not e.metric and e.benchmark and e.aspect == PERF:
            e.metric = f"{e.benchmark} score"
            if e.lib is None:
                e.lib = False
        rows.extend(rows_of(doc, e))
    if text is not original:  # spans as written
        for r in rows:
            r["span"] = original[r["start"] : r["end"]]
    return rows


def unread_numbers(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The numbers of ``text`` that could state a comparison but overlap none of ``spans``.

    For the report's paper cards: the extracted comparisons are marked, and these show the
    reader where else to look. A candidate is a percentage, a factor, a fraction or a number
    with a unit (a score abbreviation or a measure: "41.2 BLEU", "120 ms"), or a signed bare
    number, outside a URL; enumerators ("(1)"), years, number words ("twice"), bare counts and
    sizes written as products ("3×3", "256x256") are left out. Returns ``(start, end)`` offsets
    of ``text``, in order.
    """
    if not text:
        return []
    out = []
    for q in outside_urls(tex_shadow(text), find_quantities(text)):
        if q.kind == "word" or (q.family == BARE and not q.sign):
            continue
        if q.family == RATIO and text[q.end : q.end + 1].isdigit():
            continue  # "3×3 convolutions": a size, not a factor
        if any(a < q.end and q.start < b for a, b in spans):
            continue
        out.append((q.start, q.end))
    return out


def outside_urls(text: str, qs: list[Quantity]) -> list[Quantity]:
    """The quantities of ``qs`` that do not start inside a URL of ``text`` (the TeX shadow the
    quantities were read from)."""
    if "http" not in text and "www." not in text:
        return qs
    urls = _url_spans(text)
    return [q for q in qs if not any(a <= q.start < b for a, b in urls)]


def _url_spans(text: str) -> list[tuple[int, int]]:
    """``[m.span() for m in _URL_RE.finditer(text)]``, with the regex run only on candidates.

    A URL match never holds whitespace and runs to the end of its run of non-space characters
    (every alternative ends in a greedy ``\\S+`` or ``\\S*``), so there is at most one per run,
    found by ``_URL_RE.search`` over that run. Only runs with a "/" (``https?://``,
    ``x.com/``) or a "www." can hold one.
    """
    cands: list[int] = []
    i = text.find("/")
    while i != -1:
        cands.append(i)
        i = text.find("/", i + 1)
    i = text.find(".", 3)
    while i != -1:
        if text[i - 3 : i].lower() == "www":
            cands.append(i)
        i = text.find(".", i + 1)
    if not cands:
        return []
    cands.sort()
    spans: list[tuple[int, int]] = []
    run_end = -1
    for p in cands:
        if p < run_end:
            continue  # in the run already searched
        run_start = p
        while run_start > 0 and not text[run_start - 1].isspace():
            run_start -= 1
        run_end = _NON_SPACE_RE.match(text, p).end()
        m = _URL_RE.search(text, run_start, run_end)
        if m is not None:
            spans.append(m.span())
    return spans


def _covered(effects: list[Effect], pos: int) -> bool:
    """Whether ``pos`` lies inside the span of one of ``effects``."""
    for e in effects:  # noqa: SIM110 - a loop: cheaper than any() with a generator here
        if e.start <= pos < e.end:
            return True
    return False


def _previous_effect(effects: list[Effect], pos: int) -> Effect | None:
    best = None
    for e in effects:
        if e.end <= pos and (best is None or e.end > best.end):
            best = e
    return best
