"""Whose number is it? ``own``, ``prior_work``, ``problem`` or ``hypothetical`` (guide §1b).

Only the paper's own results (its method, its ablations, the methods it evaluates in its own
experiments) may enter the model. Abstracts also restate numbers of earlier work ("studies
have reported drops of 11% to 14%"), motivate the problem with numbers ("current tokenizers
waste 30% of the context", "beyond 2x acceleration remains out of reach") and imagine numbers
("were latency to grow by 40%"). The rules, in the order applied to the clause and sentence
that hold the number:

1. **hypothetical**: a conditional or imagined frame in the number's clause ("if", an
   inverted "Were X to ...", "suppose", "imagine", "hypothetical", "would" + verb) and no
   first-person result ("we achieve", "our model reaches") in it.
2. **prior_work**: the clause before the number names earlier work ("previous", "prior work",
   "existing methods", "has been reported", "studies have shown", "claims that", a citation
   year) and neither the authors ("we", "our", "this paper"), a comparison word ("than",
   "outperforms", "compared") nor a comma stand between that marker and the number:
   "outperforms the previous best by 3.2 points" and "Unlike existing methods, X achieves a
   2x speedup" stay ``own``.
3. **background by position**: a sentence before the abstract's contribution statement ("In
   this paper, we propose ...", "We introduce ...") that is not about the authors' own work
   and reports none of their findings is background: ``prior_work`` when it names earlier
   work, else ``problem``.
4. **problem**: a sentence that states a limitation or goal ("suffer", "bottleneck",
   "prohibitive", "struggle", "fails to", "beyond ... remains") without the authors in it.
5. Everything else is ``own``.

The sentence facts come from the hedge analysis (:mod:`marginalia.extract.background`), which
already decides which size words are background; both use one sentence split per abstract.
"""

from __future__ import annotations

import re

from marginalia.extract import hedge_lexicon as L
from marginalia.extract.background import contrib_sentence, is_own, sentence_context
from marginalia.extract.hedge_cues import HedgeDoc, analyse
from marginalia.extract.patterns import case_sensitive_twin

ATTRIBUTIONS = ("own", "prior_work", "problem", "hypothetical")

# a clause starts after these (the number's clause is what the rules read)
_CLAUSE_START_RE = re.compile(
    r"(?:[;:]|,\s+(?:while|whereas|but|and|which|although|though|despite|yet)\b|"
    r"\b(?:while|whereas|although|though|despite)\b)",
    re.IGNORECASE,
)
_HYPOTHETICAL_RE = re.compile(
    r"(?<![\w-])(?:if|suppose|supposing|imagine|hypothetical(?:ly)?|"
    r"would\s+(?:need|require|cost|take|grow|increase|decrease|reduce|drop|fall|rise|lead|"
    r"result|yield|be))\b",
    re.IGNORECASE,
)
# an inverted conditional opening the clause: "Were latency to grow by 40%, ..."; not a
# result such as "gains were up to 12%" or "were shown to improve by 5%"
_INVERTED_IF_RE = re.compile(
    r"^\s*were\s+(?!(?:up|close|able|shown|compared|found|likely|due|used|set|made|designed|"
    r"trained|expected|reported|observed)\b)(?:[\w-]+\s+){1,3}to\b",
    re.IGNORECASE,
)
_PRIOR_EXTRA_RE = re.compile(
    r"(?<![\w-])(?:claims?\s+that|(?:studies|works?|papers?|authors|reports?)\s+(?:have\s+|has\s+)?"
    r"(?:shown|reported|found|observed|demonstrated|claimed)|(?:has|have)\s+been\s+reported|"
    r"et\s+al\.?|state[- ]of[- ]the[- ]art\s+(?:methods|models|systems)\s+(?:achieve|reach|report)|"
    r"\(\s*(?:19|20)\d\d\s*\))",
    re.IGNORECASE,
)
_PROBLEM_RE = re.compile(
    r"(?<![\w-])(?:yet\s+to|fails?\s+to|limited\s+to|"
    r"only\s+(?:achiev|reach|attain|utiliz)\w*|waste[sd]?|wasting)\b",
    re.IGNORECASE,
)
# a goal out of reach, read in the whole sentence: "beyond 2x acceleration remains difficult"
_BEYOND_RE = re.compile(
    r"(?<![\w-])beyond\b[^.;]{0,60}?\b(?:remains?|remained|is\s+still|are\s+still)\b",
    re.IGNORECASE,
)
_FIRST_PERSON_RE = re.compile(
    r"(?<![\w-])(?:we|our|ours|us|this\s+(?:paper|work|study|method|approach|model|framework)|"
    r"the\s+proposed)\b",
    re.IGNORECASE,
)


# The patterns above for the lower-case copy of an ASCII text (the hedge analysis' ``low``),
# where IGNORECASE changes nothing, written so that each alternative starts with a literal
# character: the regex engine then jumps to those characters instead of trying the leading
# lookbehind at every position. "w(?<![\w-]w)" is "(?<![\w-])w" and "w(?<!\w.)" is "\bw";
# the alternatives keep their order within each first character.
_CLAUSE_START_ASCII_RE = re.compile(
    r";|:|,\s+(?:while|whereas|but|and|which|although|though|despite|yet)\b"
    r"|w(?<!\w.)h(?:ile|ereas)\b|a(?<!\w.)lthough\b|t(?<!\w.)hough\b|d(?<!\w.)espite\b"
)
_HYPOTHETICAL_ASCII_RE = re.compile(
    r"i(?<![\w-]i)(?:f|magine)\b|s(?<![\w-]s)uppos(?:e|ing)\b|h(?<![\w-]h)ypothetical(?:ly)?\b"
    r"|w(?<![\w-]w)ould\s+(?:need|require|cost|take|grow|increase|decrease|reduce|drop|fall|"
    r"rise|lead|result|yield|be)\b"
)
_PRIOR_EXTRA_ASCII_RE = re.compile(
    r"c(?<![\w-]c)laims?\s+that"
    r"|s(?<![\w-]s)(?:tudies\s+(?:have\s+|has\s+)?(?:shown|reported|found|observed|demonstrated|"
    r"claimed)|tate[- ]of[- ]the[- ]art\s+(?:methods|models|systems)\s+(?:achieve|reach|report))"
    r"|w(?<![\w-]w)orks?\s+(?:have\s+|has\s+)?(?:shown|reported|found|observed|demonstrated|claimed)"
    r"|p(?<![\w-]p)apers?\s+(?:have\s+|has\s+)?(?:shown|reported|found|observed|demonstrated|"
    r"claimed)"
    r"|a(?<![\w-]a)uthors\s+(?:have\s+|has\s+)?(?:shown|reported|found|observed|demonstrated|"
    r"claimed)"
    r"|r(?<![\w-]r)eports?\s+(?:have\s+|has\s+)?(?:shown|reported|found|observed|demonstrated|"
    r"claimed)"
    r"|h(?<![\w-]h)(?:as|ave)\s+been\s+reported"
    r"|e(?<![\w-]e)t\s+al\.?"
    r"|\((?<![\w-]\()\s*(?:19|20)\d\d\s*\)"
)
_PROBLEM_ASCII_RE = re.compile(
    r"y(?<![\w-]y)et\s+to\b|f(?<![\w-]f)ails?\s+to\b|l(?<![\w-]l)imited\s+to\b"
    r"|o(?<![\w-]o)nly\s+(?:achiev|reach|attain|utiliz)\w*\b|w(?<![\w-]w)ast(?:e[sd]?|ing)\b"
)
_BEYOND_ASCII_RE = re.compile(
    r"b(?<![\w-]b)eyond\b[^.;]{0,60}?\b(?:remains?|remained|is\s+still|are\s+still)\b"
)
_FIRST_PERSON_ASCII_RE = re.compile(
    r"w(?<![\w-]w)e\b|o(?<![\w-]o)urs?\b|u(?<![\w-]u)s\b"
    r"|t(?<![\w-]t)h(?:is\s+(?:paper|work|study|method|approach|model|framework)|e\s+proposed)\b"
)

# the patterns of the clause rules: as written, and for the lower-case copy of an ASCII text
_ANY_TEXT = (
    _CLAUSE_START_RE,
    _FIRST_PERSON_RE,
    _HYPOTHETICAL_RE,
    _INVERTED_IF_RE,
    _PRIOR_EXTRA_RE,
)
_ASCII_TEXT = (
    _CLAUSE_START_ASCII_RE,
    _FIRST_PERSON_ASCII_RE,
    _HYPOTHETICAL_ASCII_RE,
    case_sensitive_twin(_INVERTED_IF_RE),  # anchored at the clause start already
    _PRIOR_EXTRA_ASCII_RE,
)


def attribution(text: str, start: int, end: int) -> str:
    """Attribution of the comparison at ``text[start:end]`` (one of :data:`ATTRIBUTIONS`)."""
    if not text:
        return "own"
    return attribution_of(analyse(text), start)


def attribution_of(doc: HedgeDoc, start: int) -> str:
    """:func:`attribution` given the analysis of the (non-empty) text; only the start of the
    comparison matters."""
    i = doc.sentence_index(start)
    s, e = doc.sentences[i]
    low = doc.low
    clause_start_re, first_person_re, hypothetical_re, inverted_if_re, prior_extra_re = (
        _ASCII_TEXT if low.isascii() else _ANY_TEXT
    )
    left = low[s:start]
    cut = 0
    for m in clause_start_re.finditer(left):
        cut = m.end()
    clause = left[cut:]
    first_person = bool(first_person_re.search(clause))
    if not first_person and (hypothetical_re.search(clause) or inverted_if_re.match(clause)):
        return "hypothetical"
    if not first_person and _prior_clause(clause, prior_extra_re):
        return "prior_work"
    if doc.text[s:e].rstrip().endswith("?"):
        return "problem"  # a question motivates; it reports nothing
    if i < contrib_sentence(doc):
        if is_own(doc, i) or sentence_context(doc, i).finding:
            return "own"
        prior = sentence_context(doc, i).prior or prior_extra_re.search(low[s:e])
        return "prior_work" if prior else "problem"
    if not doc.tokens(i).isdisjoint(L.OWN_WORDS):
        return "own"  # the common case, decided without the slower own-work rules
    if _problem_sentence(doc, i, clause) and not is_own(doc, i):
        return "problem"
    return "own"


def _prior_clause(left: str, prior_extra_re: re.Pattern[str] = _PRIOR_EXTRA_RE) -> bool:
    """A prior-work marker in the number's clause with no comparison after it."""
    last = None
    for rx in (L.RX_PRIOR, prior_extra_re):
        for m in rx.finditer(left):
            if rx is L.RX_PRIOR and m.group(0).startswith(("has", "have")):
                continue  # "models have seen a 3% drop": a finding, not a citation
            if last is None or m.end() > last:
                last = m.end()
    if last is None:
        return False
    between = left[last:]
    if "," in between:
        return False  # "Unlike existing methods, FooNet achieves ...": the phrase has ended
    words = set(between.translate(L.TOKEN_TABLE).split())
    return not words & L.COMPARE_WORDS and not words & {"by", "to", "from"}


def _problem_sentence(doc: HedgeDoc, i: int, clause: str) -> bool:
    """A limitation or goal stated without the authors: "X remains limited to 35% ..."."""
    toks = doc.tokens(i)
    if not toks.isdisjoint(L.OWN_WORDS):
        return False
    if not toks.isdisjoint(L.PROBLEM_WORDS):
        return True
    s, e = doc.sentences[i]
    if doc.low.isascii():
        return bool(_PROBLEM_ASCII_RE.search(clause) or _BEYOND_ASCII_RE.search(doc.low[s:e]))
    return bool(_PROBLEM_RE.search(clause) or _BEYOND_RE.search(doc.low[s:e]))
