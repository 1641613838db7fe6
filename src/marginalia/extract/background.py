"""Own work or background: the sentence context that decides whether a size cue counts.

At paper level, cues in background context are dropped: sentences before the abstract's first
own-work sentence ("we", "our", "this paper", ...) or before its contribution statement ("In
this paper, we propose"), unless they report the authors' findings; clauses led by prior-work
markers ("previous work", "existing methods", "have shown", citations); problem descriptions;
questions and hypotheticals ("may significantly ...", "we conjecture"). An opening claim that
the title repeats is the paper's own; "strong performance" and "the most accurate" count only
for the authors' own method (own-work sentence, an anaphoric "It ...", or a name they gave it).
"""

from __future__ import annotations

from typing import NamedTuple

from marginalia.extract import hedge_lexicon as L
from marginalia.extract.hedge_cues import Cue, HedgeDoc


class SentenceContext(NamedTuple):
    """What paper_hedge needs to know of a sentence (see :func:`sentence_context`)."""

    tokens: frozenset[str]
    finding: bool  # reports the authors' findings ("we find", "our analysis reveals")
    prior: bool  # mentions prior work
    question: bool


def _prior_in(low: str, toks: frozenset[str] | set[str]) -> bool:
    if not toks.isdisjoint(L.PRIOR_TRIGGERS) or ("(" in low and ("19" in low or "20" in low)):
        return bool(L.RX_PRIOR.search(low))
    return False


def is_own(doc: HedgeDoc, i: int) -> bool:
    """The sentence speaks of the authors' own work ("we", "our", "this paper", "results show")."""
    own = doc.own.get(i)
    if own is None:
        own = doc.own[i] = _read_own(doc, i)
    return own


def _read_own(doc: HedgeDoc, i: int) -> bool:
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


def sentence_context(doc: HedgeDoc, i: int) -> SentenceContext:
    """Words, own finding, prior work and question of sentence ``i`` (kept with the doc:
    paper_hedge and attribution ask for the same sentences)."""
    key = ("context", i, 0)
    ctx = doc.memo.get(key)
    if ctx is None:
        ctx = doc.memo[key] = _read_context(doc, i)
    return ctx


def _read_context(doc: HedgeDoc, i: int) -> SentenceContext:
    s, e = doc.sentences[i]
    low = doc.low[s:e]
    toks = doc.tokens(i)
    finding = (
        not toks.isdisjoint(L.FINDING_WORDS)
        and ("we" in toks or "our" in toks)
        and _own_finding(low)
    )
    return SentenceContext(toks, finding, _prior_in(low, toks), doc.text[s:e].endswith("?"))


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


def _is_contrib(doc: HedgeDoc, i: int) -> bool:
    """The contribution statement: "In this paper, we ...", "We propose ...", "Here we ...".

    The rule for one sentence; paper_hedge uses :func:`first_contrib`, which applies it to all
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


def contrib_sentence(doc: HedgeDoc) -> int:
    """:func:`first_contrib`, computed once per abstract (kept with the doc: paper_hedge and
    every comparison's attribution ask)."""
    key = ("first_contrib", 0, 0)
    found = doc.memo.get(key)
    if found is None:
        found = doc.memo[key] = first_contrib(doc)
    return found


def first_contrib(doc: HedgeDoc) -> int:
    """``next((i for i in range(n) if _is_contrib(doc, i)), 0)``, from one pass per anchor.

    The anchors are found in the whole text; an occurrence counts for the sentence that holds
    all of it (as ``low.find(needle, s, e)`` in :func:`_is_contrib`).
    """
    low = doc.low
    sentences = doc.sentences
    best = len(sentences)
    end = len(low)  # an occurrence that starts here or later is in sentence best or later
    for needle, rx in L.CONTRIB_ANCHORS:
        # occurrences in sentence best or later cannot lower it: the finds stop before them
        stop = end + len(needle) - 1
        k = low.find(needle, 0, stop)
        while k != -1:
            if k == 0 or not low[k - 1].isalnum():
                i = doc.sentence_index(k)
                if i >= best:
                    break
                s, e = sentences[i]
                if s <= k and k + len(needle) <= e and rx.match(low, k):
                    best = i
                    end = sentences[i - 1][1] if i else 0
                    break
            k = low.find(needle, k + 1, stop)
    return best if best < len(sentences) else 0


def is_background(doc: HedgeDoc, cue: Cue, i: int, ctx: SentenceContext) -> bool:
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
    if not ctx.tokens.isdisjoint(L.PROBLEM_WORDS) and not is_own(doc, i):
        return True  # a problem or cost that motivates the work
    near = doc.low[max(s, cue.start - 40) : cue.start]
    # each pattern needs one of its words in the window: test those first
    for w in L.HYPOTHETICAL_PARTS:
        if w in near:
            if L.RX_HYPOTHETICAL_LEFT.search(near):
                return True
            break
    return "to" in near and bool(L.RX_ASPIRATION_LEFT.search(near))


def names_own(doc: HedgeDoc, i: int, cache: list[frozenset[str]]) -> bool:
    """The sentence mentions a name the authors give their method in an own-work sentence."""
    if not cache:
        found = set()
        for k in range(len(doc.sentences)):
            if is_own(doc, k):
                s, e = doc.sentences[k]
                for m in L.RX_OWN_NAME.finditer(doc.text, s, e):
                    found.add(m.group("a") or m.group("b") or m.group("c"))
        cache.append(frozenset(found))
    s, e = doc.sentences[i]
    sentence = doc.text[s:e]
    return any(name in sentence for name in cache[0])


def in_title(doc: HedgeDoc, cue: Cue, title_low: str) -> bool:
    """The cue phrase (intensity word and its head) also occurs in the title."""
    phrase = " ".join(doc.low[cue.word_start : cue.end].split())
    return len(phrase) > 8 and phrase in title_low
