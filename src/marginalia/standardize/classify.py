"""What a reported comparison is, before it is put on a scale.

- :func:`metric_class`: the kind of a metric named in the text (unbounded, bleu, correlation,
  score, proportion), from its name alone.
- :func:`is_level` and :func:`level_factor`: fraction and percent-of-reference *levels* ("1/3 of
  the comparisons", "<1% of the original training cost") rather than changes.
- :func:`sign_of` and :func:`sign_note`: whether the paper's method comes out better (+1) or worse
  (-1), from ``direction``, else from the sign of the change and the metric's polarity.
"""

from __future__ import annotations

import math
import re

# Metric names: checked in this order; the first match decides the metric's kind.
_UNBOUNDED = re.compile(
    r"\b(fid|fr[eé]chet|inception score|kid|lpips|perplexity|ppl|loss|nll|"
    r"squared error|absolute error|mse|rmse|mae|bits?[- ]per[- ]\w+|bpd|bpc|"
    r"latency|run\s?time|time|times|speed|speedup|throughput|memory|flops|cost|costs|"
    r"emissions?|energy|size|parameters|tokens|steps|distance|gap)\b",
    re.IGNORECASE,
)
_BLEU = re.compile(r"\b(sacre)?bleu\b", re.IGNORECASE)
_CORRELATION = re.compile(r"\b(correlation|spearman|pearson|kendall|matthews|mcc)\b", re.IGNORECASE)
_SCORE = re.compile(
    r"\b(f1|f-1|f-?score|f-measure|rouge(-\w+)?|meteor|chrf\+*|bertscore|au-?roc|auc|auprc|"
    r"map|ndcg(@\d+)?|mrr|m?iou|dice)\b",
    re.IGNORECASE,
)
_PROPORTION = re.compile(
    r"\b(acc|accuracy|accuracies|exact[- ]match|em|pass@\s*\d+|pass rate|win[- ]?rates?|"
    r"success rates?|solve rates?|resolve rates?|hit rates?|hits@\s*\d+|recall@\s*\d+|"
    r"top-?\d+|error rates?|errors?|coverage|agreement|attack success|asr|wer|cer|"
    r"precision|recall)\b",
    re.IGNORECASE,
)
_PERCENT_OF = re.compile(r"(?:\\?%|percent)\s*\)?\s+(?:of|the\s+size\s+of)\b", re.IGNORECASE)


def metric_class(metric: str) -> str | None:
    """Kind of a metric named in the text: unbounded, bleu, correlation, score, proportion.

    None when the name says nothing about the kind ("performance", "GSM8K score", empty).
    """
    if not metric:
        return None
    for kind, pattern in (
        ("unbounded", _UNBOUNDED),
        ("bleu", _BLEU),
        ("correlation", _CORRELATION),
        ("score", _SCORE),
        ("proportion", _PROPORTION),
    ):
        if pattern.search(metric):
            return kind
    return None


def is_level(unit: str, scale: str, delta: float, span: str, lib: bool | None, d: str) -> bool:
    """Whether the stated number is a level relative to a reference, not a change.

    ``lib`` is ``lower_is_better`` and ``d`` the ``direction``.
    """
    if unit == "fraction":
        return True
    if unit != "percent" or scale != "relative":
        return False
    if _PERCENT_OF.search(span):
        return True
    # "30-50% of the data" written as a positive percent of a lower-is-better quantity that
    # the text calls better: a level, since an increase of such a quantity cannot be better.
    return delta > 0 and lib is True and d == "better"


def level_factor(unit: str, delta: float) -> float:
    """The level as a factor of the reference (a fraction, or a percent / 100)."""
    if unit == "fraction":
        return 1.0 + delta if delta < 0 else delta
    return delta / 100.0


def sign_of(direction: str, change: float, lower_is_better: bool | None) -> int | None:
    """+1 if the paper's method is better, -1 if worse, None if unknown."""
    if direction == "better":
        return 1
    if direction == "worse":
        return -1
    if lower_is_better is None or not math.isfinite(change) or change == 0:
        return None
    return (-1 if lower_is_better else 1) * (1 if change > 0 else -1)


def sign_note(direction: str, change: float, lower_is_better: bool | None) -> str:
    """A note when the stated direction contradicts the sign of the change and the polarity."""
    if direction not in ("better", "worse") or lower_is_better is None:
        return ""
    if not math.isfinite(change) or change == 0:
        return ""
    implied = (-1 if lower_is_better else 1) * (1 if change > 0 else -1)
    stated = 1 if direction == "better" else -1
    if implied != stated:
        return f"direction '{direction}' overrides the sign implied by the change and polarity"
    return ""
