"""Sentence boundaries of abstracts: the one home of the project's sentence splitters.

Two splitters, kept apart because their boundaries differ and each stage's output depends on
its own (on the embedded corpus and the annotation batches, 7 of 286 abstracts get different
boundaries from the two):

- :func:`sentence_starts` -- the start offset of every sentence; used by the comparison grammar
  (:mod:`marginalia.extract.document`). A boundary needs a capital letter after the mark (not a
  digit: "... two benefits. 1) Better uniformity" stays one sentence); its abbreviation list
  has "etc", "tab" and every single letter.
- :func:`split_sentences` -- ``(start, end)`` spans without the surrounding whitespace; used by
  the hedge classifier (:mod:`marginalia.extract.hedge_cues`). A capital letter *or a digit*
  after the mark starts a sentence; its abbreviation list has titles and "inc", "ltd", "vol",
  "pp", but not "etc" ("... audio retrieval, etc. However, ..." is two sentences here).

Both are abbreviation- and decimal-aware, and find the sentence marks with ``str.find`` first
(regexes run only at those marks).
"""

from __future__ import annotations

import re

# ---------------------------------------------------------------------------- sentence_starts

_SENT_END_RE = re.compile(r"[.!?][\"')\]]*\s+(?=[\"'(\[]*[A-Z])")
_ABBREV_RE = re.compile(
    r"(?:\b(?:e\.g|i\.e|vs|cf|al|fig|figs|eq|eqs|sec|ref|approx|resp|no|acc|avg|est|viz|incl|"
    r"w\.r\.t|etc|ca|tab)|\b[A-Za-z])$",
    re.IGNORECASE,
)


def sentence_starts(text: str) -> list[int]:
    """Start offsets of the sentences of ``text`` (abbreviation- and decimal-aware).

    A sentence ends at ``.``, ``!`` or ``?`` (and closing quotes or brackets) followed by
    whitespace and a capital letter (after optional opening quotes or brackets), unless the
    period closes an abbreviation ("e.g.", "vs.", "et al.", "Fig.") or an initial.
    """
    starts = [0]
    # ``_SENT_END_RE.finditer(text)``, tried only at the marks (every match starts at one)
    marks: list[int] = []
    for ch in ".!?":
        i = text.find(ch)
        while i != -1:
            marks.append(i)
            i = text.find(ch, i + 1)
    if len(marks) > 1:
        marks.sort()
    last = 0
    match = _SENT_END_RE.match
    n = len(text)
    for p in marks:
        if p < last:
            continue
        nxt = text[p + 1 : p + 2]
        if nxt == " " and p + 2 < n and "A" <= text[p + 2] <= "Z":
            last = p + 2  # ". X": the match without the regex
        elif not nxt or nxt.isalnum():
            continue  # no closer or whitespace after the mark: no match
        else:
            m = match(text, p)
            if m is None:
                continue
            last = m.end()
        # an abbreviation or initial ends in a word of at most 6 letters: a period after 7
        # letters or digits cannot close one
        if (
            text[p] == "."
            and not (p >= 7 and text[p - 7 : p].isalnum())
            and _ABBREV_RE.search(text, max(0, p - 8), p)
        ):
            continue
        starts.append(last)
    return starts


# ---------------------------------------------------------------------------- split_sentences

# the abbreviations split_sentences knows (lower case, without the final period)
_ABBREVIATION_WORDS = (
    "e.g i.e eg ie vs cf al fig figs eq eqs sec ref refs approx ca resp no nos dr mr mrs ms st "
    "prof inc ltd jr sr vol pp p acc avg est viz incl wrt w.r.t"
)
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
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
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _push_span(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if stripped:
        start += len(piece) - len(piece.lstrip())
        out.append((start, start + len(stripped)))
