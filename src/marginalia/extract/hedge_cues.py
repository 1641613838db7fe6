"""Size cues of an abstract: intensity words bound to the effect they modify.

A size cue is an intensity word plus the effect it modifies: "significant gains", "marginally
improves", "the improvement is marginal", "improves ... significantly", "do not meaningfully
improve", "by a large margin", an own "state-of-the-art" claim, "strong performance"; a negated
strong cue ("no significant gain", "without substantial overhead") is marginal. A size word on
something that is not an effect ("large language models", "significant limitations", "strong
correlation", "modest interventions", "substantially weaker models") never becomes a cue,
because every cue needs an effect head.

Speed: trigger words are found with one scan (a prefix-tree pattern of all of them) of a
punctuation-normalised lowercase copy; regexes run only anchored at those positions or on short
slices, and the longer ones only after a cheap test for the words they need. :func:`analyse`
is cached, so ``local_hedge`` calls on one abstract and ``paper_hedge`` share it; its sentences
and per-sentence word sets are computed on first use (:class:`HedgeDoc`).
"""

from __future__ import annotations

import bisect
from functools import lru_cache
from typing import Any, NamedTuple

from marginalia.extract import hedge_lexicon as L
from marginalia.text.sentences import split_sentences


def lowercase(text: str) -> str:
    """Lowercase with the same length as ``text`` (characters whose lowercase is longer stay)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


class Cue(NamedTuple):  # a tuple: created often, and cheaper to build than a dataclass
    kind: str  # "marginal" | "strong"
    start: int  # start of the cue phrase
    end: int  # end of the cue phrase (cue word + what it modifies)
    word_start: int  # start of the intensity word itself
    paper: bool  # counts at paper level
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
    cues: list[Cue],
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
    cues.append(Cue(kind, start, end, word_start, paper, own_only))


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


def _adverb(low: str, p: int, q: int, word: str, cues: list[Cue]) -> None:
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


def _adjective(low: str, p: int, q: int, word: str, cues: list[Cue]) -> None:
    if low[q : q + 1] == "," and _opens_clause(low, p):
        return
    if word == "minimal" and L.RX_THE_LEFT.search(low, max(0, p - 5), p):
        return  # "the minimal sub-optimality gap": a definition
    if word == "marginal" and L.RX_MARGINAL_TERM.match(low, q):
        return  # "maximal marginal relevance", "marginal likelihood": a technical term
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
        if h is None and word in L.COST_ADJ:
            h = L.RX_COST_FWD.match(low, q)
    if h:
        head = h.group("head")
        he = h.end("head")
        if word in L.CHANGE_ONLY_ADJ and not L.RX_CHANGE_NOUN.match(head):
            return
        if word == "sharp" and L.RX_SHARP_OTHERS_LEFT.search(low, max(0, p - 60), p):
            return  # "avoids the sharp drop observed for ...": someone else's change
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
    cues.append(Cue(kind, start, q, p, True))


def _other(low: str, p: int, q: int, word: str, cues: list[Cue]) -> None:
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
        if m and m.group("head"):  # "highly dependent on"
            _add(cues, low, "strong", p, m.end("head"), p)
        elif m:  # "highly sensitive to": only about what the paper studies or shows
            _add(cues, low, "strong", p, m.end("sens"), p, own_only=True)
    elif word in ("margin", "margins"):
        lo = max(0, p - 30)
        m = L.RX_MARGIN_LEFT.search(low[lo:p])
        if m:
            cues.append(Cue(_kind(m.group("adj")), lo + m.start(), q, lo + m.start("adj"), True))
    elif word == "most":
        m = L.RX_BEST_FWD.match(low, q)
        if m and p >= 4 and low[p - 4 : p] == "the ":
            if L.RX_BEST_TARGET.search(low[max(0, p - 30) : p]):
                return  # "narrow the gap with the most effective versions of X": a baseline
            cues.append(Cue("strong", p - 4, m.end("head"), p - 4, True, True))
    elif word in ("only", "just", "merely"):
        _only(low, p, cues)
    elif word in ("best", "highest"):
        m = L.RX_TOP_FWD.match(low, q)
        left = L.RX_TOP_LEFT.search(low, max(0, p - 30), p)
        if m and left and L.RX_TOP_OTHERS.search(low, max(0, p - 80), min(len(low), q + 80)):
            return  # "among the baselines, X achieves the best ..., while our ..."
        if m and left:  # "achieves the best performance": a best-in-class claim
            _add(cues, low, "strong", left.start(), m.end("head"), p, own_only=True)
    elif word in ("benchmark", "benchmarks"):
        left = L.RX_NEW_BENCHMARK_LEFT.search(low, max(0, p - 30), p)
        if left and not L.RX_NEW_BENCHMARK_BUILT.match(low, q):  # "sets new benchmarks"
            _add(cues, low, "strong", left.start(), q, p, own_only=True)
    elif word in ("lowest", "fastest"):
        m = L.RX_TOP_COST_FWD.match(low, q)
        left = L.RX_TOP_COST_LEFT.search(low, max(0, p - 90), p) if m else None
        if (
            m
            and left
            and not L.RX_TOP_COST_OTHERS_LEFT.search(low, max(0, p - 80), p)
            and not L.RX_TOP_COST_OTHERS_RIGHT.search(low, q, min(len(low), q + 80))
        ):
            _add(cues, low, "strong", p - 4, m.end("head"), p, own_only=True)
    elif word in ("first", "1st"):
        m = L.RX_PLACE_FWD.match(low, q)
        left = L.RX_PLACE_LEFT.search(low, max(0, p - 30), p) if m else None
        if m and left:  # "ranks the 1st place"
            _add(cues, low, "strong", left.start(), m.end(), p, own_only=True)
        elif m is None:
            left = L.RX_RANK_FIRST_LEFT.search(low, max(0, p - 10), p)
            if left and not L.RX_RANK_FIRST_NOT.match(low, q):  # "rank first among the baselines"
                _add(cues, low, "strong", left.start(), q, p, own_only=True)
    elif word in ("lossless", "near-lossless"):
        # "near-lossless acceleration", "nearly lossless accuracy": a negligible loss
        near = word == "near-lossless"
        left = None if near else L.RX_NEAR_LOSSLESS_LEFT.search(low, max(0, p - 10), p)
        if (near or left) and not L.RX_LOSSLESS_TERM.match(low, q):
            h = L.RX_WORD_AFTER.match(low, q)
            start = left.start() if left else p
            _add(cues, low, "marginal", start, h.end() if h else q, p, own_only=True)
    elif word == "superior":
        m = L.RX_SUPERIOR_SOTA.match(low, p)
        if m:  # "superior performance over state-of-the-art methods"
            a = L.RX_ARTICLE_LEFT.search(low, max(0, p - 6), p)
            _add(cues, low, "strong", a.start() if a else p, m.end(), p, own_only=True)


def _negation(low: str, p: int, q: int, word: str, cues: list[Cue]) -> None:
    if word == "not":
        lo = max(0, p - 6)
        d = L.RX_NEG_DO_LEFT.search(low[lo:p])
        if d:
            m = L.RX_NEG_DO.match(low, lo + d.start())
            if m:
                cues.append(Cue("marginal", lo + d.start(), m.end(), lo + d.start(), True))
                return
        if L.RX_BE_LEFT.search(low[max(0, p - 6) : p]):
            m = L.RX_NEG_NOT_BETTER.match(low, p)
            if m:
                s = max(0, p - 6) + L.RX_BE_LEFT.search(low[max(0, p - 6) : p]).start()
                cues.append(Cue("marginal", s, m.end(), s, True))
    elif word in ("doesn", "don", "didn"):
        m = L.RX_NEG_DO.match(low, p)
        if m:
            cues.append(Cue("marginal", p, m.end(), p, True))
    elif word in ("fail", "fails", "failed"):
        m = L.RX_NEG_FAIL.match(low, p)
        if m:
            cues.append(Cue("marginal", p, m.end(), p, True))
    elif word == "no":
        m = L.RX_NEG_NO.match(low, p)
        if m:
            cues.append(Cue("marginal", p, m.end(), p, True))
    elif word == "none":
        m = L.RX_NEG_NONE.match(low, p)
        if m:
            cues.append(Cue("marginal", p, m.end(), p, True))
    elif word == "without":
        m = L.RX_NEG_WITHOUT.match(low, p)
        if m:
            cues.append(Cue("marginal", p, m.end(), p, True))
    elif word == "evidence":
        lo = max(0, p - 16)
        left = L.RX_NEG_EVIDENCE_LEFT.search(low[lo:p])
        if left:
            m = L.RX_NEG_EVIDENCE.match(low, p)
            if m:
                s = lo + left.start()
                cues.append(Cue("marginal", s, m.end(), s, True))


def _sota(low: str, p: int, cues: list[Cue]) -> None:
    m = L.RX_SOTA_FWD.match(low, p)
    if not m:
        return
    lo = max(0, p - 40)
    left = low[lo:p]
    own = L.RX_SOTA_LEFT.search(left)
    if own and not L.RX_SOTA_BASELINE.search(left):
        cues.append(Cue("strong", lo + own.start(), m.end(), p, True))


def _only(low: str, p: int, cues: list[Cue]) -> None:
    """Minimising 'only' (or 'just', 'merely') bound to a number: 'only a 0.05 decline', 'by
    only 0.3%', 'a loss of just 0.45%'; it counts at paper level too (annotators of unseen
    abstracts mark 'loses only 0.004 mIoU' as the paper's marginal cue)."""
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
    if e:  # (own results only: "existing adapters gain only 0.5%" is about baselines)
        cues.append(Cue("marginal", p, e.end(), p, True, own_only=True))
    elif L.RX_ONLY_NOUN_LEFT.search(low[max(0, p - 60) : p]):
        # "a gap of only 0.6 points", "the speedup is only 1.1x": the effect itself is small
        cues.append(Cue("marginal", p, ne, p, True))
    elif L.RX_ONLY_VERB_LEFT.search(low[max(0, p - 40) : p]):
        cues.append(Cue("marginal", p, ne, p, True, own_only=True))
    elif (num.group("unit") or "").strip() in ("x", "\u00d7") or L.RX_ONLY_RATIO_RIGHT.match(
        low, ne
    ):
        cues.append(Cue("marginal", p, ne, p, True))  # "only 1.1x", "only 2 to 5 times higher"


def _dedupe(cues: list[Cue]) -> list[Cue]:
    """Sort by position; drop a cue whose intensity word lies inside an earlier, longer cue."""
    cues.sort(key=lambda c: (c.start, -(c.end - c.start), c.word_start, c.kind, c.paper))
    out: list[Cue] = []
    for c in cues:
        if any(
            o.start <= c.word_start < o.end or c.start <= o.word_start < c.end for o in out[-3:]
        ):
            continue
        out.append(c)
    return out


class HedgeDoc:
    """An abstract with its size cues; sentences and per-sentence facts are computed on first
    use and kept (the paper level and every local_hedge call on the abstract share them)."""

    __slots__ = ("text", "low", "clean", "cues", "_sentences", "_ends", "_tokens", "own", "memo")

    def __init__(self, text: str, low: str, clean: str, cues: tuple[Cue, ...]) -> None:
        self.text = text
        self.low = low
        self.clean = clean  # lowercase, punctuation as spaces: the token view
        self.cues = cues
        self._sentences: tuple[tuple[int, int], ...] | None = None
        self._ends: list[int] = []
        self._tokens: dict[int, frozenset[str]] = {}
        self.own: dict[int, bool] = {}  # sentence -> own work? (background.is_own)
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
def analyse(text: str) -> HedgeDoc:
    """Sentences and size cues of ``text`` (cached: local_hedge is called per comparison)."""
    return read_cues(text)


def read_cues(text: str) -> HedgeDoc:
    """:func:`analyse` without the cache, for callers that keep the HedgeDoc of the abstract
    they are reading (extract_corpus: the doc is freed as soon as its abstract is done, while
    it is still in the CPU caches, instead of 256 abstracts later by the LRU cache)."""
    low = lowercase(text)
    if low.isascii():  # the same mapping, done on bytes (faster than str.translate)
        clean = low.encode("ascii").translate(L.TOKEN_BYTES).decode("ascii")
    else:
        clean = low.translate(L.TOKEN_TABLE)
    # every trigger word standing between two spaces of the token view, handled word by word
    # in alphabetical order, each word's places in text order. The words present are found by
    # a set intersection of the view's words (C speed), then each one's places by str.find of
    # " word " in the padded view: the same places as a regex scan for the trigger words
    # between spaces (the offset of the space before a word in the padded view is the word's
    # offset in the text), at about half the cost
    padded = " " + clean + " "
    hits: list[tuple[str, int]] = []
    for word in sorted(L.TRIGGERS.intersection(clean.split())):
        needle = " " + word + " "
        i = padded.find(needle)
        while i != -1:
            hits.append((word, i))
            i = padded.find(needle, i + 1)
    cues: list[Cue] = []
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
    return HedgeDoc(text, low, clean, tuple(_dedupe(cues)))
