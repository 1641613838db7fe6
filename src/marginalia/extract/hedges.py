"""Hedge classification: how abstracts characterise the size of the effects they report.

Rule-based and deterministic. Public functions:

- ``paper_hedge(title, abstract)`` -> ``(hedge, hedge_spans, marginal_sense)``: the paper-level
  size language (``marginal`` / ``strong`` / ``mixed`` / ``none``), the exact cue phrases, and how
  the word family margin/marginal is used in title and abstract.
- ``local_hedge(text, start, end)`` -> ``(hedge_local, hedge_local_span)``: the size word the
  authors attach to the comparison whose number span is ``text[start:end]`` (same sentence, same
  clause or conjunct).
- ``marginal_sense(title, abstract)`` and ``split_sentences(text)`` (sentence offsets,
  abbreviation- and decimal-aware), shared with the effect extractor.

How it works. A size cue is an intensity word plus the effect it modifies: "significant gains",
"marginally improves", "the improvement is marginal", "improves ... significantly", "do not
meaningfully improve", "by a large margin", an own "state-of-the-art" claim, "strong
performance"; a negated strong cue ("no significant gain", "without substantial overhead") is
marginal. A size word on something that is not an effect ("large language models",
"significant limitations", "strong correlation", "modest interventions", "substantially weaker
models") never becomes a cue, because every cue needs an effect head. At paper level, cues in
background context are dropped: sentences before the abstract's first own-work sentence ("we",
"our", "this paper", ...) or before its contribution statement ("In this paper, we propose"),
unless they report the authors' findings; clauses led by prior-work markers ("previous work",
"existing methods", "have shown", citations); problem descriptions; questions and hypotheticals
("may significantly ...", "we conjecture"). An opening claim that the title repeats is the
paper's own; "strong performance" and "the most accurate" count only for the authors' own method
(own-work sentence, an anaphoric "It ...", or a name they gave it).

Locally, a cue applies to the numbers after it in its clause (a colon or "e.g." keeps the clause
open; "; , but , while ... as the ..." and a conjoined new verb close it), or, when it is bound
to one number ("only a 0.05 decline", "significant gains of up to 5%"), to that number and a
list of like numbers after it; a cue inside the comparison's own span, or an appositive right
after it ("2.1 points, a significant improvement"), also counts.

Speed: trigger words are found with one scan (a prefix-tree pattern of all of them) of a
punctuation-normalised lowercase copy; regexes run only anchored at those positions or on short
slices, and the longer ones only after a cheap test for the words they need. The per-text
analysis is cached, so ``local_hedge`` calls on one abstract and ``paper_hedge`` share it; its
sentences, per-sentence word sets and per-sentence clause scopes are computed on first use.
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import Any, NamedTuple

from marginalia.extract import hedge_lexicon as L

__all__ = [
    "HEDGE_CLASSES",
    "LOCAL_CLASSES",
    "MARGINAL_SENSES",
    "local_hedge",
    "marginal_sense",
    "paper_hedge",
    "split_sentences",
]

HEDGE_CLASSES = ("marginal", "strong", "mixed", "none")
LOCAL_CLASSES = ("marginal", "strong", "none")
MARGINAL_SENSES = ("improvement", "statistics", "other", "absent")

# --------------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------------

_ABBREV = L.words(
    "e.g i.e eg ie vs cf al fig figs eq eqs sec ref refs approx ca resp no nos dr mr mrs ms st "
    "prof inc ltd jr sr vol pp p acc avg est viz incl wrt w.r.t"
)
_CLOSERS = "\"'\u201d\u2019)]"
_OPENERS = "\"'\u201c\u2018(["
# right after a sentence mark: more marks and closers, whitespace (group 1), then openers
_AFTER_MARK_RE = re.compile("[.!?" + re.escape(_CLOSERS) + r"]*(\s+)[" + re.escape(_OPENERS) + "]*")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` character offsets of the sentences of ``text``.

    A sentence ends at ``.``, ``!`` or ``?`` (plus closing quotes/brackets) followed by
    whitespace and an uppercase letter or a digit, unless the period closes a known abbreviation
    ("e.g.", "i.e.", "et al.", "vs.", "Fig.", "approx.") or a single-letter initial. Offsets
    exclude surrounding whitespace; whitespace-only text gives no sentences.
    """
    n = len(text)
    marks: list[int] = []
    for ch in ".!?":
        i = text.find(ch)
        while i != -1:
            marks.append(i)
            i = text.find(ch, i + 1)
    if len(marks) > 1:
        marks.sort()
    spans: list[tuple[int, int]] = []
    pos = 0  # where the rest of the text starts (the end of the last sentence)
    start = -1  # the next sentence's start, once a sentence has ended
    for dot in marks:
        if dot > 0 and text[dot - 1] in ".!?":
            continue  # inside a run such as "..." or "?!": the run's first mark decides
        # after the mark: more marks and closers (to j), whitespace (to w), openers (to k)
        nxt = text[dot + 1 : dot + 2]
        if nxt == " " and dot + 2 < n and not text[dot + 2].isspace():
            j, w = dot + 1, dot + 2
            k = w if text[w] not in _OPENERS else _AFTER_MARK_RE.match(text, j).end()
        elif not nxt or nxt.isalnum():
            continue  # no whitespace after the mark (a decimal point, "e.g", the end)
        else:
            m = _AFTER_MARK_RE.match(text, dot + 1)
            if m is None:
                continue
            j, w, k = m.start(1), m.end(1), m.end()
        if k >= n or not (text[k].isdigit() or text[k].isupper()):
            continue
        if j <= pos:
            continue  # a later mark of a run already ended there: nothing to add
        if text[dot] == "." and _abbreviation_before(text, dot):
            continue
        if start < 0:
            _push_span(text, pos, j, spans)
        else:  # starts after whitespace, ends with the mark or closer: nothing to strip
            spans.append((start, j))
        pos = j
        start = w
    _push_span(text, pos, n, spans)
    return spans


def _abbreviation_before(text: str, dot: int) -> bool:
    """The period at ``dot`` closes a known abbreviation or a single-letter initial."""
    if dot >= 9 and text[dot - 1] != "." and text[dot - 7] not in "\"'":
        seg = text[dot - 9 : dot]
        if " " not in seg and "(" not in seg and "\n" not in seg:
            # a word of 9 or more characters that would keep 7 or more after stripping its
            # leading quotes: longer than any abbreviation
            return False
    # the word before the period: after the last space, "(" or newline
    w = text.rfind(" ", 0, dot)
    p = text.rfind("(", w + 1, dot)
    if p != -1:
        w = p
    p = text.rfind("\n", w + 1, dot)
    if p != -1:
        w = p
    word = text[w + 1 : dot]
    # a longer word with nothing to strip cannot be an abbreviation or an initial
    if len(word) > 8 and word[0] not in "\"'" and word[-1] != ".":
        return False
    word = word.lower().lstrip("\"'").rstrip(".")
    return word in _ABBREV or (len(word) == 1 and word.isalpha())


def _push_span(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        start += len(piece) - len(piece.lstrip())
        out.append((start, start + len(stripped)))


def _lower(text: str) -> str:
    """Lowercase with the same length as ``text`` (characters whose lowercase is longer stay)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


# --------------------------------------------------------------------------------------------
# Cue detection
# --------------------------------------------------------------------------------------------


class _Cue(NamedTuple):  # a tuple: created often, and cheaper to build than a dataclass
    kind: str  # "marginal" | "strong"
    start: int  # start of the cue phrase
    end: int  # end of the cue phrase (cue word + what it modifies)
    word_start: int  # start of the intensity word itself
    paper: bool  # counts at paper level (a minimising "only" does not)
    own_only: bool = False  # counts only for the authors' own results ("strong performance")


def _kind(word: str) -> str:
    return "marginal" if word in L.MARG_WORDS else "strong"


def _opens_clause(low: str, p: int) -> bool:
    """Nothing but an opening bracket or sentence/clause punctuation before position ``p``."""
    k = p - 1
    while k >= 0 and low[k] == " ":
        k -= 1
    return k < 0 or low[k] in ".;:!?(["


def _add(
    cues: list[_Cue],
    low: str,
    kind: str,
    start: int,
    end: int,
    word_start: int,
    paper: bool = True,
    own_only: bool = False,
) -> None:
    """Add a cue; a negated strong cue ("no significant gain", "without substantial overhead")
    is marginal."""
    if kind == "strong" and L.RX_NEGATED_LEFT.search(low[max(0, start - 20) : start]):
        kind = "marginal"
    cues.append(_Cue(kind, start, end, word_start, paper, own_only))


def _with_only(low: str, start: int) -> int:
    """Extend a cue start over a preceding minimising "only"."""
    if (
        start >= 5
        and L.RX_ONLY_LEFT.search(low, max(0, start - 6), start)
        and not low.endswith(("not only ", "but only "), 0, start)
    ):
        return start - 5
    return start


def _descriptor(low: str, head: str, head_end: int) -> bool:
    """'substantially weaker models', 'much larger models': a comparative describing an entity."""
    if L.RX_SIZE_COMP.match(head):
        return bool(L.RX_ENTITY_RIGHT.match(low, head_end))
    return False


def _adverb(low: str, p: int, q: int, word: str, cues: list[_Cue]) -> None:
    if low[q : q + 1] == "," and _opens_clause(low, p):
        return  # sentence adverb: "Notably, ..."
    kind = _kind(word)
    f = L.RX_ADV_FWD.match(low, q)
    if f:
        head = f.group("head")
        he = f.end("head")
        if _descriptor(low, head, he):
            return
        if L.RX_COMP_ONLY.match(head) and L.RX_CONDITION_RIGHT.match(low, he):
            return  # "a slightly lower likelihood tends to ...": a condition, not an effect
        _add(cues, low, kind, _with_only(low, p), he, p)
        return
    if kind == "strong" and L.RX_WELL_RIGHT.match(low, q):
        w = L.RX_WELL_LEFT.search(low, max(0, p - 30), p)
        if w:  # "performs remarkably well"
            _add(cues, low, kind, w.start("verb"), q + 5, p)
            return
    if word == "strongly":
        d = L.RX_DEPEND_FWD.match(low, q)
        if d:
            _add(cues, low, "strong", p, d.end("head"), p)
        return
    # postposed: "improves similarity scores significantly", "improved, sometimes dramatically"
    if not L.RX_POST_RIGHT.match(low, q):
        return
    lo = max(0, p - 70)
    m = L.RX_POST_LEFT.search(low[lo:p])
    if m:
        _add(cues, low, kind, _with_only(low, lo + m.start("verb")), q, p)


def _adjective(low: str, p: int, q: int, word: str, cues: list[_Cue]) -> None:
    if low[q : q + 1] == "," and _opens_clause(low, p):
        return
    if word == "minimal" and L.RX_THE_LEFT.search(low, max(0, p - 5), p):
        return  # "the minimal sub-optimality gap": a definition
    kind = _kind(word)
    if L.RX_EXTENT_RIGHT.match(low, q) and word not in ("strong", "little"):
        e = L.RX_EXTENT_LEFT.search(low, max(0, p - 12), p)
        if e:  # "to a large extent"
            _add(cues, low, kind, e.start(), L.RX_EXTENT_RIGHT.match(low, q).end(), p)
            return
    if word == "strong":
        h = L.RX_STRONG_FWD.match(low, q)
    elif word == "little":
        h = L.RX_LITTLE_NO.match(low, q) or L.RX_ADJ_FWD.match(low, q)
    else:
        h = L.RX_ADJ_FWD.match(low, q)
    if h:
        head = h.group("head")
        he = h.end("head")
        if word in L.CHANGE_ONLY_ADJ and not L.RX_CHANGE_NOUN.match(head):
            return
        if head.startswith("loss") and L.RX_LOSS_TECH.match(low, he):
            return
        if head.startswith("change") and L.RX_CHANGE_TO.match(low, he):
            return
        if head.startswith("effect") and low[he : he + 1] == "-":
            return
        if L.RX_CAUSE_RIGHT.match(low, he):
            return  # "small changes in the seed lead to ...": a cause, not an effect
        start = p
        a = L.RX_ARTICLE_LEFT.search(low, max(0, p - 6), p)
        if a and low[a.start() : p].strip() in ("a", "an"):
            start = a.start()
        _add(cues, low, kind, _with_only(low, start), he, p, own_only=word == "strong")
        return
    if word in L.PRED_RESULT_ADJ:
        r = L.RX_PRED_RESULT_LEFT.search(low, max(0, p - 80), p)
        if r:  # "the results are rather impressive": the span starts at the copula
            cop = low.rfind(" is ", r.start(), p)
            cop = max(cop, low.rfind(" are ", r.start(), p), low.rfind(" was ", r.start(), p))
            _add(cues, low, kind, cop + 1 if cop != -1 else r.start(), q, p)
            return
    if word not in L.PRED_ADJ:
        return
    # predicative: "the improvement is marginal", "the performance improvement is significant"
    lo = max(0, p - 80)
    left = low[lo:p]
    # RX_PRED_LEFT ends in a copula or one of its modifiers and whitespace: test that first
    if not left[-1:].isspace() or left.rsplit(None, 1)[-1] not in L.PRED_LEFT_LAST:
        return
    m = L.RX_PRED_LEFT.search(left)
    if not m:
        return
    start = lo + m.start()
    a = L.RX_ARTICLE_LEFT.search(low, max(0, start - 8), start)
    if a:
        start = a.start()
    if "not" in m.group("mods").split() and kind == "strong":
        kind = "marginal"
    cues.append(_Cue(kind, start, q, p, True))


def _other(low: str, p: int, q: int, word: str, cues: list[_Cue]) -> None:
    if word in ("much", "far"):
        if L.RX_MUCH_LEFT_EXCLUDED.search(low, max(0, p - 6), p):
            return
        m = L.RX_MUCH_FWD.match(low, q)
        if m:
            head = m.group("head")
            if _descriptor(low, head, m.end("head")) or (
                head.startswith(("more ", "less ")) and L.RX_ENTITY_NEXT.match(low, m.end("head"))
            ):
                return
            _add(cues, low, "strong", p, m.end("head"), p)
        elif word == "far":
            m = L.RX_FAR_FROM_FWD.match(low, q)
            if m:
                _add(cues, low, "strong", p, m.end("head"), p)
    elif word in ("highly", "heavily", "critically"):
        m = L.RX_DEPEND_FWD.match(low, q)
        if m:
            _add(cues, low, "strong", p, m.end("head"), p)
    elif word in ("margin", "margins"):
        lo = max(0, p - 30)
        m = L.RX_MARGIN_LEFT.search(low[lo:p])
        if m:
            cues.append(_Cue(_kind(m.group("adj")), lo + m.start(), q, lo + m.start("adj"), True))
    elif word == "most":
        m = L.RX_BEST_FWD.match(low, q)
        if m and p >= 4 and low[p - 4 : p] == "the ":
            if L.RX_BEST_TARGET.search(low[max(0, p - 30) : p]):
                return  # "narrow the gap with the most effective versions of X": a baseline
            cues.append(_Cue("strong", p - 4, m.end("head"), p - 4, True, True))
    elif word == "only":
        _only(low, p, cues)
    elif word == "superior":
        m = L.RX_SUPERIOR_SOTA.match(low, p)
        if m:  # "superior performance over state-of-the-art methods"
            a = L.RX_ARTICLE_LEFT.search(low, max(0, p - 6), p)
            _add(cues, low, "strong", a.start() if a else p, m.end(), p, own_only=True)


def _negation(low: str, p: int, q: int, word: str, cues: list[_Cue]) -> None:
    if word == "not":
        lo = max(0, p - 6)
        d = L.RX_NEG_DO_LEFT.search(low[lo:p])
        if d:
            m = L.RX_NEG_DO.match(low, lo + d.start())
            if m:
                cues.append(_Cue("marginal", lo + d.start(), m.end(), lo + d.start(), True))
                return
        if L.RX_BE_LEFT.search(low[max(0, p - 6) : p]):
            m = L.RX_NEG_NOT_BETTER.match(low, p)
            if m:
                s = max(0, p - 6) + L.RX_BE_LEFT.search(low[max(0, p - 6) : p]).start()
                cues.append(_Cue("marginal", s, m.end(), s, True))
    elif word in ("doesn", "don", "didn"):
        m = L.RX_NEG_DO.match(low, p)
        if m:
            cues.append(_Cue("marginal", p, m.end(), p, True))
    elif word in ("fail", "fails", "failed"):
        m = L.RX_NEG_FAIL.match(low, p)
        if m:
            cues.append(_Cue("marginal", p, m.end(), p, True))
    elif word == "no":
        m = L.RX_NEG_NO.match(low, p)
        if m:
            cues.append(_Cue("marginal", p, m.end(), p, True))
    elif word == "evidence":
        lo = max(0, p - 16)
        left = L.RX_NEG_EVIDENCE_LEFT.search(low[lo:p])
        if left:
            m = L.RX_NEG_EVIDENCE.match(low, p)
            if m:
                s = lo + left.start()
                cues.append(_Cue("marginal", s, m.end(), s, True))


def _sota(low: str, p: int, cues: list[_Cue]) -> None:
    m = L.RX_SOTA_FWD.match(low, p)
    if not m:
        return
    lo = max(0, p - 40)
    left = low[lo:p]
    own = L.RX_SOTA_LEFT.search(left)
    if own and not L.RX_SOTA_BASELINE.search(left):
        cues.append(_Cue("strong", lo + own.start(), m.end(), p, True))


def _only(low: str, p: int, cues: list[_Cue]) -> None:
    """Minimising 'only' bound to a number: 'only a 0.05 decline', 'by only 0.3%'."""
    m = L.RX_ONLY_NUM.match(low, p)
    if not m:
        return
    num = L.RX_NUMBER.match(low, m.end())
    if not num or num.group("word"):
        return
    ne = num.end()
    if L.RX_ONLY_OF_RIGHT.match(low, ne):
        return  # "only 10% of the parameters": a resource level, not a minimised effect
    e = L.RX_ONLY_EFFECT_RIGHT.match(low, ne)
    if e:
        cues.append(_Cue("marginal", p, e.end(), p, False))
    elif L.RX_ONLY_VERB_LEFT.search(low[max(0, p - 40) : p]):
        cues.append(_Cue("marginal", p, ne, p, False))


def _dedupe(cues: list[_Cue]) -> list[_Cue]:
    """Sort by position; drop a cue whose intensity word lies inside an earlier, longer cue."""
    cues.sort(key=lambda c: (c.start, -(c.end - c.start), c.word_start, c.kind, c.paper))
    out: list[_Cue] = []
    for c in cues:
        if any(
            o.start <= c.word_start < o.end or c.start <= o.word_start < c.end for o in out[-3:]
        ):
            continue
        out.append(c)
    return out


class _Doc:
    """An abstract with its size cues; sentences and per-sentence facts are computed on first
    use and kept (the paper level and every local_hedge call on the abstract share them)."""

    __slots__ = ("text", "low", "clean", "cues", "_sentences", "_ends", "_tokens", "_own", "memo")

    def __init__(self, text: str, low: str, clean: str, cues: tuple[_Cue, ...]) -> None:
        self.text = text
        self.low = low
        self.clean = clean  # lowercase, punctuation as spaces: the token view
        self.cues = cues
        self._sentences: tuple[tuple[int, int], ...] | None = None
        self._ends: list[int] = []
        self._tokens: dict[int, frozenset[str]] = {}
        self._own: dict[int, bool] = {}
        self.memo: dict[tuple[str, int, int], Any] = {}  # local_hedge's per-sentence work

    @property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        if self._sentences is None:
            self._sentences = tuple(split_sentences(self.text))
            self._ends = [e for _, e in self._sentences]
        return self._sentences

    def sentence_index(self, pos: int) -> int:
        """Index of the first sentence that ends after ``pos`` (the last one if none does)."""
        n = len(self.sentences)
        i = bisect.bisect_right(self._ends, pos)
        return i if i < n else n - 1

    def tokens(self, i: int) -> frozenset[str]:
        """The words of sentence ``i`` (token view)."""
        toks = self._tokens.get(i)
        if toks is None:
            s, e = self.sentences[i]
            toks = self._tokens[i] = frozenset(self.clean[s:e].split())
        return toks


@lru_cache(maxsize=256)
def _analyse(text: str) -> _Doc:
    """Sentences and size cues of ``text`` (cached: local_hedge is called per comparison)."""
    low = _lower(text)
    if low.isascii():  # the same mapping, done on bytes (faster than str.translate)
        clean = low.encode("ascii").translate(L.TOKEN_BYTES).decode("ascii")
    else:
        clean = low.translate(L.TOKEN_TABLE)
    # every trigger word standing between two spaces of the token view, found in one scan;
    # handled word by word in alphabetical order, each word's places in text order
    hits = [(m.group(1), m.start()) for m in L.RX_TRIGGER.finditer(" " + clean + " ")]
    hits.sort()
    cues: list[_Cue] = []
    for word, i in hits:
        p, q = i, i + len(word)  # i: the space before the word in the padded view = text offset
        if word in L.ADV_STRONG or word in L.ADV_MARG:
            _adverb(low, p, q, word, cues)
        elif word in L.ADJ_STRONG or word in L.ADJ_MARG:
            _adjective(low, p, q, word, cues)
        elif word in L.NEG_TRIGGERS:
            _negation(low, p, q, word, cues)
        elif word in L.SOTA_TRIGGERS:
            _sota(low, p, cues)
        else:
            _other(low, p, q, word, cues)
    return _Doc(text, low, clean, tuple(_dedupe(cues)))


# --------------------------------------------------------------------------------------------
# Paper level
# --------------------------------------------------------------------------------------------


class _SentenceContext(NamedTuple):
    tokens: frozenset[str]
    finding: bool  # reports the authors' findings ("we find", "our analysis reveals")
    prior: bool  # mentions prior work
    question: bool


def _prior_in(low: str, toks: frozenset[str] | set[str]) -> bool:
    if not toks.isdisjoint(L.PRIOR_TRIGGERS) or ("(" in low and ("19" in low or "20" in low)):
        return bool(L.RX_PRIOR.search(low))
    return False


def _is_own(doc: _Doc, i: int) -> bool:
    """The sentence speaks of the authors' own work ("we", "our", "this paper", "results show")."""
    own = doc._own.get(i)
    if own is None:
        own = doc._own[i] = _read_own(doc, i)
    return own


def _read_own(doc: _Doc, i: int) -> bool:
    s, e = doc.sentences[i]
    low = doc.low[s:e]
    toks = doc.tokens(i)
    if not toks.isdisjoint(L.OWN_WORDS):
        return True
    if "this" in toks and not toks.isdisjoint(L.THIS_NOUNS) and L.RX_THIS_OWN.search(low):
        return True
    if (
        not toks.isdisjoint(L.RESULT_SUBJ)
        and not toks.isdisjoint(L.SHOW_VERBS)
        and L.RX_RESULTS_SHOW.search(low)
    ):
        return True
    if "the proposed" in low or "results:" in low or "conclusion:" in low:
        return True
    return bool(
        not toks.isdisjoint(L.INTRO_VERBS)
        and not _prior_in(low, toks)
        and L.RX_OWN_INTRO_VERB.search(low)
    )


def _context(doc: _Doc, i: int) -> _SentenceContext:
    s, e = doc.sentences[i]
    low = doc.low[s:e]
    toks = doc.tokens(i)
    finding = (
        not toks.isdisjoint(L.FINDING_WORDS)
        and ("we" in toks or "our" in toks)
        and _own_finding(low)
    )
    return _SentenceContext(toks, finding, _prior_in(low, toks), doc.text[s:e].endswith("?"))


def _own_finding(low: str) -> bool:
    """``bool(L.RX_OWN_FINDING.search(low))``: its matches start at "we" or "our", so it is
    tried only there."""
    for word in ("we", "our"):
        k = low.find(word)
        while k != -1:
            if L.RX_OWN_FINDING.match(low, k):
                return True
            k = low.find(word, k + 1)
    return False


def _is_contrib(doc: _Doc, i: int) -> bool:
    """The contribution statement: "In this paper, we ...", "We propose ...", "Here we ...".

    The rule for one sentence; paper_hedge uses :func:`_first_contrib`, which applies it to all
    sentences at once."""
    s, e = doc.sentences[i]
    low = doc.low
    for needle, rx in L.CONTRIB_ANCHORS:
        k = low.find(needle, s, e)
        while k != -1:
            if (k == 0 or not low[k - 1].isalnum()) and rx.match(low, k):
                return True
            k = low.find(needle, k + 1, e)
    return False


def _first_contrib(doc: _Doc) -> int:
    """``next((i for i in range(n) if _is_contrib(doc, i)), 0)``, from one pass per anchor.

    The anchors are found in the whole text; an occurrence counts for the sentence that holds
    all of it (as ``low.find(needle, s, e)`` in :func:`_is_contrib`).
    """
    low = doc.low
    sentences = doc.sentences
    best = len(sentences)
    for needle, rx in L.CONTRIB_ANCHORS:
        k = low.find(needle)
        while k != -1:
            if k == 0 or not low[k - 1].isalnum():
                i = doc.sentence_index(k)
                if i >= best:
                    break
                s, e = sentences[i]
                if s <= k and k + len(needle) <= e and rx.match(low, k):
                    best = i
                    break
            k = low.find(needle, k + 1)
    return best if best < len(sentences) else 0


def _background(doc: _Doc, cue: _Cue, i: int, ctx: _SentenceContext) -> bool:
    """True when the cue sits in a prior-work, problem, hypothetical or question context."""
    if ctx.question:
        return True
    s = doc.sentences[i][0]
    if ctx.prior:
        before = doc.low[s : cue.word_start]
        btoks = set(doc.clean[s : cue.word_start].split())
        if (
            L.RX_PRIOR.search(before)
            and not btoks & L.OWN_WORDS
            and not btoks & L.COMPARE_WORDS
            and not L.RX_THIS_OWN.search(before)
        ):
            return True
    if ctx.prior:
        sent_before = doc.low[s : cue.word_start]
        cs = 0
        for o in L.CLAUSE_OPENERS:
            k = sent_before.rfind(o)
            if k != -1 and k + len(o) > cs:
                cs = k + len(o)
        clause = sent_before[cs:]
        ctoks = set(clause.translate(L.TOKEN_TABLE).split())
        if L.RX_PRIOR.search(clause) and not ctoks & L.OWN_WORDS and not ctoks & L.COMPARE_WORDS:
            return True
    if not ctx.tokens.isdisjoint(L.CONJ_WORDS) and L.RX_CONJECTURE.search(
        doc.low[s : doc.sentences[i][1]]
    ):
        return True
    if not ctx.tokens.isdisjoint(L.PROBLEM_WORDS) and not _is_own(doc, i):
        return True  # a problem or cost that motivates the work
    near = doc.low[max(s, cue.start - 40) : cue.start]
    # each pattern needs one of its words in the window: test those first
    for w in L.HYPOTHETICAL_PARTS:
        if w in near:
            if L.RX_HYPOTHETICAL_LEFT.search(near):
                return True
            break
    return "to" in near and bool(L.RX_ASPIRATION_LEFT.search(near))


def _names_own(doc: _Doc, i: int, cache: list[frozenset[str]]) -> bool:
    """The sentence mentions a name the authors give their method in an own-work sentence."""
    if not cache:
        found = set()
        for k in range(len(doc.sentences)):
            if _is_own(doc, k):
                s, e = doc.sentences[k]
                for m in L.RX_OWN_NAME.finditer(doc.text, s, e):
                    found.add(m.group("a") or m.group("b") or m.group("c"))
        cache.append(frozenset(found))
    s, e = doc.sentences[i]
    sentence = doc.text[s:e]
    return any(name in sentence for name in cache[0])


def _in_title(doc: _Doc, cue: _Cue, title_low: str) -> bool:
    """The cue phrase (intensity word and its head) also occurs in the title."""
    phrase = " ".join(doc.low[cue.word_start : cue.end].split())
    return len(phrase) > 8 and phrase in title_low


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
    doc = _analyse(abstract)
    title_lower = _lower(title)
    sense = _sense_in([title_lower, doc.low])
    cues = [c for c in doc.cues if c.paper]
    if not cues:
        return "none", [], sense
    first_own = 0  # the first own-work sentence (0 if none)
    for i in range(len(doc.sentences)):
        if _is_own(doc, i):
            first_own = i
            break
    contrib = -1  # the contribution statement's sentence, found on first use
    contexts: dict[int, _SentenceContext] = {}
    names: list[frozenset[str]] = []  # filled on first use
    title_low = None  # the title's words, on first use
    kinds: set[str] = set()
    spans: list[str] = []
    for cue in cues:
        i = doc.sentence_index(cue.word_start)
        ctx = None  # the sentence's context, when needed
        intro = i < first_own
        if not intro:
            ctx = contexts.get(i) or contexts.setdefault(i, _context(doc, i))
            if not ctx.finding:
                if contrib < 0:
                    contrib = _first_contrib(doc)
                intro = i < contrib
        if intro:
            if title_low is None:
                title_low = " ".join(title_lower.split())
            if not _in_title(doc, cue, title_low):
                continue
            # the title states this claim: it is the paper's own
        if ctx is None:
            ctx = contexts.get(i) or contexts.setdefault(i, _context(doc, i))
        if _background(doc, cue, i, ctx):
            continue
        if cue.own_only and not (
            ctx.finding
            or _is_own(doc, i)
            or doc.low.startswith(L.ANAPHORIC_OPENERS, doc.sentences[i][0])
            or _names_own(doc, i, names)
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
    if L.RX_OTHER_NEXT_MARGINAL.match(low, end):
        return "other"
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
    return _sense_in([_lower(part) for part in (title, abstract) if isinstance(part, str)])


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


def _scope_end(low: str, cue: _Cue, s_start: int, s_end: int) -> int:
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


def _tight_chain(low: str, cue: _Cue, scope_end: int) -> list[tuple[int, int]] | None:
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


def _local_span(doc: _Doc, cue: _Cue, s_start: int, s_end: int) -> str:
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
    doc = _analyse(text)
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
    best: _Cue | None = None
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


def _verdict_after(doc: _Doc, cues: list[_Cue], end: int) -> _Cue | None:
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


def _appositive(doc: _Doc, cues: list[_Cue], end: int) -> _Cue | None:
    """A cue noun phrase right after the number: '2.1 points, a significant improvement'."""
    for cue in cues:
        if cue.start >= end:
            if doc.low.startswith(("a ", "an "), cue.start) and L.RX_APPOSITIVE_GAP.fullmatch(
                doc.low, end, cue.start
            ):
                return cue
            return None
    return None
