"""Benchmark names in an abstract: registry names and benchmark-like names it does not know.

Name-like tokens ("GSM8K", "ARC Challenge"; lower-case registry names such as "test-other") are
resolved with the registry (:class:`marginalia.registry.Registry`), the longest known run
winning ("LibriSpeech test-other" over "LibriSpeech", "MATH-500" over "MATH"); a split after a
slash names one more ("MNLI-m/mm", "CIFAR-10/100"). A name the registry does not know counts, as
written, when the text calls it a benchmark or dataset ("the FooBar benchmark", "X and Y
datasets", "dataset X", "SWE-EVO, a benchmark for ..."), when it has a benchmark's shape after
"on"/"in" ("on NExT-QA"), or when it is a variant of a known one ("HumanEval-ET"). Training data
("pre-trained on X", "X pre-training") is no benchmark. Names joined by "," / "and" / "/" form
a list (:func:`name_runs`). Lookups are cached per registry; the per-registry patterns are built
once. :mod:`marginalia.extract.benchmark_names` links the names to the comparisons.
"""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from marginalia.extract.patterns import word_set

if TYPE_CHECKING:
    from marginalia.registry import Registry

Mention = tuple[str, int, int]  # (name, start, end): canonical, or as written when unknown

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

# names in one list: "A, B and C", "A/B", "A & B", "A or B"
_LIST_GAP_RE = re.compile(r"\s*(?:/|&|,\s*(?:(?:and|or|&)\s+)?|,?\s*(?:and|or)\s+)\s*")
# a capitalized word right before or after a one-word name: part of a longer proper name
# ("NVIDIA Hopper GPUs", "Medium-range Weather Forecasts"), unless it calls it a dataset
_CAP_BEFORE_RE = re.compile(r"([A-Z][\w-]*) $")
_CAP_AFTER_RE = re.compile(r" (?!(?:Benchmarks?|Datasets?|Corpus|Tasks?|Suite)\b)[A-Z]")
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


def name_runs(text: str, mentions: list[Mention]) -> list[list[Mention]]:
    """The mentions grouped into lists ("A, B and C", "A/B"), in text order."""
    runs: list[list[Mention]] = []
    for m in mentions:
        if runs and _LIST_GAP_RE.fullmatch(text, runs[-1][-1][2], m[1]):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs


# ------------------------------------------------------------------------ finding the names


def benchmarks_in(
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
    for run in name_runs(text, found):
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
        if any(a < end and start < b for a, b in taken) or not is_specific(name):
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
        if words and any(is_specific(w) for w in words):
            if any(w.casefold() in _NOT_BENCHMARKS for w in words):
                continue
            name = " ".join(words)
            out.append((name, start, start + len(name)))
    return out


def is_specific(word: str) -> bool:
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


def mention_key(name: str) -> str:
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


def cue_positions(text: str) -> list[int]:
    """Where "benchmark" and "dataset" occur (found once per abstract)."""
    out = []
    for cue in _CUES:
        p = text.find(cue)
        while p != -1:
            out.append(p)
            p = text.find(cue, p + len(cue))
    return sorted(out)
