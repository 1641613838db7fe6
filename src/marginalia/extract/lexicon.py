"""Word lists of the effect extractor: metrics with their aspect and polarity, change words.

Lookups are token based (dictionary hits on lower-cased words and word pairs), which keeps
the extractor fast: one regex tokenization of a short window, then set and dict lookups.

A metric is ``(name, aspect, lower_is_better)``; ``lower_is_better`` is None where the
polarity is unclear ("sensitivity"). ``name`` is "" for the generic "performance"/"results".
"""

from __future__ import annotations

import re

PERF = "performance"
EFF = "efficiency"

Metric = tuple[str, str, bool | None]


def _entries(words: str, name: str, aspect: str, lib: bool | None) -> dict[str, Metric]:
    return {w.replace("_", " "): (name, aspect, lib) for w in words.split()}


# online (A/B) metrics of recommenders and ads, by their word: counts and amounts, not
# percentages, so a % change of one is relative
ONLINE_METRICS: dict[str, str] = {
    "revenue": "revenue",
    "gmv": "GMV",
    "clicks": "clicks",
    "views": "views",
    "sales": "sales",
    "purchases": "purchases",
    "conversions": "conversions",
}
#: the quantity a measurement's unit measures (numbers.py reads "120 ms", "16 GB" as scores in
#: their unit), for a comparison whose text names no metric: "0.8 s versus 4.2 s" is a time
MEASURE_METRICS: dict[str, tuple[str, str, bool]] = {
    **{
        u: ("time", EFF, True)
        for u in (
            "ms",
            "s",
            "sec",
            "secs",
            "second",
            "seconds",
            "min",
            "mins",
            "minute",
            "minutes",
            "hour",
            "hours",
            "hr",
            "hrs",
            "day",
            "days",
            "\u03bcs",
            "us",
            "ns",
        )
    },
    **{u: ("memory", EFF, True) for u in ("gb", "mb", "kb", "tb", "gib", "mib")},
    **{u: ("energy", EFF, True) for u in ("w", "kw", "kwh", "mwh")},
    "fps": ("throughput", EFF, False),
    "usd": ("cost", EFF, True),
    "eur": ("cost", EFF, True),
}
#: the metric names of ONLINE_METRICS and the online word pairs of METRIC_PAIRS
ONLINE_METRIC_NAMES = frozenset(ONLINE_METRICS.values()) | {
    "watch time",
    "dwell time",
    "consumption",
}

# single words (lower case)
METRIC_WORDS: dict[str, Metric] = {
    # performance, higher is better
    **_entries("accuracy accuracies acc acc. accurate", "accuracy", PERF, False),
    **_entries("f1 f1-score f1-scores f-score f-measure f1score", "F1", PERF, False),
    **_entries("bleu", "BLEU", PERF, False),
    **_entries("rouge rouge-l rouge-1 rouge-2", "ROUGE", PERF, False),
    **_entries(
        "meteor cider spice chrf chrf++ comet bertscore", "text similarity score", PERF, False
    ),
    **_entries("em", "exact match", PERF, False),
    # speech and audio quality (signal-to-noise ratios in dB, opinion scores on 1-5 scales)
    **_entries("snr si-snr sisnr si-sdr sisdr", "SNR", PERF, False),
    **_entries("pesq", "PESQ", PERF, False),
    **_entries("mos dnsmos", "MOS", PERF, False),
    **_entries("fad", "FAD", PERF, True),
    **_entries("map ap", "mAP", PERF, False),
    **_entries("auc auroc auprc", "AUC", PERF, False),
    **_entries("iou miou", "IoU", PERF, False),
    **_entries("ndcg mrr", "ranking metric", PERF, False),
    **_entries("spearman", "Spearman correlation", PERF, False),
    **_entries("pearson", "Pearson correlation", PERF, False),
    **_entries("correlation correlations", "correlation", PERF, False),
    **_entries("coverage", "coverage", PERF, False),
    **_entries("precision", "precision", PERF, False),
    **_entries("recall", "recall", PERF, False),
    **_entries("diversity", "diversity", PERF, False),
    **_entries("robustness", "robustness", PERF, False),
    **_entries("reward rewards", "reward", PERF, False),
    **_entries("sensitivity", "sensitivity", PERF, None),
    **_entries("score scores", "score", PERF, False),
    # online (A/B) metrics of recommenders and ads: counts and amounts, not percentages
    **{w: (name, PERF, False) for w, name in ONLINE_METRICS.items()},
    **_entries("performance performances results", "", PERF, False),
    # performance, lower is better
    **_entries("fid", "FID", PERF, True),
    **_entries("fvd", "FVD", PERF, True),
    **_entries("lpips", "LPIPS", PERF, True),
    **_entries("perplexity ppl", "perplexity", PERF, True),
    **_entries("wer cer eer", "error rate", PERF, True),
    **_entries("mindcf dcf", "detection cost", PERF, True),
    **_entries("error errors mse rmse mae nmae nrmse crps", "error", PERF, True),
    **_entries("hallucination hallucinations", "hallucination rate", PERF, True),
    **_entries("toxicity", "toxicity", PERF, True),
    **_entries("emission emissions", "emissions", PERF, True),
    **_entries("regret", "regret", PERF, True),
    **_entries("gap gaps", "gap", PERF, True),
    # efficiency, higher is better
    **_entries(
        "speedup speedups speed-up speed-ups acceleration accelerations", "speedup", EFF, False
    ),
    **_entries("throughput", "throughput", EFF, False),
    **_entries("utilization utilisation", "utilization", EFF, False),
    **_entries("efficiency efficient", "efficiency", EFF, False),
    **_entries("faster fast quicker slower speed speeds", "speed", EFF, False),
    # efficiency, lower is better
    **_entries("latency latencies", "latency", EFF, True),
    # serving latencies of language models: time to first token, time per output token
    **_entries("ttft tpot itl", "latency", EFF, True),
    **_entries("time times runtime runtimes wall-clock", "time", EFF, True),
    **_entries("communication", "communication cost", EFF, True),
    **_entries("cost costs expense expenses outlay cheaper", "cost", EFF, True),
    **_entries(
        "flops flop compute computation computations computational gpus", "compute", EFF, True
    ),
    **_entries("memory storage", "memory", EFF, True),
    **_entries("size sizes footprint smaller lighter", "size", EFF, True),
    **_entries("parameters params weights", "parameters", EFF, True),
    **_entries("data samples examples labels annotations tokens token", "data", EFF, True),
    **_entries("comparisons queries calls evaluations", "number of comparisons", EFF, True),
    # counts of things a method spends (not percentages): a % change of them is relative
    **_entries("chunks retrievals requests lookups rounds passes columns", "count", EFF, True),
    **_entries("layers", "layers", EFF, True),
    **_entries("length lengths", "length", EFF, True),
    **_entries("usage", "usage", EFF, True),
    **_entries("energy", "energy", EFF, True),
    **_entries("overhead overheads", "overhead", EFF, True),
    **_entries("steps iterations epochs", "steps", EFF, True),
}
# word pairs that name a different metric than their last word
METRIC_PAIRS: dict[str, Metric] = {
    "robust accuracy": ("robust accuracy", PERF, False),
    "generalization gap": ("generalization gap", PERF, True),
    "generalisation gap": ("generalization gap", PERF, True),
    "win rate": ("win rate", PERF, False),
    "win rates": ("win rate", PERF, False),
    "success rate": ("success rate", PERF, False),
    "success rates": ("success rate", PERF, False),
    "exact match": ("exact match", PERF, False),
    "clip score": ("CLIP score", PERF, False),
    "clip scores": ("CLIP score", PERF, False),
    "error rate": ("error rate", PERF, True),
    "error rates": ("error rate", PERF, True),
    "model size": ("size", EFF, True),
    "inference time": ("inference time", EFF, True),
    "inference times": ("inference time", EFF, True),
    "training time": ("training time", EFF, True),
    "watch time": ("watch time", PERF, False),
    "watch duration": ("watch time", PERF, False),
    "dwell time": ("dwell time", PERF, False),
    "consumption amount": ("consumption", PERF, False),
    "floating point operations": ("compute", EFF, True),
    "training compute": ("training compute", EFF, True),
    "training data": ("training data", EFF, True),
    "gpu memory": ("memory", EFF, True),
    "kv cache": ("memory", EFF, True),
    "kv-cache": ("memory", EFF, True),
    "gpu hours": ("compute", EFF, True),
    "power consumption": ("energy", EFF, True),
    "energy consumption": ("energy", EFF, True),
    "training speed": ("training speed", EFF, False),
    "memory footprint": ("memory", EFF, True),
    "attack success": ("attack success rate", PERF, True),
    "speeds up": ("speedup", EFF, False),
    "speed up": ("speedup", EFF, False),
    "sped up": ("speedup", EFF, False),
    "memory usage": ("memory", EFF, True),
    "communication cost": ("communication cost", EFF, True),
    "communication costs": ("communication cost", EFF, True),
    "communication overhead": ("communication cost", EFF, True),
    "system cost": ("cost", EFF, True),
    "inference latency": ("latency", EFF, True),
    "inference speed": ("inference speed", EFF, False),
    "floating-point operations": ("compute", EFF, True),
}
_METRIC_PREFIXES: tuple[tuple[str, Metric], ...] = (
    ("pass@", ("pass@k", PERF, False)),
    ("ndcg@", ("ranking metric", PERF, False)),
    ("mrr@", ("ranking metric", PERF, False)),
    ("recall@", ("ranking metric", PERF, False)),
    ("precision@", ("ranking metric", PERF, False)),
    ("p@", ("ranking metric", PERF, False)),
    ("r@", ("ranking metric", PERF, False)),
    ("hit@", ("ranking metric", PERF, False)),
    ("co_2", ("emissions", PERF, True)),
)

TOKEN_RE = re.compile(r"[^\W\d_][\w@+.'\-]*[\w+]|[^\W\d_]")


def _lookup(word: str, nxt: str | None) -> tuple[Metric, int] | None:
    if nxt is not None:
        pair = METRIC_PAIRS.get(f"{word} {nxt}")
        if pair is not None:
            return pair, 2
    hit = METRIC_WORDS.get(word)
    if hit is not None:
        if nxt in _NOT_METRIC_AFTER.get(word, ()):
            return None
        if nxt in ("score", "scores") and hit[0] not in ("score", "") and hit[1] == PERF:
            return hit, 2  # "FAD score", "MOS scores": the metric, not a generic score
        return hit, 1
    if "@" in word or "_" in word:
        for prefix, metric in _METRIC_PREFIXES:
            if word.startswith(prefix):
                return metric, 1
    return None


# a token can only start a metric mention if it is one of these (or holds "@" or "_")
_FIRST_WORDS = frozenset(METRIC_WORDS) | frozenset(k.split(" ", 1)[0] for k in METRIC_PAIRS)


def _lower_words(rx: re.Pattern[str], text: str) -> list[str]:
    """``[m.group(0).lower() for m in rx.finditer(text)]`` for TOKEN_RE and WORD_RE.

    Lower-casing the text first gives the same tokens when it keeps the length (lower-casing
    keeps every character's \\w/\\d class; only a Greek final sigma may differ, which no
    lexicon entry holds), and it is one call instead of one per token.
    """
    low = text.lower()
    if len(low) == len(text):
        return rx.findall(low)
    return [m.group(0).lower() for m in rx.finditer(text)]


#: words after which a metric abbreviation means something else
_NOT_METRIC_AFTER = {
    # "MOS transistors": metal-oxide-semiconductor
    "mos": frozenset(
        w + s
        for w in ("circuit", "transistor", "device", "capacitor", "fet", "structure")
        for s in ("", "s")
    )
    | {"technology"},
    # "the SNR loss is reduced by 40%": a loss of SNR, lower is better
    "snr": frozenset(("loss", "losses", "degradation", "degradations", "penalty", "drop", "drops")),
}
#: aggregates written before a metric with a hyphen: "average-WER", "macro-F1"
_AGGREGATE_HEADS = frozenset(
    ("average", "avg", "mean", "median", "overall", "total", "macro", "micro", "weighted")
)


def _dehyphen(word: str) -> str:
    """``word``, or the metric it ends in after an aggregate and a hyphen ("average-wer")."""
    head, dash, tail = word.rpartition("-")
    if dash and head in _AGGREGATE_HEADS:
        hit = METRIC_WORDS.get(tail)
        if hit is not None and hit[1] == PERF and hit[0]:
            return tail
    return word


def _metric_words(text: str) -> list[str]:
    """The lower-case tokens of ``text``, each "average-wer" read as "wer"."""
    words = _lower_words(TOKEN_RE, text)
    return [_dehyphen(w) for w in words] if "-" in text else words


def _metric_names(text: str) -> list[Metric]:
    """The metrics of :func:`find_metrics`, without offsets."""
    words = _metric_words(text)
    if "@" not in text and "_" not in text and _FIRST_WORDS.isdisjoint(words):
        return []
    out: list[Metric] = []
    i = 0
    n = len(words)
    first = _FIRST_WORDS
    while i < n:
        word = words[i]
        # _lookup finds nothing for a word that starts no metric name (the common case)
        if word not in first and "@" not in word and "_" not in word:
            i += 1
            continue
        hit = _lookup(word, words[i + 1] if i + 1 < n else None)
        if hit is None:
            i += 1
            continue
        out.append(hit[0])
        i += hit[1]
    return out


def find_metrics(text: str) -> list[tuple[int, Metric]]:
    """Metric mentions of a short text: ``(start offset, (name, aspect, lower_is_better))``."""
    if "@" not in text and "_" not in text and _FIRST_WORDS.isdisjoint(_metric_words(text)):
        return []
    toks = [(m.start(), _dehyphen(m.group(0).lower().rstrip("'"))) for m in TOKEN_RE.finditer(text)]
    out: list[tuple[int, Metric]] = []
    i = 0
    n = len(toks)
    while i < n:
        start, word = toks[i]
        hit = _lookup(word, toks[i + 1][1] if i + 1 < n else None)
        if hit is None:
            i += 1
            continue
        out.append((start, hit[0]))
        i += hit[1]
    return out


def first_metric(text: str) -> Metric | None:
    found = _metric_names(text)
    return found[0] if found else None


def last_metric(text: str) -> Metric | None:
    found = _metric_names(text)
    return found[-1] if found else None


# ---------------------------------------------------------------------------- movement words


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _stems(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_UP_EXACT = _words(
    "gain gains gained higher more larger bigger greater faster better rise rises rising rose "
    "grew speedup speedups speed-up speed-ups uplift uplifts lift lifts advantage advantages "
    "raising beat beats beating up"
)
_UP_PREFIX = _stems(
    "increas improv boost jump grow amplif enhanc accelerat outperform surpass exceed doubl "
    "tripl quadrupl raise"
)
_DOWN_EXACT = _words(
    "lower lowers lowered lowering fewer less smaller cheaper slower shorter cut cuts cutting "
    "save saves saved saving savings fall falls fell shrunk worse lose loses lost "
    "down penalty penalties"
)
_DOWN_PREFIX = _stems(
    "decreas declin drop reduc remov prun degrad shrink compress underperform halv deteriorat "
    "diminish eliminat narrow collaps plummet plung worsen shorten"
)
GOOD_EXACT = _words(
    "gain gains gained better uplift uplifts advantage advantages beat beats beating"
)
GOOD_PREFIX = _stems("improv boost enhanc outperform surpass")
BAD_PREFIX = _stems("worse underperform degrad deteriorat collaps plummet plung")

WORD_RE = re.compile(r"[^\W\d_][\w-]*")
_LOSS_OF_RE = re.compile(r"\s+(?:of|in)\b")


def movement_of(word: str) -> str:
    """'up', 'down' or '' for one lower-cased word."""
    if word in _UP_EXACT or word.startswith(_UP_PREFIX):
        return "up"
    if word in _DOWN_EXACT or word.startswith(_DOWN_PREFIX):
        return "down"
    return ""


# the first three letters of every movement word and prefix (and of "loss"): a word whose
# first three letters are not here has no movement
_MOVE_HEADS = frozenset(
    w[:3] for w in (*_UP_EXACT, *_UP_PREFIX, *_DOWN_EXACT, *_DOWN_PREFIX, "loss", "losses")
)


def last_movement(text: str) -> tuple[str, int]:
    """The last movement word of ``text``: ('up'|'down'|'', offset after it or -1).

    For a word that also names a metric ("speedup", "faster") the offset is its start, so that
    the metric stays in the text after it."""
    low = text.lower()
    if len(low) != len(text):
        return _last_movement_slow(text)
    pos = len(low)
    for word in reversed(WORD_RE.findall(low)):
        # the word's offset: words never overlap and the gaps between them hold no letter, so
        # the last occurrence before the next word's start is the word itself
        pos = low.rfind(word, 0, pos)
        if word[:3] not in _MOVE_HEADS:
            continue
        mv = movement_of(word)
        end = pos + len(word)
        if not mv and word in ("loss", "losses") and _LOSS_OF_RE.match(text, end):
            mv = "down"  # "a loss of", "loss in accuracy" (not "the proposed loss")
        if mv:
            return mv, (pos if word in METRIC_WORDS else end)
    return "", -1


def _last_movement_slow(text: str) -> tuple[str, int]:
    for m in reversed(list(WORD_RE.finditer(text))):
        word = m.group(0).lower()
        mv = movement_of(word)
        if not mv and word in ("loss", "losses") and _LOSS_OF_RE.match(text, m.end()):
            mv = "down"
        if mv:
            return mv, (m.start() if word in METRIC_WORDS else m.end())
    return "", -1


def good_or_bad(text: str) -> str:
    """'worse' if a word of ``text`` says worse, 'better' if one says better, else ''."""
    good = False
    for w in _lower_words(WORD_RE, text):
        if w.startswith(BAD_PREFIX):
            return "worse"
        if w in GOOD_EXACT or w.startswith(GOOD_PREFIX):
            good = True
    return "better" if good else ""


# nouns of a change, right before "of"/"by" or right after a number
CHANGE_NOUN = (
    r"improvements?|increases?|gains?|boosts?|drops?|declines?|decreases?|reductions?|"
    r"degradations?|loss(?:es)?|enhancements?|uplifts?|lifts?|rises?|jumps?|speed-?ups?|"
    r"accelerations?|savings?|cuts?|increments?|growth|deteriorations?|penalty|overheads?|"
    r"advantages?|leads?|margins?|slowdowns?|decays?|regressions?"
)
