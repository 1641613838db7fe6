"""Hedge classification: how abstracts characterise the size of the effects they report.

Rule-based and deterministic. Public functions:

- ``paper_hedge(title, abstract)`` -> ``(hedge, hedge_spans, marginal_sense)``: the paper-level
  size language (``marginal`` / ``strong`` / ``mixed`` / ``none``), the exact cue phrases, and how
  the word family margin/marginal is used in title and abstract.
- ``local_hedge(text, start, end)`` -> ``(hedge_local, hedge_local_span)``: the size word the
  authors attach to the comparison whose number span is ``text[start:end]`` (same sentence, same
  clause or conjunct).
- ``marginal_sense(title, abstract)``.

The size cues are found by :mod:`marginalia.extract.hedge_cues`; at paper level, cues in
background context (:mod:`marginalia.extract.background`) are dropped.

Locally, a cue applies to the numbers after it in its clause (a colon or "e.g." keeps the clause
open; "; , but , while ... as the ..." and a conjoined new verb close it), or, when it is bound
to one number ("only a 0.05 decline", "significant gains of up to 5%"), to that number and a
list of like numbers after it; a cue inside the comparison's own span, or an appositive right
after it ("2.1 points, a significant improvement"), also counts. The per-sentence clause scopes
are computed on first use and kept with the cached analysis of the text.
"""

from __future__ import annotations

import re

from marginalia.extract import hedge_lexicon as L
from marginalia.extract.background import (
    contrib_sentence,
    in_title,
    is_background,
    is_own,
    names_own,
    sentence_context,
)
from marginalia.extract.hedge_cues import Cue, HedgeDoc, analyse, lowercase

__all__ = [
    "HEDGE_CLASSES",
    "LOCAL_CLASSES",
    "MARGINAL_SENSES",
    "local_hedge",
    "local_hedge_of",
    "marginal_sense",
    "paper_hedge",
    "paper_hedge_of",
]

HEDGE_CLASSES = ("marginal", "strong", "mixed", "none")
LOCAL_CLASSES = ("marginal", "strong", "none")
MARGINAL_SENSES = ("improvement", "statistics", "other", "absent")


# --------------------------------------------------------------------------------------------
# Paper level
# --------------------------------------------------------------------------------------------


def paper_hedge(title: str, abstract: str) -> tuple[str, list[str], str]:
    """Classify how an abstract characterises the size of the effects it reports or studies.

    Returns ``(hedge, hedge_spans, marginal_sense)``: ``hedge`` is one of
    ``marginal``/``strong``/``mixed``/``none``; ``hedge_spans`` are the exact cue phrases found in
    the abstract (empty iff ``none``), in text order; ``marginal_sense`` is how the word family
    margin/marginal is used in title and abstract (see :func:`marginal_sense`).
    """
    title = title if isinstance(title, str) else ""
    abstract = abstract if isinstance(abstract, str) else ""
    if not abstract:
        return "none", [], marginal_sense(title, abstract)
    return paper_hedge_of(title, analyse(abstract))


def paper_hedge_of(title: str, doc: HedgeDoc) -> tuple[str, list[str], str]:
    """:func:`paper_hedge` of a title (a str) and the analysis of a non-empty abstract."""
    abstract = doc.text
    title_lower = lowercase(title)
    sense = _sense_in([title_lower, doc.low])
    cues = [c for c in doc.cues if c.paper]
    if not cues:
        return "none", [], sense
    first_own = 0  # the first own-work sentence (0 if none)
    for i in range(len(doc.sentences)):
        if is_own(doc, i):
            first_own = i
            break
    contrib = -1  # the contribution statement's sentence, found on first use
    names: list[frozenset[str]] = []  # filled on first use
    title_low = None  # the title's words, on first use
    kinds: set[str] = set()
    spans: list[str] = []
    for cue in cues:
        i = doc.sentence_index(cue.word_start)
        ctx = None  # the sentence's context, when needed
        intro = i < first_own
        if not intro:
            ctx = sentence_context(doc, i)
            if not ctx.finding:
                if contrib < 0:
                    contrib = contrib_sentence(doc)
                intro = i < contrib
        if intro:
            if title_low is None:
                title_low = " ".join(title_lower.split())
            if not in_title(doc, cue, title_low):
                continue
            # the title states this claim: it is the paper's own
        if ctx is None:
            ctx = sentence_context(doc, i)
        if is_background(doc, cue, i, ctx):
            continue
        if cue.own_only and not (
            ctx.finding
            or is_own(doc, i)
            or doc.low.startswith(L.ANAPHORIC_OPENERS, doc.sentences[i][0])
            or names_own(doc, i, names)
        ):
            continue
        kinds.add(cue.kind)
        span = abstract[cue.start : cue.end].strip()
        if span and span not in spans:
            spans.append(span)
    if not kinds:
        return "none", [], sense
    hedge = "mixed" if len(kinds) == 2 else next(iter(kinds))
    return hedge, spans, sense


# --------------------------------------------------------------------------------------------
# marginal_sense
# --------------------------------------------------------------------------------------------


_SENSE_RANK = {"improvement": 3, "statistics": 2, "other": 1}


def _sense_of(low: str, m: re.Match[str]) -> str:
    w = m.group()
    end = m.end()
    if w in ("margin", "margins"):
        return "other"
    if w.startswith("marginalit") or w == "marginals":
        return "statistics"
    if w.startswith(("marginaliz", "marginalis")):
        return "other" if L.RX_SOCIAL_NEXT.match(low, end) else "statistics"
    if w == "marginally":
        if L.RX_STATS_AFTER_MARGINALLY.match(low, end):
            return "statistics"  # "marginally significant (p = 0.06)"
        return "other" if L.RX_OTHER_AFTER_MARGINALLY.match(low, end) else "improvement"
    # "marginal"
    if L.RX_OTHER_NEXT_MARGINAL.match(low, end) or L.RX_TERM_BEFORE_MARGINAL.search(
        low, max(0, m.start() - 12), m.start()
    ):
        return "other"  # "marginal stability"; "maximal marginal relevance" (a method's name)
    if L.RX_STATS_NEXT.match(low, end):
        return "statistics"
    if L.RX_SIZE_NEXT.match(low, end):
        return "improvement"
    if L.RX_PRED_MARGINAL.search(low[max(0, m.start() - 30) : m.start()]):
        return "improvement"
    return "other"


def marginal_sense(title: str, abstract: str) -> str:
    """How the word family margin/marginal(ly)/marginality/marginalization is used.

    ``improvement`` (the size of an effect: "marginally improves", "the gain is marginal") >
    ``statistics`` (marginal likelihood/distribution, marginalization, infra-marginality) >
    ``other`` (names and technical terms: "Writing in the Margins", max-margin, "by a large
    margin", "marginally stable") by precedence; ``absent`` if no such word occurs.
    """
    return _sense_in([lowercase(part) for part in (title, abstract) if isinstance(part, str)])


def _sense_in(lows: list[str]) -> str:
    """:func:`marginal_sense` of the lower-cased parts (title first)."""
    best, rank = "absent", 0
    for low in lows:
        i = low.find("margin")
        while i != -1:
            if i == 0 or not (low[i - 1].isalnum() or low[i - 1] == "_"):
                m = L.RX_MARGIN_WORD.match(low, i)
                if m:
                    s = _sense_of(low, m)
                    if _SENSE_RANK[s] > rank:
                        best, rank = s, _SENSE_RANK[s]
                        if rank == 3:
                            return best
            i = low.find("margin", i + 6)
    return best


# --------------------------------------------------------------------------------------------
# Local level
# --------------------------------------------------------------------------------------------


def _unit_class(low: str, m: re.Match[str]) -> str:
    if m.group("word"):
        return "fraction" if m.group("word").startswith(("half", "one")) else "ratio"
    u = (m.group("unit") or "").strip()
    if "%" in u or u.startswith("percent"):
        return "percent"
    if u in ("x", "\u00d7", "times") or "fold" in u:
        return "ratio"
    if L.RX_FACTOR_LEFT.search(low[max(0, m.start() - 20) : m.start()]):
        return "ratio"
    return "plain"


def _scope_end(low: str, cue: Cue, s_start: int, s_end: int) -> int:
    """Where the clause that the cue governs ends (exclusive)."""
    end = s_end
    b = L.RX_BOUNDARY.search(low, cue.end, s_end)
    if b:
        end = b.start()
    # a cue inside a subordinate clause ("While marginally affecting X by 2, we ...") stops at
    # the comma that closes that clause
    before = low[s_start : cue.start]
    last = None
    for last in L.RX_SUBORD_OPEN.finditer(before):  # noqa: B007 - the last opener counts
        pass
    if last is not None and "," not in before[last.end() :]:
        c = low.find(",", cue.end, end)
        if c != -1:
            end = c
    return end


def _tight_chain(low: str, cue: Cue, scope_end: int) -> list[tuple[int, int]] | None:
    """Numbers bound to the cue: the number inside it or right after it, plus like numbers.

    None when the cue is not bound to a number (it then governs its whole clause).
    """
    first = L.RX_NUMBER.search(low, cue.start, scope_end)
    if first is None:
        return None
    if first.start() >= cue.end and not L.RX_TIGHT_GAP.fullmatch(low, cue.end, first.start()):
        return None
    chain = [first.span()]
    cls = _unit_class(low, first)
    prev = first
    for nm in L.RX_NUMBER.finditer(low, first.end(), scope_end):
        if not L.RX_CHAIN_GAP.fullmatch(low, prev.end(), nm.start()):
            break
        if _unit_class(low, nm) != cls:
            break
        chain.append(nm.span())
        prev = nm
    return chain


def _unique_span(text: str, start: int, end: int, lo: int, hi: int) -> tuple[int, int]:
    """Extend ``text[start:end]`` word by word (right, then left) until it occurs once."""
    s, e = start, end
    for _ in range(60):
        if text.count(text[s:e]) <= 1:
            break
        if e < hi:
            m = L.RX_WORD_AHEAD.match(text, e, hi)
            e = m.end() if m else hi
        elif s > lo:
            m = L.RX_WORD_BEHIND.search(text, lo, s)
            s = m.start() if m else lo
        else:
            break
    return s, e


def _local_span(doc: HedgeDoc, cue: Cue, s_start: int, s_end: int) -> str:
    """The cue and what it modifies, through a number bound to it, unique in the text."""
    low = doc.low
    end = cue.end
    num = L.RX_NUMBER.search(low, cue.end, s_end)
    if num is not None and L.RX_TIGHT_GAP.fullmatch(low, cue.end, num.start()):
        end = num.end()  # "significant gains of up to 5%", "slightly outperforms (<1%)"
        if "(" in low[cue.end : num.start()]:
            close = low.find(")", end, min(s_end, end + 30))
            if close != -1 and "(" not in low[end:close]:
                end = close + 1
    s, e = _unique_span(doc.text, cue.start, end, s_start, s_end)
    return doc.text[s:e]


def local_hedge(text: str, start: int, end: int) -> tuple[str, str | None]:
    """Size word the authors attach to the comparison whose number span is ``text[start:end]``.

    Returns ``("marginal" | "strong", span)`` or ``("none", None)``. The cue must be in the same
    sentence and clause/conjunct as the number; a colon or "e.g." keeps the clause open. The span
    is the cue word plus what it modifies (through a number bound to it), extended until it
    occurs exactly once in ``text`` where possible; it is always an exact substring of ``text``.
    """
    if not isinstance(text, str) or not text or start < 0 or end > len(text) or start >= end:
        return "none", None
    return local_hedge_of(analyse(text), start, end)


def local_hedge_of(doc: HedgeDoc, start: int, end: int) -> tuple[str, str | None]:
    """:func:`local_hedge` given the analysis of the (non-empty) text."""
    if start < 0 or end > len(doc.text) or start >= end:
        return "none", None
    if not doc.cues or not doc.sentences:
        return "none", None
    i = doc.sentence_index(start)
    s_start, s_end = doc.sentences[i]
    memo = doc.memo  # scopes and chains are the same for every comparison of the sentence
    in_sentence = memo.get(("cues", i, -1))
    if in_sentence is None:
        in_sentence = memo[("cues", i, -1)] = [
            c for c in doc.cues if c.start < s_end and c.end > s_start
        ]
    best: Cue | None = None
    for k, cue in enumerate(in_sentence):
        if cue.start < end and cue.end > start:  # the cue is part of the comparison's span
            best = cue
            break
        if cue.end > start:
            break
        key = ("scope", i, k)
        scope = memo.get(key)
        if scope is None:
            scope = _scope_end(doc.low, cue, s_start, s_end)
            if k + 1 < len(in_sentence):
                scope = min(scope, in_sentence[k + 1].start)
            memo[key] = scope
        if start >= scope:
            continue
        key = ("chain", i, k)
        if key in memo:
            chain = memo[key]
        else:
            chain = memo[key] = _tight_chain(doc.low, cue, scope)
        if chain is not None and not any(a < end and b > start for a, b in chain):
            continue
        best = cue
    if best is None:
        best = _appositive(doc, in_sentence, end)
    if best is None:
        best = _verdict_after(doc, in_sentence, end)
    if best is None:
        return "none", None
    return best.kind, _local_span(doc, best, s_start, s_end)


def _verdict_after(doc: HedgeDoc, cues: list[Cue], end: int) -> Cue | None:
    """A predicate on the sentence's subject that holds the number, in the same clause:
    "... reaching 92% of the full accuracy is rather impressive"."""
    low = doc.low
    for cue in cues:
        if cue.start < end or not low.startswith(L.COPULA_STARTS, cue.start):
            continue
        if L.RX_BOUNDARY.search(low, end, cue.start) is None and "," not in low[end : cue.start]:
            return cue
        return None
    return None


def _appositive(doc: HedgeDoc, cues: list[Cue], end: int) -> Cue | None:
    """A cue noun phrase right after the number: '2.1 points, a significant improvement'."""
    for cue in cues:
        if cue.start >= end:
            if doc.low.startswith(("a ", "an "), cue.start) and L.RX_APPOSITIVE_GAP.fullmatch(
                doc.low, end, cue.start
            ):
                return cue
            return None
    return None
