"""Number expressions in abstracts: numerals with units, ranges, fractions and number words.

:func:`find_quantities` reads a text with one precompiled numeral expression, tried only in
front of the runs of digits (and looks for number words such as "twice", "half" or "an order
of magnitude" only around their stems) and returns the quantity mentions it holds, in text
order, with exact offsets. It knows the page artefacts of scraped abstracts (``\\%``,
``2.3times``, ``pm10\\%``, ``1/3 rd``) and leaves out numbers that are part of names or sizes
(``GPT-4``, ``Qwen2-7B``, ``ImageNet-32x32``, ``58M-parameter``, ``O(T^{9/10})``). Whether a
mention is a *comparison* is decided later (:mod:`marginalia.extract.effects`); this module only
reads numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from marginalia.extract.lexicon import MEASURE_METRICS

# unit families of a mention
PERCENT = "percent"  # 5%, 5\%, 5 percent (pp=True: percentage points)
RATIO = "ratio"  # 2x, 2.3times, 3-fold, twice, an order of magnitude
FRACTION = "fraction"  # 1/3, one third, half
SCORE = "score"  # 39.9F1, 2 points, 1.5 BLEU
BARE = "bare"  # a numeral without unit

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SIGN = r"[+\-\u2212\u2013]"
# characters that, right before a numeral, make it part of a name, formula or identifier
_BEFORE = r"(?<![\w.,/^{@=\\\-\u2212\u2013+#*'\u2019])"
# LaTeX right before a numeral: "$\\mathbf{1.7\\times}$", "\\sim83%"
_LATEX_BEFORE = r"(?<=\\mathbf\{)|(?<=\\textbf\{)|(?<=\\bm\{)|(?<=\\sim)|(?<=\\approx)"
_PCT = (
    r"(?:\s?(?:\\?%|percent\b|per\s?cent\b)(?:\s?(?:points?|pts?)\b)?"
    r"|[\s-]?(?:percentage|pct\.?)[\s-]points?\b|\s?pp\b|\s?p\.p\.)"
)
# ("2.46×\\times": a factor with its HTML echo, so "2.46×\\times to 3.00×\\times" is a range)
_RAT = (
    r"(?:\s?\u00d7(?:\\times\u00d7?)?|[xX](?![^\W_])|[\s-]?times\b|[\s-]?fold\b"
    r"|\s?\$?\\times\}?\$?|\s?\{times\})"
)
_SCORE_UNIT = (
    r"(?:[\s-]?(?:points?|pts\.?)|\s?(?:F1|BLEU|ROUGE(?:-[L12])?|EM|mAP|AP|AUC|mIoU|IoU|FID|acc\.?"
    r"|CIDEr|METEOR|nDCG|NDCG|MRR|SPICE|chrF))(?![^\W_])"
)
_UNIT = rf"(?:{_PCT}|{_RAT}|{_SCORE_UNIT})"
_WORD_N = r"one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|thousand"

# numerals (with units, ranges, fractions, "±x"); the lookahead lets the scan skip fast
NUMBER_RE = re.compile(
    rf"""
    (?=[\d+\-\u2212\u2013\u00b1\\pP])
    (?:
    (?P<pm>(?:\u00b1|\\pm\s?|(?<![^\W\d_])pm\s?|\+/-\s?|\+-\s?))(?P<pmnum>{_NUM})(?P<pmunit>{_UNIT})?
  | (?:{_BEFORE}|{_LATEX_BEFORE})(?P<r1s>{_SIGN})?(?P<r1>{_NUM})
    (?:
        \s?/\s?(?P<fd>\d{{1,3}})(?![\d.,/])(?P<ford>\s?(?:st|nd|rd|th)\b)?
      | (?P<r1u>{_UNIT})?
        (?:
            (?P<rsep>\s?(?:-{{1,3}}|[\u2013\u2014])\s?|\s+to\s+)
            (?P<r2s>{_SIGN})?(?P<r2>{_NUM})(?P<r2u>{_UNIT})?
        )?
    )
    )
    """,
    re.VERBOSE | re.IGNORECASE,
)
# number words, scanned only when the text holds one of WORD_STEMS
WORD_RE = re.compile(
    rf"""
    \b(?:
    (?P<oom>(?:(?:an?|one|two|three|four|five|\d)\s+orders?|orders)\s+of\s+magnitude)
  | (?P<twice>twice|thrice)
  | (?P<mult>doubles|doubled|doubling|double|triples|tripled|tripling|triple|quadruples
        |quadrupled|quadrupling
        |halves|halved|halving|halve)
  | (?P<wfold>(?:{_WORD_N})[\s-]?fold)
  | (?P<wtimes>(?:{_WORD_N})\s+times)
  | (?P<wfrac>(?:one|a)[\s-](?:half|third|quarter|fourth|fifth|tenth)
        |(?:two|three|four)[\s-](?:thirds|quarters|fifths)|half)
    )\b
    """,
    re.VERBOSE | re.IGNORECASE,
)
WORD_STEMS = (
    "twice",
    "thrice",
    "doubl",
    "tripl",
    "quadrupl",
    "halv",
    "half",
    "third",
    "quarter",
    "fourth",
    "fifth",
    "tenth",
    "magnitude",
    "fold",
    "times",
)


def _prefix_tree(words: list[str]) -> str:
    """A regex alternation of the (non-empty, prefix-free) ``words`` as a prefix tree: the
    engine follows one branch per character instead of trying every word."""
    groups: dict[str, list[str]] = {}
    for w in sorted(words):
        groups.setdefault(w[0], []).append(w[1:])
    alts = [
        re.escape(c) + (rest[0] if len(rest) == 1 else f"(?:{_prefix_tree(rest)})")
        for c, rest in groups.items()
    ]
    return "|".join(alts)


# Every WORD_STEMS occurrence in one scan. No stem is a prefix of another, so at most one
# matches at a position, and none overlaps itself, so searching again from the next position
# finds every occurrence that a str.find loop per stem finds (both checked here).
if any(a != b and b.startswith(a) for a in WORD_STEMS for b in WORD_STEMS) or any(
    w[-k:] == w[:k] for w in WORD_STEMS for k in range(1, len(w))
):
    raise ValueError("WORD_STEMS must be prefix-free and not overlap themselves")
_STEM_RE = re.compile(_prefix_tree(list(WORD_STEMS)))
_STEM_RANK = {stem: k for k, stem in enumerate(WORD_STEMS)}
# bytes.translate table: ASCII digits -> "0", every other byte -> " " (see _number_matches)
_DIGIT_TABLE = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))
# the characters other than digits that NUMBER_RE's leading lookahead admits
_LEAD_CHARS = frozenset("+-\\pP\u00b1\u2013\u2212")
_MEASURE_RE = re.compile(
    r"\s?(?:ms|s|sec|secs|seconds?|minutes?|mins?|hours?|hrs?|days?|GB|MB|KB|TB|GiB|MiB|W|kW|"
    r"kWh|MWh|dB|Hz|GHz|MHz|fps|\u03bcs|us|ns|USD|EUR)(?![\w/])"
)

WORD_VALUES = _WORD_VALUE = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twenty": 20,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
    "a": 1,
    "an": 1,
}
_FRACTION_WORD = {
    "half": 0.5,
    "third": 1 / 3,
    "quarter": 0.25,
    "fourth": 0.25,
    "fifth": 0.2,
    "tenth": 0.1,
    "thirds": 2 / 3,
    "quarters": 0.75,
    "fifths": 0.4,
}
_MULT = {"doubl": 2.0, "tripl": 3.0, "quadrupl": 4.0, "halv": 0.5}

# a letter right after a numeral (7B, 10M-word, 8gaussians, 11b) makes it a name or a size
_GLUED_LETTER_RE = re.compile(r"[^\W\d_]")


@dataclass(slots=True)
class Quantity:
    """One number expression: ``text[start:end]`` is the expression as written."""

    start: int
    end: int
    value: float
    family: str  # PERCENT | RATIO | FRACTION | SCORE | BARE
    value2: float | None = None  # upper end of a range
    kind: str = "num"  # num | range | pm | word | frac
    sign: str = ""  # "+" or "-" when written
    sign2: str = ""
    pp: bool = False  # percentage points
    glued: bool = False  # unit glued to the numeral (2.3times, 5x)
    score_unit: str = ""  # the score abbreviation after the numeral (F1, BLEU, points)
    word: str = ""  # the number word (twice, half, doubles, order of magnitude)
    sep: str = ""  # range separator as written ("-", "to")
    integer: bool = False  # written without decimals
    measure: str = ""  # the physical unit of a measurement ("ms", "GB"), read as a score


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _family(unit: str | None) -> tuple[str, bool, bool, str]:
    """(family, percentage points, glued, score unit) of a unit group."""
    if not unit:
        return BARE, False, False, ""
    u = unit.strip().lower()
    glued = not unit[:1].isspace()
    if "%" in u or "percent" in u or "per cent" in u or u in ("pp", "p.p.") or u.startswith("pct"):
        pp = "point" in u or "pt" in u or u in ("pp", "p.p.")
        return PERCENT, pp, glued, ""
    if u in ("x", "\u00d7") or u.endswith("fold") or "times" in u:
        return RATIO, False, glued, ""
    return SCORE, False, glued, unit.strip()


def _sign(s: str | None) -> str:
    if not s:
        return ""
    return "+" if s == "+" else "-"


def _glued_after(text: str, end: int) -> bool:
    """A letter (or a digit group) glued right after the match: part of a name or size."""
    if end >= len(text):
        return False
    ch = text[end]
    if ch.isalnum() and not ch.isdecimal():  # _GLUED_LETTER_RE, without a regex call
        return True
    # "2.3.1" versions, "10-20-30" codes
    return ch in "." and end + 1 < len(text) and text[end + 1].isdigit()


def _number_matches(text: str) -> list[re.Match[str]]:
    """``list(NUMBER_RE.finditer(text))``, tried only next to digits.

    Every match holds a numeral whose first digit starts a run of digits (no digit before it)
    and lies at most 4 characters after the match start ("\\pm 5", "+/- 5"), and a match can
    only start at a character of the pattern's leading lookahead. So it is enough to try
    ``NUMBER_RE.match`` at those characters in front of each run of digits, left to right,
    instead of letting the regex engine try every position of the text (the slow part).
    Runs of digits are found with bytes.translate/find; a text with a non-ASCII decimal digit
    (which ``\\d`` also matches) takes the plain scan.
    """
    raw = text.encode("ascii", "replace")
    if not text.isascii():
        q = raw.find(b"?")
        while q != -1:
            if text[q].isdecimal():
                return list(NUMBER_RE.finditer(text))
            q = raw.find(b"?", q + 1)
    digits = raw.translate(_DIGIT_TABLE)  # digits -> "0", everything else -> " "
    out: list[re.Match[str]] = []
    pos = 0  # no match can start before pos
    tried = -1  # positions <= tried were tried already
    match = NUMBER_RE.match
    d = digits.find(b"0")
    while d != -1:
        if d >= pos:
            lo = max(pos, d - 4, tried + 1)
            if lo < d and not _LEAD_CHARS.isdisjoint(text[lo:d]):
                for c in range(lo, d + 1):
                    if c < d and text[c] not in _LEAD_CHARS:
                        continue
                    m = match(text, c)
                    if m is not None:
                        out.append(m)
                        pos = m.end()
                        break
            else:  # only the run's first digit can start a match
                m = match(text, d)
                if m is not None:
                    out.append(m)
                    pos = m.end()
            tried = d
        e = digits.find(b" ", d)
        if e == -1:
            break
        d = digits.find(b"0", e)
    return out


# inline TeX math as arXiv's abstract pages show it: "$1.63\\%$", "$8$-$24\\%$", "$\\sim$8s"
# (no white space inside, or a TeX command); "$5 and $10" (money) is not a pair
_TEX_MATH_RE = re.compile(r"\$(?=[^$]{1,40}\$)(?:[^$\s]{1,40}|[^$]*\\[^$]*)\$")


def tex_shadow(text: str) -> str:
    """``text`` with the dollar signs of inline TeX math replaced by spaces (same length, so
    offsets hold): the numbers and words inside are then read as in plain text."""
    if "$" not in text:
        return text
    return _TEX_MATH_RE.sub(lambda m: " " + m.group()[1:-1] + " ", text)


def find_quantities(text: str) -> list[Quantity]:
    """All number expressions of ``text`` in order (see the module docstring). Inline TeX
    math is read through :func:`tex_shadow`."""
    if not text:
        return []
    text = tex_shadow(text)
    out: list[Quantity] = []
    for m in _number_matches(text):
        q = _read(m, text)
        if q is not None and (not out or q.start >= out[-1].end):  # (not inside an echo)
            out.append(q)
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lower-cased
        low = text
    words: list[Quantity] = []
    seen: set[int] = set()
    # the stems' places, handled stem by stem in WORD_STEMS order and each stem's in text order
    # (as one str.find loop per stem finds them; one scan is cheaper than 15 finds)
    stems: list[tuple[int, int, str]] = []
    m = _STEM_RE.search(low)
    while m is not None:
        stems.append((_STEM_RANK[m.group()], m.start(), m.group()))
        m = _STEM_RE.search(low, m.start() + 1)
    if len(stems) > 1:
        stems.sort()
    for _rank, p, stem in stems:
        # the expression starts at most ~25 characters before its stem ("two orders of")
        for m in WORD_RE.finditer(text, max(0, p - 28), min(len(text), p + len(stem) + 12)):
            if m.start() not in seen and m.start() <= p < m.end() + 1:
                seen.add(m.start())
                q = _read(m, text)
                if q is not None:
                    words.append(q)
    if words:
        taken = [(q.start, q.end) for q in out]
        out.extend(w for w in words if not any(a < w.end and w.start < b for a, b in taken))
        out.sort(key=lambda q: q.start)
    return out


def _read(m: re.Match[str], text: str) -> Quantity | None:
    if m.re is WORD_RE:
        return _read_word(m, text)
    g = m.group
    start, end = m.start(), m.end()
    if g("pmnum") is not None:
        # "85.3 ± 0.4" reports a spread around a score, not a comparison
        before = text[max(0, start - 3) : start].rstrip()
        if before[-1:].isdigit() or before[-1:] == ")":
            return None
        if _glued_after(text, end):
            return None
        fam, pp, glued, su = _family(g("pmunit"))
        if fam == RATIO:
            return None  # a factor has no symmetric range
        v = _num(g("pmnum"))
        return Quantity(start, end, v, fam, v, "pm", "-", "+", pp, glued, su, sep="pm")
    if g("fd") is not None:
        r1 = g("r1")
        if g("r1s") or not r1.isdigit() or len(r1) > 2 or _glued_after(text, end):
            return None
        n, d = int(r1), int(g("fd"))
        if not 0 < n < d or d > 100:
            return None
        return Quantity(start, end, round(n / d, 2), FRACTION, kind="frac")
    if g("r2") is not None:
        if _glued_after(text, end) or (start and text[start - 1] == "$" and not g("r2u")):
            return None  # "$5-10": money
        f1, pp1, gl1, su1 = _family(g("r1u"))
        f2, pp2, gl2, su2 = _family(g("r2u"))
        if f1 != BARE and f2 != BARE and f1 != f2:
            return None
        fam = f2 if f2 != BARE else f1
        if fam == RATIO and (
            _num(g("r1")) == 0 or _num(g("r2")) == 0 or "-" in (_sign(g("r1s")), _sign(g("r2s")))
        ):
            return None
        sep = "to" if "to" in g("rsep") else "-"
        return Quantity(
            start,
            end,
            _num(g("r1")),
            fam,
            _num(g("r2")),
            "range",
            _sign(g("r1s")),
            _sign(g("r2s")),
            pp1 or pp2,
            gl1 or gl2,
            su2 or su1,
            sep=sep,
            integer="." not in g("r1") and "." not in g("r2"),
        )
    num = g("r1")
    if num is not None:
        fam, pp, glued, su = _family(g("r1u"))
        if fam == PERCENT and text.startswith("percent", end):
            end = _echo_end(text, end, num, _PERCENT_ECHO)
        elif fam == RATIO and text[end - 1 : end] == "\u00d7" and "\\times" in text[end : end + 30]:
            end = _echo_end(text, end, num, _TIMES_ECHO)
        if _glued_after(text, end):
            return None
        if start and text[start - 1] == "$":
            if text[end : end + 1] == "$":
                end += 1  # "$5\%$": the math mode closes after the unit
            elif fam == BARE:
                return None  # "$100": an amount of money (LaTeX "$2.6\times$" is kept)
        sign = _sign(g("r1s"))
        measure = ""
        if fam == BARE:
            unit = _MEASURE_RE.match(text, end)
            if unit is not None:
                if unit.group().strip().lower() not in MEASURE_METRICS:
                    return None  # "12 dB", "2 GHz": a physical measurement, not a score
                # "120 ms", "16 GB": a time, memory, energy, frame rate or cost, read as a score
                # in its unit (a level alone is no comparison; "847 ms vs. 1271 ms" and "by 40
                # ms" are; their metric comes from the unit, lexicon.MEASURE_METRICS)
                fam, end = SCORE, unit.end()
                su = measure = unit.group().strip()
        if fam == RATIO and (_num(num) == 0 or sign == "-"):
            return None  # "0x": an identifier, not a factor
        return Quantity(
            start,
            end,
            _num(num),
            fam,
            None,
            "num",
            sign,
            "",
            pp,
            glued,
            su,
            integer="." not in num,
            measure=measure,
        )
    return None


# what arXiv's HTML pages leave after a number copied as text (N: the number, escaped): after
# a percentage the MathML name, the TeX source and the number again ("0.3%percent0.30.3\\%0.3
# %", "10%percent1010\\%"); after a factor the TeX source ("16×16\\times16 ×", "1.5×\\times×")
_PERCENT_ECHO = r"percent(?:N){1,2}\\?%(?:\s?N\s?%)?"
_TIMES_ECHO = r"(?:N)?\\times(?:\s?N\s?×|×)?"


def _echo_end(text: str, end: int, num: str, echo: str) -> int:
    """The end of the page echo ``echo`` (with N for ``num``) that follows ``num`` at ``end``,
    so "0.3%percent0.30.3\\%0.3 %" reads as "0.3%"; ``end`` when no echo follows."""
    m = re.compile(echo.replace("N", re.escape(num))).match(text, end)
    return m.end() if m else end


def _read_word(m: re.Match[str], text: str) -> Quantity | None:
    g = m.group
    start, end = m.start(), m.end()
    if g("oom") is not None:
        first = g("oom").split()[0].lower()
        # plural "orders of magnitude" without a count: at least two
        n = 2 if first == "orders" else int(first) if first.isdigit() else _WORD_VALUE.get(first, 1)
        return Quantity(start, end, float(10**n), RATIO, kind="word", word="order of magnitude")
    if g("twice") is not None:
        w = g("twice").lower()
        return Quantity(start, end, 2.0 if w == "twice" else 3.0, RATIO, kind="word", word=w)
    if g("mult") is not None:
        w = g("mult").lower()
        v = next((val for stem, val in _MULT.items() if w.startswith(stem)), None)
        if v is None:  # a case-folding look-alike (e.g. long s) matched the pattern
            return None
        fam = FRACTION if v < 1 else RATIO
        return Quantity(start, end, v, fam, kind="word", word=w)
    if g("wfold") is not None:
        first = re.split(r"[\s-]|fold", g("wfold").lower())[0]
        if first not in _WORD_VALUE:  # a case-folding look-alike (e.g. long s) matched
            return None
        return Quantity(start, end, float(_WORD_VALUE[first]), RATIO, kind="word", word="fold")
    if g("wtimes") is not None:
        first = g("wtimes").split()[0].lower()
        if first not in _WORD_VALUE:  # a case-folding look-alike (e.g. long s) matched
            return None
        return Quantity(start, end, float(_WORD_VALUE[first]), RATIO, kind="word", word="times")
    if g("wfrac") is not None:
        words = re.split(r"[\s-]", g("wfrac").lower())
        if len(words) == 1:
            return Quantity(start, end, 0.5, FRACTION, kind="word", word="half")
        if text[end : end + 1] == "-" and end + 1 < len(text) and text[end + 1].isalpha():
            return None  # "one-third-scale"
        v = _WORD_VALUE.get(words[0], 1) * _FRACTION_WORD[words[1]]
        return Quantity(start, end, round(v, 2), FRACTION, kind="word", word=words[1])
    return None
