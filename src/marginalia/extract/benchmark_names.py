"""Benchmark names of comparisons: found in the text and linked to the benchmark registry.

*Names* are found by :mod:`marginalia.extract.benchmark_mentions` (registry names, and names
the registry does not know but the text calls a benchmark or dataset). Names joined by "," /
"and" / "/" form a list, recorded joined ("GSM8K, MATH and ARC-Challenge": no single registry
entry). A suite's name ("BEIR", "GLUE") is its own entry, with n null.

*Linking*: each comparison of a sentence gets the name of the first rule that gives one:
1. k listed comparisons and k listed benchmarks in one clause (or a sentence saying
   "respectively") pair in order ("by 2.1, 3.4 and 1.2 points on A, B and C");
2. the name that governs it: inside its span, right before it, after it in its clause, or
   before it in its sentence (after the previous comparison);
3. the only benchmark (or list) of its clause, else of its sentence, not counting names placed
   after another comparison that took them ("2.3x for model A ..., and 4.1x for B ... on
   ImageNet": ImageNet is B's);
4. a performance comparison in a sentence naming none: the only benchmark of the abstract.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from marginalia.extract.benchmark_mentions import (
    Mention,
    benchmarks_in,
    cue_positions,
    is_specific,
    mention_key,
    name_runs,
)
from marginalia.extract.document import Doc, Effect
from marginalia.extract.lexicon import PERF
from marginalia.extract.patterns import RESPECTIVELY_RE

if TYPE_CHECKING:
    from marginalia.registry import Registry


_LIST_ITEM_GAP_RE = re.compile(
    r"(?:[^,;:.()\d]|(?<=[A-Za-z@\d-])\d){0,50},\s*(?:and\s+)?(?:by\s+)?", re.IGNORECASE
)
_WITH_COST_BETWEEN_RE = re.compile(r"[^,;.()\d]{0,50}?\bwith\b[^,;.()\d]{0,30}", re.IGNORECASE)
_LEFT_BENCH_LEAD_RE = re.compile(
    r"\s*(?:(?:while|whereas|and|but)\s+)?(?:on|in|for|across|over)\s+(?:the\s+)?"
    r"(?:[\w-]+\s+){0,3}$",
    re.IGNORECASE,
)
_LEFT_BENCH_AFTER_RE = re.compile(
    r"\s*(?:results?|scores?|accuracy|performance|benchmarks?|datasets?|tasks?|test)\b",
    re.IGNORECASE,
)
_RIGHT_STOP_RE = re.compile(
    r";|,\s+(?:and|while|whereas|but|although|though)\b|\s(?:while|whereas)\s", re.IGNORECASE
)
_AND_RE = re.compile(r"\band\b")
_PLACE_LEAD_RE = re.compile(r"\s*(?:on|in|for)\s+(?:the\s+)?", re.IGNORECASE)
_OWN_PLACE_RE = re.compile(r"\s+(?:on|in)\s+(?:the\s+|our\s+|a\s+)?\S", re.IGNORECASE)
_JUST_BEFORE_RE = re.compile(r"\s*(?:\(\s*)?")
# ---- lists and clauses
# comparisons in one list: "2.1, 3.4 and 1.2 points", "+2.1% and +3.4%", "0.8/1.1"
_EFFECT_GAP_RE = re.compile(r"\s*(?:/|,\s*(?:and\s+)?|,?\s*and\s+)\s*(?:by\s+)?")
_CLAUSE_BREAK_RE = re.compile(
    r"[;:]|,\s+(?:while|whereas|but|and|which|although|though)\b|\s(?:while|whereas)\s",
    re.IGNORECASE,
)  # "on GSM1k", "across MIMIC-IV": a name the registry does not know may be the benchmark
_ON_NAME_RE = re.compile(
    r"[A-Z0-9](?:(?<=\b[Oo]n .)|(?<=\b[Ii]n .)|(?<=\b[Oo]ver .)|(?<=\b[Aa]cross .)"
    r"|(?<=\b[Oo]n the .)|(?<=\b[Ii]n the .)|(?<=\b[Oo]ver the .)|(?<=\b[Aa]cross the .))"
    r"[\w+]*(?:[-.][\w+]+)*"
)


def link_benchmarks(doc: Doc, effects: list[Effect], registry: Registry | None) -> None:
    """Set ``benchmark`` of each of ``effects`` to the benchmark that governs it, if any."""
    if registry is None or not effects:
        return
    text = doc.text
    by_sentence: dict[tuple[int, int], list[Effect]] = {}
    for e in effects:
        by_sentence.setdefault(doc.sentence(e.start), []).append(e)
    cues = cue_positions(text)
    mentions = benchmarks_in(text, registry, sorted(by_sentence), cues)
    unnamed: list[Effect] = []  # performance comparisons of sentences that name no benchmark
    for (s, t), group in by_sentence.items():
        inside = [m for m in mentions if s <= m[1] < t]
        if inside:
            _link_sentence(text, s, t, group, inside)
        else:
            unnamed.extend(e for e in group if e.aspect == PERF)
    if unnamed:
        named = {mention_key(m[0]): m[0] for m in mentions}
        if len(named) <= 1:  # read the other sentences
            sentences = zip(doc.starts, doc.ends, strict=True)
            rest = _ranges([span for span in sentences if span not in by_sentence])
            if rest:
                for m in benchmarks_in(text, registry, rest, cues):
                    named.setdefault(mention_key(m[0]), m[0])
        if len(named) == 1:
            only = next(iter(named.values()))
            checked: dict[tuple[int, int], bool] = {}
            for e in unnamed:
                span = doc.sentence(e.start)
                if span not in checked:
                    checked[span] = not _names_unknown_benchmark(text, *span, mention_key(only))
                if checked[span]:
                    e.benchmark = only


def _names_unknown_benchmark(text: str, s: int, t: int, only: str) -> bool:
    """Whether the sentence evaluates on a name other than the abstract's only benchmark (key
    ``only``) that the registry does not know ("on GSM1k"): then rule 4 does not apply."""
    return any(is_specific(g) and mention_key(g) != only for g in _ON_NAME_RE.findall(text, s, t))


def _ranges(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Adjacent sentences joined into one range (fewer, longer reads)."""
    out: list[tuple[int, int]] = []
    for s, t in spans:
        if out and out[-1][1] == s:
            s = out.pop()[0]
        out.append((s, t))
    return out


def _link_sentence(text: str, s: int, t: int, group: list[Effect], inside: list[Mention]) -> None:
    """Link the comparisons ``group`` of the sentence ``text[s:t]`` naming ``inside``."""
    respectively = RESPECTIVELY_RE.search(text, s, t) is not None
    runs = name_runs(text, inside)
    run_of = {m[1]: run for run in runs for m in run}
    claims: dict[int, list[bool]] = {}  # run start -> per claim: whether the run is after it
    paired = _pair_lists(text, group, runs, respectively)  # id(effect) -> its benchmark
    for e in group:
        m = paired.get(id(e))
        if m is not None:
            e.benchmark = m[0]
            claims.setdefault(m[1], []).append(m[1] >= e.end)
    floor = s
    prev: Effect | None = None
    for e in group:
        if id(e) not in paired:
            m = _nearest_benchmark(text, e, inside, t, floor, prev is not None)
            if m is not None:
                run = run_of[m[1]]
                e.benchmark = _run_name(run)
                claims.setdefault(run[0][1], []).append(run[0][1] >= e.end)
            # "by 60x on X with a 0.4% loss in accuracy": the conceded cost shares X
            elif (
                prev is not None
                and prev.benchmark
                and (
                    _WITH_COST_BETWEEN_RE.fullmatch(text, prev.end, e.start)
                    # "5% higher mAP on COCO than A, 3.7% higher mAP than B": one list
                    or (
                        e.metric
                        and e.metric == prev.metric
                        and e.start - prev.end <= 70
                        and _LIST_ITEM_GAP_RE.fullmatch(text, prev.end, e.start)
                        # (not an item with its own "on X": "..., and 24.4% on ScienceWorld")
                        and not _OWN_PLACE_RE.match(text, e.end)
                    )
                )
            ):
                e.benchmark = prev.benchmark
        floor = max(floor, e.end)
        prev = e
    missing = [e for e in group if not e.benchmark]
    if missing:
        _fallback(text, s, t, group, missing, runs, claims)


def _fallback(text, s, t, group, missing, runs, claims) -> None:
    """Rule 3: the only benchmark of the clause, else of the sentence (see the module doc)."""
    breaks = _clause_breaks(text, s, t, group, runs)
    # names placed after a comparison that took them are that comparison's own
    free = [run for run in runs if not any(claims.get(run[0][1], ()))]
    for e in missing:
        lo = max((b for b in breaks if b <= e.start), default=s)
        hi = min((b for b in breaks if b > e.start), default=t)
        here = [run for run in free if lo <= run[0][1] < hi]
        if not here:  # the sentence: names before e, and names after e no comparison took
            here = [
                run
                for run in free
                if run[-1][2] <= e.start or (run[0][1] >= e.end and run[0][1] not in claims)
            ]
        names = {_run_name(run) for run in here}
        if len(names) == 1:
            e.benchmark = names.pop()


def _clause_breaks(text, s, t, group, runs) -> list[int]:
    """Where the clauses of the sentence ``text[s:t]`` start, not counting the commas inside
    a list of names or of comparisons ("on A, B, and C", "by 1%, 2%, and 3%")."""
    inner = [(run[0][1], run[-1][2]) for run in runs if len(run) > 1]
    inner += [
        (a.end, b.start)
        for a, b in zip(group, group[1:], strict=False)
        if _EFFECT_GAP_RE.fullmatch(text, a.end, b.start)
    ]
    out = []
    for m in _CLAUSE_BREAK_RE.finditer(text, s, t):
        if not any(a <= m.start() < b for a, b in inner):
            out.append(m.end())
    return out


def _run_name(run: list[Mention]) -> str:
    names: list[str] = []
    for m in run:
        if m[0] not in names:
            names.append(m[0])
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _pair_lists(
    text: str, group: list[Effect], runs: list[list[Mention]], respectively: bool
) -> dict[int, Mention]:
    """Rule 1: k listed comparisons and k listed benchmarks pair in order, when the two lists
    are in one clause with nothing between them but words, or the sentence says
    "respectively"."""
    out: dict[int, Mention] = {}
    if len(group) < 2 or all(len(run) < 2 for run in runs):
        return out
    lists: list[list[Effect]] = []
    for e in group:
        if lists and _EFFECT_GAP_RE.fullmatch(text, lists[-1][-1].end, e.start):
            lists[-1].append(e)
        else:
            lists.append([e])
    for items in lists:
        k = len(items)
        if k < 2:
            continue
        first, last = items[0].start, items[-1].end
        best = None
        for run in runs:
            if len(run) != k or len({m[0] for m in run}) != k:
                continue
            a, b = (last, run[0][1]) if run[0][1] >= last else (run[-1][2], first)
            if a > b:
                continue  # the lists overlap
            near = (  # nothing but words between the two lists
                b - a <= 100
                and not _CLAUSE_BREAK_RE.search(text, a, b)
                and not any(a <= x.start < b for x in group)
                and not any(a <= r[0][1] < b for r in runs)
            )
            if (near or respectively) and (best is None or b - a < best[0]):
                best = (b - a, run)
        if best is not None:
            for e, m in zip(items, best[1], strict=True):
                out[id(e)] = m
    return out


def _nearest_benchmark(
    text: str, e: Effect, inside: list[Mention], sent_end: int, floor: int, after_prev: bool = False
) -> Mention | None:
    """Rule 2: the name that governs ``e`` in its clause or before it in its sentence."""
    # inside the span ("84.86% on CIFAR-10 (+4.44%)")
    for m in inside:
        if e.start <= m[1] and m[2] <= e.end:
            return m
    # right before the number ("StrategyQA 58.9 rightarrow 61.7")
    for m in inside:
        if m[2] <= e.start and _JUST_BEFORE_RE.fullmatch(text, m[2], e.start):
            return m
    # to the right, in the same clause ("3.0% on GSM8K", "0.22 in FID on ImageNet")
    stop = _RIGHT_STOP_RE.search(text, e.end, sent_end)
    limit = stop.start() if stop else sent_end
    for m in inside:
        if e.end <= m[1] < limit:
            if m[1] - e.end <= 80:
                return m
            break
    # to the left, in the sentence, after the previous comparison
    before = [
        m
        for m in inside
        if floor <= m[1] and m[2] <= e.start and _left_benchmark_ok(text, m, e.start, floor)
    ]
    # (not the place right after the previous comparison: "10.3% on WebShop, and 24.4% on
    # ScienceWorld" gives WebShop to 10.3% only)
    if before and after_prev and _PLACE_LEAD_RE.fullmatch(text, floor, before[-1][1]):
        return None
    return before[-1] if before else None


def _left_benchmark_ok(text: str, m: Mention, pos: int, floor: int) -> bool:
    """A benchmark named before a comparison governs it: "On X, ... improves by 7%",
    "we improve X results from ...", or "on X our method gains 2%" (no clause between)."""
    between = text[m[2] : pos]
    if ", " not in between and not _AND_RE.search(between):
        return True
    if _LEFT_BENCH_AFTER_RE.match(text, m[2]):
        return True
    lead = text[floor : m[1]]
    cut = max(lead.rfind(","), lead.rfind(";"))
    lead = lead[cut + 1 :] if cut != -1 else lead
    return bool(_LEFT_BENCH_LEAD_RE.match(lead))
