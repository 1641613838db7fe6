"""Benchmark names of comparisons: found in the text and linked to the benchmark registry.

Name-like tokens in the sentences that hold comparisons ("GSM8K", "MT-Bench", "ARC Challenge")
are resolved with the registry (:class:`marginalia.registry.Registry`), the longest known run
winning; each comparison then gets the name that governs it (inside its span, right before it,
after it in its clause, or before it in its sentence), or the names of a "respectively" list in
order. Lookups are cached per registry.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from marginalia.extract.document import Doc, Effect
from marginalia.extract.patterns import RESPECTIVELY_RE, word_set

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
# a name-like token not glued to a word or hyphen before it; the first character comes before
# the lookbehind (which then looks at it and the one before) so that the scan skips fast
# a year glued with an apostrophe is part of the name: "IWSLT'14", "WMT'16"
_BENCH_START_RE = re.compile(r"[A-Z0-9](?<![\w-].)[\w+]*(?:[-.][\w+]+)*(?:['\u2019]\d\d)?\+*")
_BENCH_NEXT_RE = re.compile(r"[ -][^\W_][\w+]*(?:[-.][\w+]+)*(?:['\u2019]\d\d)?\+*")
_COMMON_CAPS = word_set(
    "The A An In On Our We This These Our It Its For With To Of By As At And But Finally "
    "Furthermore Moreover However Additionally Specifically Experiments Results Extensive "
    "Experimental Code Compared Using When While Although"
)
_CANON_CACHE: dict[int, dict[str, str | None]] = {}
_HEADS_CACHE: dict[int, frozenset[str]] = {}
_NUMERIC_HEADS: dict[int, bool] = {}  # registry id -> whether a name starts with a number
_RUN_RE = re.compile(r"[^\W\d_]+|\d+")


def link_benchmarks(doc: Doc, effects: list[Effect], registry: Registry | None) -> None:
    """Set ``benchmark`` of each of ``effects`` to the registry name that governs it, if any."""
    if registry is None or not effects:
        return
    text = doc.text
    spans = sorted({doc.sentence(e.start) for e in effects})
    mentions = _mentions(text, registry, spans)
    if not mentions:
        return
    by_sentence: dict[tuple[int, int], list[Effect]] = {}
    for e in effects:
        by_sentence.setdefault(doc.sentence(e.start), []).append(e)
    for (s, t), group in by_sentence.items():
        inside = [m for m in mentions if s <= m[1] < t]
        if not inside:
            continue
        sent = text[s:t]
        if RESPECTIVELY_RE.search(sent):
            names = []
            for name, ms, _me in inside:
                if ms < group[-1].end and name not in names:
                    names.append(name)
            if len(names) == len(group) >= 2:
                for e, name in zip(group, names, strict=True):
                    e.benchmark = name
                continue
        floor = s
        prev: Effect | None = None
        for e in group:
            e.benchmark = _nearest_benchmark(text, e, inside, t, floor)
            # "by 60x on X with a 0.4% loss in accuracy": the conceded cost shares X
            if (
                not e.benchmark
                and prev is not None
                and prev.benchmark
                and (
                    _WITH_COST_BETWEEN_RE.fullmatch(text, prev.end, e.start)
                    # "5% higher mAP on COCO than A, 3.7% higher mAP than B": one list
                    or (
                        e.metric
                        and e.metric == prev.metric
                        and e.start - prev.end <= 70
                        and _LIST_ITEM_GAP_RE.fullmatch(text, prev.end, e.start)
                    )
                )
            ):
                e.benchmark = prev.benchmark
            floor = max(floor, e.end)
            prev = e


def _mentions(text: str, registry: Registry, spans: list[tuple[int, int]]):
    """Benchmark names in the given sentences: ``(canonical, start, end)`` in text order.

    Candidates start at a name-like token (a capital letter or a digit first: "GSM8K",
    "MT-Bench", "CIFAR-10") and extend over up to two more tokens ("College Math", "ARC
    Challenge"); they are resolved with ``registry.canonical`` and the longest known run wins.
    Entries marked ``case_sensitive`` in the registry must be written as one of their names.
    """
    out: list[tuple[str, int, int]] = []
    heads = _registry_heads(registry)
    # no registry name starts with a number: skip numbers without looking them up
    skip_numbers = not _NUMERIC_HEADS[id(registry)]
    for s, t in spans:
        last_end = s
        for m in _BENCH_START_RE.finditer(text, s, t):
            if m.start() < last_end:
                continue
            first = m.group(0)
            if first in _COMMON_CAPS or (skip_numbers and first[0] in "0123456789"):
                continue
            if _first_run(first) not in heads:
                continue
            ends = [m.end()]
            for _ in range(2):
                nxt = _BENCH_NEXT_RE.match(text, ends[-1], t)
                if nxt is None:
                    break
                ends.append(nxt.end())
            for end in reversed(ends):
                canon = _canonical(registry, text[m.start() : end])
                if canon:
                    out.append((canon, m.start(), end))
                    last_end = end
                    break
    return out


def _first_run(name: str) -> str:
    if name.isalpha():  # all letters: one run (the common case, without the regex)
        return name.casefold()
    m = _RUN_RE.search(name)
    return m.group(0).casefold() if m else ""


def _registry_heads(registry: Registry) -> frozenset[str]:
    """First letter-or-digit run of every registry name and alias ("mt" for MT-Bench), so
    that only tokens that can start a benchmark name are looked up."""
    key = id(registry)
    heads = _HEADS_CACHE.get(key)
    if heads is None:
        found = set()
        for name in registry.names:
            entry = registry.get(name)
            for alias in [name, *(entry.get("aliases") or [])]:
                found.add(_first_run(str(alias)))
        heads = _HEADS_CACHE[key] = frozenset(found)
        _NUMERIC_HEADS[key] = any(h.isdecimal() for h in heads)
    return heads


def _canonical(registry: Registry, name: str) -> str | None:
    cache = _CANON_CACHE.setdefault(id(registry), {})
    if name in cache:
        return cache[name]
    canon = registry.canonical(name)
    if canon is not None:
        entry = registry.get(canon)
        if entry.get("case_sensitive"):
            written = [canon, *entry.get("aliases", [])]
            if name not in written and name.replace(" ", "-") not in written:
                canon = None
    if len(cache) > 50_000:
        cache.clear()
    cache[name] = canon
    return canon


def _left_benchmark_ok(text: str, m: tuple[str, int, int], pos: int, floor: int) -> bool:
    """A benchmark named before a comparison governs it: "On X, ... improves by 7%",
    "we improve X results from ...", or "on X our method gains 2%" (no clause between)."""
    between = text[m[2] : pos]
    if ", " not in between and not re.search(r"\band\b", between):
        return True
    if _LEFT_BENCH_AFTER_RE.match(text, m[2]):
        return True
    lead = text[floor : m[1]]
    cut = max(lead.rfind(","), lead.rfind(";"))
    lead = lead[cut + 1 :] if cut != -1 else lead
    return bool(_LEFT_BENCH_LEAD_RE.match(lead))


def _nearest_benchmark(text: str, e: Effect, inside: list, sent_end: int, floor: int) -> str:
    # inside the span ("84.86% on CIFAR-10 (+4.44%)")
    within = [m for m in inside if e.start <= m[1] and m[2] <= e.end]
    if within:
        return within[0][0]
    # right before the number ("StrategyQA 58.9 rightarrow 61.7")
    for name, _ms, me in inside:
        if me <= e.start and re.fullmatch(r"\s*(?:\(\s*)?", text[me : e.start]):
            return name
    # to the right, in the same clause ("3.0% on GSM8K", "0.22 in FID on ImageNet")
    right = text[e.end : sent_end]
    stop = _RIGHT_STOP_RE.search(right)
    limit = e.end + (stop.start() if stop else len(right))
    after = [m for m in inside if e.end <= m[1] < limit]
    if after:
        first = after[0]
        between = text[e.end : first[1]]
        if len(between) <= 80:
            second = after[1] if len(after) > 1 else None
            if second and re.fullmatch(r"\s+and\s+", text[first[2] : second[1]]):
                return f"{first[0]} and {second[0]}"
            return first[0]
    # to the left, in the sentence, after the previous comparison
    before = [
        m
        for m in inside
        if floor <= m[1] and m[2] <= e.start and _left_benchmark_ok(text, m, e.start, floor)
    ]
    if before:
        return before[-1][0]
    return ""
