"""Benchmark names of comparisons: found in the text and linked to the benchmark registry.

*Names.* Name-like tokens ("GSM8K", "ARC Challenge"; lower-case registry names such as
"test-other") are resolved with the registry (:class:`marginalia.registry.Registry`), the
longest known run winning ("LibriSpeech test-other" over "LibriSpeech", "MATH-500" over
"MATH"); a split after a slash names one more ("MNLI-m/mm", "CIFAR-10/100"). A name the
registry does not know counts, as written, when the text calls it a benchmark or dataset ("the
FooBar benchmark", "X and Y datasets", "dataset X") or when it has a benchmark's shape after
"on"/"in" ("on NExT-QA"). Training data ("pre-trained on X", "X pre-training") is no benchmark.
Names joined by "," / "and" / "/" form a list, recorded joined ("GSM8K, MATH and ARC-Challenge":
no single registry entry). A suite's name ("BEIR", "GLUE") is its own entry, with n null.

*Linking*: each comparison of a sentence gets the name of the first rule that gives one:
1. k listed comparisons and k listed benchmarks in one clause (or a sentence saying
   "respectively") pair in order ("by 2.1, 3.4 and 1.2 points on A, B and C");
2. the name that governs it: inside its span, right before it, after it in its clause, or
   before it in its sentence (after the previous comparison);
3. the only benchmark (or list) of its clause, else of its sentence, not counting names placed
   after another comparison that took them ("2.3x for model A ..., and 4.1x for B ... on
   ImageNet": ImageNet is B's);
4. a performance comparison in a sentence naming none: the only benchmark of the abstract.
Lookups are cached per registry; the per-registry patterns are built once.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from marginalia.extract.document import Doc, Effect
from marginalia.extract.lexicon import PERF
from marginalia.extract.patterns import RESPECTIVELY_RE, word_set

if TYPE_CHECKING:
    from marginalia.registry import Registry

Mention = tuple[str, int, int]  # (name, start, end): canonical, or as written when unknown

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
# a name-like token not glued to a word or hyphen before it; the first character comes before
# the lookbehind (which then looks at it and the one before) so that the scan skips fast
# a year glued with an apostrophe is part of the name: "IWSLT'14", "WMT'16"
_BENCH_START_RE = re.compile(r"[A-Z0-9](?<![\w-].)[\w+]*(?:[-.][\w+]+)*(?:['\u2019]\d\d)?\+*")
_BENCH_NEXT_RE = re.compile(r"[ -][^\W_][\w+]*(?:[-.][\w+]+)*(?:['\u2019]\d\d)?\+*")
_LOWER_TOKEN_RE = re.compile(r"[a-z][\w+]*(?:[-.][\w+]+)*")  # "test-other", "miniF2F"
_SLASH_ALT_RE = re.compile(r"/([^\W_][\w+]*(?:-[\w+]+)*)")
_COMMON_CAPS = word_set(
    "The A An In On Our We This These Our It Its For With To Of By As At And But Finally "
    "Furthermore Moreover However Additionally Specifically Experiments Results Extensive "
    "Experimental Code Compared Using When While Although"
)
_RUN_RE = re.compile(r"[^\W\d_]+|\d+")

# ---- lists and clauses
# names in one list: "A, B and C", "A/B", "A & B", "A or B"
_LIST_GAP_RE = re.compile(r"\s*(?:/|&|,\s*(?:(?:and|or|&)\s+)?|,?\s*(?:and|or)\s+)\s*")
# comparisons in one list: "2.1, 3.4 and 1.2 points", "+2.1% and +3.4%", "0.8/1.1"
_EFFECT_GAP_RE = re.compile(r"\s*(?:/|,\s*(?:and\s+)?|,?\s*and\s+)\s*(?:by\s+)?")
_CLAUSE_BREAK_RE = re.compile(
    r"[;:]|,\s+(?:while|whereas|but|and|which|although|though)\b|\s(?:while|whereas)\s",
    re.IGNORECASE,
)
# a capitalized word right before or after a one-word name: part of a longer proper name
# ("NVIDIA Hopper GPUs", "Medium-range Weather Forecasts"), unless it calls it a dataset
_CAP_BEFORE_RE = re.compile(r"([A-Z][\w-]*) $")
_CAP_AFTER_RE = re.compile(r" (?!(?:Benchmarks?|Datasets?|Corpus|Tasks?|Suite)\b)[A-Z]")
# "on GSM1k", "across MIMIC-IV": a name the registry does not know may be the benchmark
_ON_NAME_RE = re.compile(
    r"[A-Z0-9](?:(?<=\b[Oo]n .)|(?<=\b[Ii]n .)|(?<=\b[Oo]ver .)|(?<=\b[Aa]cross .)"
    r"|(?<=\b[Oo]n the .)|(?<=\b[Ii]n the .)|(?<=\b[Oo]ver the .)|(?<=\b[Aa]cross the .))"
    r"[\w+]*(?:[-.][\w+]+)*"
)

# ---- benchmark-like names the registry does not know
# "the X benchmark", "X and Y datasets", "the dataset X", "benchmarks such as X"
_CUES = ("benchmark", "dataset")
_WORD = r"[A-Z0-9](?<![\w-].)[\w+]*(?:[-.'][\w+]+)*"
_NAME = rf"{_WORD}(?:\s{_WORD}){{0,2}}"
_NAME_RE = re.compile(_NAME)
# a list of names ending where the cue word starts ("X, Y and Z benchmarks")
_NAMES_BEFORE_CUE_RE = re.compile(rf"{_NAME}(?:(?:\s*,\s*(?:and\s+)?|\s+and\s+){_NAME})*$")
# one name, or a list closed by "and", after "dataset(s)"/"benchmark(s)"
_NAMES_AFTER_CUE_RE = re.compile(
    rf"s?\s+(?:(?:called|named|such\s+as|including|like)\s+)?"
    rf"({_NAME}(?:(?:\s*,\s*{_NAME})*\s*,?\s+and\s+{_NAME})?)"
)
# a name set in apposition to the cue: "SWE-EVO, a benchmark for ...", "HalluScan, a
# comprehensive benchmark" (papers introducing their own benchmark)
_APPOSITIVE_BEFORE_CUE_RE = re.compile(
    rf"({_NAME}),\s+(?:a|an)\s+"
    r"(?:(?!(?:models?|methods?|approach|on|in|of|for|to|this|that|the|every|each|all|which"
    r"|tops|new\s+state)\b)[\w-]+\s+){0,4}$"
)
# what may follow the cue word of an appositive: not a noun that makes it a method ("a dataset
# curation method", "a benchmark generator", "a dataset-agnostic learner")
_APPOSITIVE_CUE_END_RE = re.compile(
    r"(?![\w-])(?!\s+(?:curation|condensation|distillation|generators?|generation|pruning|"
    r"selection|compression|augmentation|synthesis|construction\s+method|methods?|approach|"
    r"models?|frameworks?|tools?|pipelines?)\b)"
)
# the end of a name shaped like a benchmark's: NExT-QA, FooBench, RepoEval (capitals first:
# the regex engine scans for them at C speed)
_SUFFIX_END_RE = re.compile(r"(?:QA|Bench|Eval)(?![\w+])")
_SUFFIX_LEAD_RE = re.compile(r"\b(?:on|in|across|over)\s+(?:the\s+)?$", re.IGNORECASE)
_NOT_BENCHMARKS = frozenset(
    w.casefold()
    for w in word_set(
        "LLM LLMs MLLM MLLMs VLM VLMs LVLM LVLMs LMs AI SOTA SoTA GPT ChatGPT OpenAI DeepMind "
        "HuggingFace GitHub PyTorch TensorFlow YouTube OpenML Kaggle arXiv LLaMA LLaMa Llama "
        "NeurIPS ICLR ICML CVPR ECCV ICCV EMNLP NAACL AAAI IJCAI KDD"
    )
)
# training data is no benchmark: "pre-trained on X", "fine-tuning LLaMA with X", "when trained
# on X", "trained with X", "X pre-training" (a plain "a ResNet trained on ImageNet" is not
# enough: there the training set's own test split is usually the benchmark)
_TRAIN_BEFORE_RE = re.compile(
    r"(?:\b(?:(?:pre|post)-?train(?:ed|ing)?|fine-?tun(?:ed|ing|e)|distill(?:ed|ing)?)"
    r"|\b(?:when|if|once)\s+(?:\w+\s+){0,2}?trained"
    r"|\btrained\s+(?:only|solely|exclusively|purely)\b)\s+"
    r"(?:(?!(?:improv|achiev|outperform|gain|reach|scor|yield|perform|attain|surpass|boost"
    r"|increas|reduc|lead|show|obtain|evaluat|test)\w*\b)[\w.-]+\s+){0,3}?"
    r"(?:on|with|using|from)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}$"
    r"|\btrained\s+with\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_TRAIN_AFTER_RE = re.compile(
    r"\s*-?\s*(?:pre-?train(?:ing|ed)|fine-?tun(?:ing|ed)|finetun(?:ing|ed))\b", re.IGNORECASE
)

_CANON_CACHE: dict[int, dict[str, str | None]] = {}  # per registry id (also the next three)
_HEADS_CACHE: dict[int, frozenset[str]] = {}
# registry id -> (substrings that lower-case names hold, the regex finding those names)
_LOWER_CACHE: dict[int, tuple[tuple[str, ...], re.Pattern[str] | None]] = {}
_HEAD_TOKEN_CACHE: dict[int, re.Pattern[str]] = {}


def link_benchmarks(doc: Doc, effects: list[Effect], registry: Registry | None) -> None:
    """Set ``benchmark`` of each of ``effects`` to the benchmark that governs it, if any."""
    if registry is None or not effects:
        return
    text = doc.text
    by_sentence: dict[tuple[int, int], list[Effect]] = {}
    for e in effects:
        by_sentence.setdefault(doc.sentence(e.start), []).append(e)
    cues = _cue_positions(text)
    mentions = _benchmarks_in(text, registry, sorted(by_sentence), cues)
    unnamed: list[Effect] = []  # performance comparisons of sentences that name no benchmark
    for (s, t), group in by_sentence.items():
        inside = [m for m in mentions if s <= m[1] < t]
        if inside:
            _link_sentence(text, s, t, group, inside)
        else:
            unnamed.extend(e for e in group if e.aspect == PERF)
    if unnamed:
        named = {_key(m[0]): m[0] for m in mentions}
        if len(named) <= 1:  # read the other sentences
            sentences = zip(doc.starts, doc.ends, strict=True)
            rest = _ranges([span for span in sentences if span not in by_sentence])
            if rest:
                for m in _benchmarks_in(text, registry, rest, cues):
                    named.setdefault(_key(m[0]), m[0])
        if len(named) == 1:
            only = next(iter(named.values()))
            checked: dict[tuple[int, int], bool] = {}
            for e in unnamed:
                span = doc.sentence(e.start)
                if span not in checked:
                    checked[span] = not _names_unknown_benchmark(text, *span, _key(only))
                if checked[span]:
                    e.benchmark = only


def _cue_positions(text: str) -> list[int]:
    """Where "benchmark" and "dataset" occur (found once per abstract)."""
    out = []
    for cue in _CUES:
        p = text.find(cue)
        while p != -1:
            out.append(p)
            p = text.find(cue, p + len(cue))
    return sorted(out)


def _names_unknown_benchmark(text: str, s: int, t: int, only: str) -> bool:
    """Whether the sentence evaluates on a name other than the abstract's only benchmark (key
    ``only``) that the registry does not know ("on GSM1k"): then rule 4 does not apply."""
    return any(_specific(g) and _key(g) != only for g in _ON_NAME_RE.findall(text, s, t))


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
    runs = _runs(text, inside)
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


def _runs(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    """The mentions grouped into lists ("A, B and C", "A/B"), in text order."""
    runs: list[list[Mention]] = []
    for m in mentions:
        if runs and _LIST_GAP_RE.fullmatch(text, runs[-1][-1][2], m[1]):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


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


# ------------------------------------------------------------------------ finding the names


def _benchmarks_in(
    text: str, registry: Registry, spans: list[tuple[int, int]], cues: list[int]
) -> list[Mention]:
    """Benchmark names in the sentences ``spans`` (sorted): registry names and benchmark-like
    unknown names, without names of training data, in text order. Registry names written in
    lower case are looked for only where a substring test finds one of their markers."""
    _registry_heads(registry)  # builds the per-registry tables on first use
    markers, lower = _LOWER_CACHE[id(registry)]
    lo, hi = spans[0][0], spans[-1][1]
    if lower is not None and not any(text.find(w, lo, hi) != -1 for w in markers):
        lower = None
    suffixed: list[Mention] = []
    found = _mentions(text, registry, spans, suffixed, lower)
    found += _unknown_mentions(text, spans, found, suffixed, cues)
    if not found:
        return found
    found.sort(key=lambda m: m[1])
    out: list[Mention] = []
    for run in _runs(text, found):
        lo = run[0][1]
        window = text[max(0, lo - 80) : lo].lower()  # the regex only after a training word
        if _TRAIN_AFTER_RE.match(text, run[-1][2]) or (
            ("train" in window or "tun" in window or "distil" in window)
            and _TRAIN_BEFORE_RE.search(window)
        ):
            continue
        out.extend(run)
    return out


def _mentions(
    text: str,
    registry: Registry,
    spans: list[tuple[int, int]],
    suffixed: list[Mention],
    lower: re.Pattern[str] | None = None,
) -> list[Mention]:
    """Registry names in the sentences ``spans``: ``(canonical, start, end)``, text order.

    Candidates are name-like tokens (capital or digit first) whose first run starts a registry
    name (the per-registry pattern skips the others at C speed), extended over up to two more
    tokens ("ARC Challenge"); the longest known run wins, ``case_sensitive`` entries only as
    written. ``lower`` finds lower-case names ("test-other"); a split after a slash names one
    more ("MNLI-m/mm"). Unknown tokens shaped like benchmarks ("NExT-QA") go to ``suffixed``.
    """
    out: list[Mention] = []
    head_re = _HEAD_TOKEN_CACHE[id(registry)]
    for s, t in spans:
        starts = [(m.start(), None) for m in head_re.finditer(text, s, t)]
        if lower is not None:
            starts = sorted([*starts, *((m.start(), m) for m in lower.finditer(text, s, t))])
        last_end = s
        for pos, lm in starts:
            if pos < last_end:
                continue
            m = lm or _BENCH_START_RE.match(text, pos, t)
            first = m.group(0)
            if first in _COMMON_CAPS:
                continue
            ends = [m.end()]
            for _ in range(2):
                nxt = _BENCH_NEXT_RE.match(text, ends[-1], t)
                if nxt is None:
                    break
                ends.append(nxt.end())
            for end in reversed(ends):
                canon = _canonical(registry, text[pos:end])
                if canon and end == m.end() and _inside_longer_name(text, first, pos, end):
                    canon = None
                if canon:
                    out.append((canon, pos, end))
                    last_end = _slash_splits(text, registry, pos, end, t, out)
                    break
            else:
                # a variant of a known benchmark that the registry does not know: "HumanEval-ET",
                # "MMLU-ProX" (not HumanEval or MMLU: another item set), named as written
                head, dash, _rest = first.partition("-")
                if dash and lm is None and _canonical(registry, head) is not None:
                    suffixed.append((first, pos, m.end()))
        # unknown tokens shaped like benchmark names, outside the names found
        for sm in _SUFFIX_END_RE.finditer(text, s, t):
            k = sm.start()
            while k > s and (text[k - 1].isalnum() or text[k - 1] in "_+-."):
                k -= 1
            tm = _BENCH_START_RE.search(text, k, t)
            if tm is None or tm.start() > sm.start() or tm.end() != sm.end() or tm[0][0].isdigit():
                continue
            if not any(a < tm.end() and tm.start() < b for _n, a, b in out):
                suffixed.append((tm.group(0), tm.start(), tm.end()))
    return out


def _inside_longer_name(text: str, word: str, start: int, end: int) -> bool:
    """Whether a one-word title-case name ("Hopper", "Weather") is part of a longer proper
    name: a capitalized word (not a sentence opener such as "On") right before or after it."""
    if not (word.isalpha() and word.istitle()):
        return False
    if _CAP_AFTER_RE.match(text, end):
        return True
    before = _CAP_BEFORE_RE.search(text, max(0, start - 30), start)
    return before is not None and before.group(1) not in _COMMON_CAPS


def _slash_splits(text: str, registry: Registry, start: int, end: int, t: int, out: list) -> int:
    """Names written after a slash that share the stem of ``text[start:end]``: "MNLI-m/mm",
    "CIFAR-10/100", "LibriSpeech test-clean/other"; appended to ``out``. Returns the end."""
    while end < t and text[end] == "/":
        alt = _SLASH_ALT_RE.match(text, end, t)
        if alt is None:
            break
        written, token = text[start:end], alt.group(1)
        cut = max(written.rfind(" "), written.rfind("-"))
        if cut == -1:
            runs = list(_RUN_RE.finditer(written))
            cut = runs[-1].start() - 1 if runs else -1
        canon = _canonical(registry, written[: cut + 1] + token)
        if canon is None:
            canon = _canonical(registry, token)
            if canon is None:
                break
            start = alt.start(1)  # a name of its own ("GSM8K/MATH"): the stem of what follows
        out.append((canon, alt.start(1), alt.end()))
        end = alt.end()
    return end


def _unknown_mentions(
    text: str,
    spans: list[tuple[int, int]],
    known: list[Mention],
    suffixed: list[Mention],
    cues: list[int],
) -> list[Mention]:
    """Names the registry does not know but the text calls benchmarks or datasets, or that
    have a benchmark's shape right after "on"/"in"/"across" (see the module docstring)."""
    found: list[Mention] = []
    for p in cues:
        span = _span_of(spans, p)
        if span is None:
            continue
        q = p + (9 if text.startswith("benchmark", p) else 7)
        q += text[q : q + 1] == "s"
        if text[q : q + 1].isalpha():  # a word: not "benchmarking"
            continue
        s, t = span
        if p > s and text[p - 1] == " ":
            m = _NAMES_BEFORE_CUE_RE.search(text, max(s, p - 80), p - 1)
            if m is not None:
                found.extend(_names(m.group(0), m.start()))
            elif "," in text[max(s, p - 60) : p] and _APPOSITIVE_CUE_END_RE.match(text, q):
                m = _APPOSITIVE_BEFORE_CUE_RE.search(text, max(s, p - 120), p)
                if m is not None:
                    found.extend(_names(m.group(1), m.start(1)))
        m = _NAMES_AFTER_CUE_RE.match(text, q, t)
        if m is not None:
            found.extend(_names(m.group(1), m.start(1)))
    taken = [(m[1], m[2]) for m in known]
    found = [m for m in found if not any(a < m[2] and m[1] < b for a, b in taken)]
    taken += [(m[1], m[2]) for m in found]
    for name, start, end in suffixed:
        if any(a < end and start < b for a, b in taken) or not _specific(name):
            continue
        if name.casefold() in _NOT_BENCHMARKS:
            continue
        # after "on"/"in"/"across"/"over", or next in a list after another benchmark name
        prev_end = max((b for _a, b in taken if b <= start), default=-1)
        if not _SUFFIX_LEAD_RE.search(text, max(0, start - 12), start) and not (
            prev_end >= 0 and _LIST_GAP_RE.fullmatch(text, prev_end, start)
        ):
            continue
        found.append((name, start, end))
        taken.append((start, end))
    return found


def _span_of(spans: list[tuple[int, int]], pos: int) -> tuple[int, int] | None:
    """The sentence of ``spans`` (sorted, not overlapping) holding ``pos``, or None."""
    i = bisect.bisect_right(spans, (pos, _NO_END)) - 1
    if i >= 0 and spans[i][0] <= pos < spans[i][1]:
        return spans[i]
    return None


_NO_END = 1 << 62  # sorts after every end offset: (pos, _NO_END) follows every span starting at pos


def _names(group: str, offset: int) -> list[Mention]:
    """The benchmark-like names of a matched list of names (offsets into the abstract)."""
    out = []
    for m in _NAME_RE.finditer(group):
        words = m.group(0).split(" ")
        start = offset + m.start()
        while words and words[0] in _COMMON_CAPS:
            start += len(words[0]) + 1
            words.pop(0)
        if words and any(_specific(w) for w in words):
            if any(w.casefold() in _NOT_BENCHMARKS for w in words):
                continue
            name = " ".join(words)
            out.append((name, start, start + len(name)))
    return out


def _specific(word: str) -> bool:
    """A word that names something: mixed case with two capitals ("AndroidWorld", "OHD-Caps"),
    letters with digits ("GSM1k"), or hyphenated capitals ("MIMIC-III"); not generic words
    ("LLMs", "CIFAR-like") or all-capital acronyms ("LLM", "VQA")."""
    if len(word) < 3 or word.casefold() in _NOT_BENCHMARKS:
        return False
    parts = re.split(r"[-.]", word)
    if any(len(p) >= 4 and p.isalpha() and p.islower() for p in parts[1:]):
        return False  # "ImageNet-scale", "CIFAR-like"
    upper = sum(c.isupper() for c in word)
    lower = any(c.islower() for c in word)
    if any(c.isdigit() for c in word):
        return upper > 0 or lower
    return upper >= 2 and (lower or len(parts) > 1)


def _key(name: str) -> str:
    return "".join(r.casefold() for r in _RUN_RE.findall(name))


def _first_run(name: str) -> str:
    if name.isalpha():  # all letters: one run (the common case, without the regex)
        return name.casefold()
    m = _RUN_RE.search(name)
    return m.group(0).casefold() if m else ""


def _registry_heads(registry: Registry) -> frozenset[str]:
    """First letter-or-digit run of the registry's names ("mt" for MT-Bench) that the scan
    can match (at most three tokens). Builds, once per registry, the head-token pattern and the
    pattern of one-word lower-case names ("test-other", "miniF2F") with their markers."""
    key = id(registry)
    heads = _HEADS_CACHE.get(key)
    if heads is None:
        found = set()
        lower: list[str] = []
        for name in registry.names:
            entry = registry.get(name)
            for alias in [name, *(entry.get("aliases") or [])]:
                alias = str(alias)
                if _tokens(alias) <= 3:  # longer names are never looked up
                    found.add(_first_run(alias))
                if alias[:1].islower() and " " not in alias:
                    lower.append(alias)
        lower.sort(key=lambda a: (-len(a), a))
        stems = {a[: a.index("-") + 1] if "-" in a else a for a in lower}
        # "ogbn-", "ogbg-", "ogbl-" -> "ogb": one substring test for a family of names
        family = [s[:3] for s in stems if s.endswith("-")]
        short = {f for f in family if family.count(f) > 1}
        stems = {s[:3] if s[:3] in short and s.endswith("-") else s for s in stems}
        markers = tuple(sorted(s for s in stems if not any(o != s and o in s for o in stems)))
        body = "|".join(re.escape(a) for a in lower)
        pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w+]|-[^\W_])") if lower else None
        _LOWER_CACHE[key] = (markers, pattern)
        heads = _HEADS_CACHE[key] = frozenset(found)
        _HEAD_TOKEN_CACHE[key] = _head_token_pattern(heads)
    return heads


def _head_token_pattern(heads: frozenset[str]) -> re.Pattern[str]:
    """A pattern matching where a name-like token (as :data:`_BENCH_START_RE` finds them) starts
    with a whole run in ``heads``: a trie of the heads whose first character is a literal
    capital or digit, so that the regex engine scans for those characters at C speed."""
    groups: dict[str, list[str]] = {}
    for h in heads:
        if h and (h[0].isdecimal() or h[0].isalpha()):
            groups.setdefault(h[0], []).append(h[1:])
    alts = []
    for first, rests in sorted(groups.items()):
        tail = _trie_pattern(rests)
        if first.isdecimal():
            alts.append(f"{first}(?<![\\w-].){tail}(?!\\d)")
        else:
            alts.append(f"{re.escape(first.upper())}(?<![\\w-].)(?i:{tail})(?![^\\W\\d_])")
    return re.compile("|".join(alts) or "(?!)")


def _trie_pattern(words: list[str]) -> str:
    """A regex matching any of ``words``, as a trie (one branch per next character)."""
    node: dict = {}
    for w in words:
        n = node
        for ch in w:
            n = n.setdefault(ch, {})
        n[""] = {}

    def emit(n: dict) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(n.items()) if ch]
        body = "(?:" + "|".join(alts) + ")" if alts else ""
        return body + "?" if alts and "" in n else body

    return emit(node)


def _tokens(alias: str) -> int:
    """How many tokens of the scan in :func:`_mentions` spell ``alias`` (99: none do)."""
    m = _BENCH_START_RE.match(alias) or _LOWER_TOKEN_RE.match(alias)
    if m is None:
        return 99
    n, end = 1, m.end()
    while end < len(alias):
        nxt = _BENCH_NEXT_RE.match(alias, end)
        if nxt is None:
            return 99
        n, end = n + 1, nxt.end()
    return n


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
