"""How many runs (seeds) the abstract's results are averaged over: ``m`` of DESIGN.md §4.

A reported difference of a mean over ``m`` seeds has seed-to-seed variance ``sigma_run^2 / m``.
Abstracts rarely say; when they do it is one phrase for the whole paper ("averaged over five
random seeds", "across 3 independent runs", "mean of 10 trials"), so the count is a paper-level
field (``n_seeds`` with its exact span ``n_seeds_span`` in the papers table) applied to the
paper's comparisons. Only phrases that say the results are averaged count: "trained with 3
seeds" alone does not say the reported number is their mean, and "in 4 of 5 runs" is a count of
outcomes, not an average. Unstated means one run (``m = 1``).
"""

from __future__ import annotations

import re

from marginalia.extract.numbers import WORD_VALUES

__all__ = ["MAX_SEEDS", "seeds_averaged"]

#: larger counts are taken as something else (e.g. "1000 trials" of a simulation)
MAX_SEEDS = 100

# number words a count of runs is written in ("five random seeds")
_WORDS = {w: v for w, v in WORD_VALUES.items() if 2 <= v <= MAX_SEEDS}
_COUNT = r"(?P<n>\d{1,3}|" + "|".join(_WORDS) + r")"
_KIND = (
    r"(?:random\s+|independent\s+|different\s+|training\s+)?"
    r"(?:seeds?|runs?|trials|repetitions|initiali[sz]ations)\b"
)
_PATTERNS = [
    # averaged / mean / average over|across|of N seeds
    re.compile(
        r"\b(?:averaged|average[sd]?|mean|median|aggregated)\s+(?:[A-Za-z]+\s+){0,3}?(?:over|across|of|from)\s+"
        + _COUNT
        + r"\s+"
        + _KIND,
        re.I,
    ),
    # over|across N (random) seeds ("with N seeds" alone does not say the result is their mean)
    re.compile(r"\b(?:over|across|from)\s+" + _COUNT + r"\s+" + _KIND, re.I),
    # N-seed average; N-run mean
    re.compile(_COUNT + r"[- ](?:seed|run)\s+(?:average|mean)s?\b", re.I),
]
# where a phrase can be: a word for the runs, found as a plain substring of the lower-cased
# abstract (a case-insensitive regex over the whole abstract cost ~60 us); the patterns above are
# tried on a short window around each such word only
_RUN_KEYS = ("seed", "run", "trial", "repetition", "initiali")
_WINDOW = 90


def _positions(low: str) -> set[int]:
    out = set()
    for key in _RUN_KEYS:
        i = low.find(key)
        while i >= 0:
            out.add(i)
            i = low.find(key, i + 1)
    return out


def seeds_averaged(abstract: str) -> tuple[int | None, str]:
    """``(m, span)``: the number of runs the results are averaged over and the phrase that says
    so, or ``(None, "")`` when the abstract does not say (the first phrase found wins)."""
    if not abstract:
        return None, ""
    best: tuple[int, int, str] | None = None
    low = abstract.lower()
    for start in sorted(_positions(low)):
        lo = max(start - _WINDOW, 0)
        window = abstract[lo : start + 24]
        for pattern in _PATTERNS:
            m = pattern.search(window)
            if m is None:
                continue
            raw = m.group("n").lower()
            n = _WORDS.get(raw) or int(raw)
            if not 2 <= n <= MAX_SEEDS:
                continue
            if best is None or lo + m.start() < best[0]:
                best = (lo + m.start(), n, m.group(0))
        if best is not None:
            break
    if best is None:
        return None, ""
    return best[1], best[2]
