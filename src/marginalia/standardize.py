"""Stage 3: put every reported comparison on one model scale per family, with a sampling SE.

:func:`standardize` joins ``results/effects.parquet`` with the papers table (for the paper's
hedge) and the benchmark registry (test-set size ``n``, metric kind, scale) and returns the
``standardized`` table (the effects columns plus :data:`ADDED`). Rules, in the order applied
(:data:`RULES` holds the same list for the report's methods section):

Sign. ``y`` is positive when the paper's method comes out better, in both families: its
magnitude comes from the stated number and its sign from ``direction`` (``worse`` -> negative).
When ``direction`` is missing, the sign of the stated change and ``lower_is_better`` decide;
when both are missing the comparison is excluded.

Families.
- ``pp`` (percentage points): bounded 0-100 metrics (accuracy, F1, win rate, pass@k,
  correlation x 100, ...). ``percent``/``absolute``: the stated difference. ``percent``/
  ``ambiguous``: treated as points and marked in ``scale_note``. ``percent``/``relative``:
  converted through the baseline, ``baseline x delta / 100``, when the baseline is stated (or
  follows exactly from a stated treatment value); without one it cannot be put in points and
  is excluded. ``points`` on a known bounded metric: rescaled to 0-100 by ``100 / scale_max``
  (a 0-1 accuracy or correlation x 100; MT-Bench's 0-10 x 10). ``points`` on a metric of
  unknown range are read as points when the stated levels lie within 0-100
  (``standardize.unknown_scale_points``), else excluded.
- ``log_ratio``: ratios, speedups and relative changes of unbounded quantities (time, cost,
  FID, perplexity, ...), ``y = ± |ln(factor)|``: ``ratio`` -> the stated factor; a percent change
  ``d`` -> ``1 + d/100`` (also a ``relative`` percent of a metric whose range is unknown); points
  on an unbounded metric with both levels -> treatment/baseline. A ratio needs ``direction``
  (a stated factor is a magnitude: "10x fewer" is 10).
  Efficiency comparisons (``aspect: efficiency``) are never ``pp``: they go here
  (``standardize.efficiency: log_ratio``, default) or are excluded (``exclude``).
- ``excluded``: fraction and percent-of-reference *levels* ("1/3 of the comparisons", "<1% of
  the original training cost", "30-50% of the data": unit ``fraction``, or a relative percent
  followed by "of", or a positive percent of a lower-is-better quantity called better) are
  levels, not changes: excluded (``standardize.levels: exclude``, default) or read as the factor
  ``level`` (``log_ratio``). Also excluded, each with its reason: missing delta, no sign,
  additive changes of unbounded or unknown-range metrics without both levels, factors <= 0,
  and pp differences beyond ``standardize.max_abs_pp``.

Sampling SE (family ``pp`` only; ``se`` is in pp like ``y``), from the registry's ``n``:
- proportion: difference of two independent binomial proportions on ``n`` items,
  ``100 sqrt(p1 (1 - p1) / n + p2 (1 - p2) / n)``, with ``p1`` the baseline (stated, or treatment
  minus change, or the registry's ``typical_baseline``) and ``p2 = p1 + change``. Both systems
  are scored on the same items, which are positively correlated in practice, so this unpaired
  SE is an upper bound of the paired one (the power stage can use McNemar). Without any
  baseline, ``standardize.missing_baseline: max_variance`` (default) uses the bound
  ``p (1 - p) <= 1/4``: ``se = 100 sqrt(0.5 / n)``, an upper bound; ``omit`` leaves se empty.
- correlation: Fisher z delta method, ``se(r) = (1 - r^2) / sqrt(n - 3)`` per system, combined
  as for two independent estimates, x 100; without a baseline the bound at ``r = 0``.
- mean_score (MT-Bench): ``item_sd sqrt(2 / n)`` (two independent means of ``n`` items with
  the registry's per-item SD), rescaled like ``y`` by ``100 / scale_max``.
- bleu: left empty: BLEU is a corpus-level statistic whose SE needs (paired) bootstrap
  resampling of the test set (Koehn 2004); ``n`` alone does not give it.
- score (F1, aggregate scores), unknown metric kinds, log ratios: left empty, with the reason.
- unknown ``n`` (no benchmark named, benchmark not in the registry, or registry ``n: null``):
  empty, with the reason in ``se_reason``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from marginalia.columns import EFFECTS
from marginalia.errors import MarginaliaError

ADDED = [
    "family",
    "y",
    "se",
    "se_reason",
    "n",
    "baseline_level",
    "metric_kind",
    "paper_hedge",
    "in_model",
    "exclusion_reason",
    "scale_note",
]
STANDARDIZED = EFFECTS + ADDED
FAMILIES = ("pp", "log_ratio", "excluded")

DEFAULTS: dict[str, Any] = {
    "missing_baseline": "max_variance",
    "efficiency": "log_ratio",
    "levels": "exclude",
    "unknown_scale_points": True,
    "max_abs_pp": 100.0,
}
_CHOICES = {
    "missing_baseline": ("max_variance", "omit"),
    "efficiency": ("log_ratio", "exclude"),
    "levels": ("exclude", "log_ratio"),
}

RULES: tuple[str, ...] = (
    "Sign: y > 0 means the paper's method is better, in both families; the size comes from "
    "the stated number and the sign from `direction` (worse -> negative), else from the sign "
    "of the change and the metric's polarity.",
    "pp: bounded 0-100 metrics (accuracy, F1, win rate, pass@k, correlation x 100): the "
    "difference in percentage points; absolute percents as stated; ambiguous percents read as "
    "points and marked; relative percents converted through a stated baseline "
    "(baseline x delta / 100), else excluded; scores on a 0-1 or 0-10 scale rescaled to 0-100.",
    "log_ratio: ratios, speedups and percent changes of unbounded quantities (time, cost, FID, "
    "perplexity): y = ±|ln factor|, factor = stated ratio or 1 + percent/100. Efficiency "
    "comparisons are never pp.",
    "Excluded (with a reason): fraction and percent-of-reference levels ('1/3 of the "
    "comparisons', '<1% of the cost'), changes without a sign, additive changes of unbounded "
    "or unknown-range metrics without both levels, impossible values.",
    "SE of a pp difference on a benchmark with n test items: proportions "
    "100 sqrt(p1(1-p1)/n + p2(1-p2)/n) at the stated (else derived, else typical) baseline, an "
    "unpaired upper bound; without a baseline the bound p = 0.5, 100 sqrt(0.5/n).",
    "SE of correlations by the Fisher-z delta method (1 - r^2)/sqrt(n - 3) per system; of mean "
    "scores (MT-Bench) item_sd sqrt(2/n); BLEU, F1-type scores, log ratios and comparisons "
    "without a known n get no SE (the model estimates their noise).",
)

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


@dataclass(frozen=True)
class Standardized:
    """The columns :func:`standardize` adds to one effect."""

    family: str
    y: float = math.nan
    se: float = math.nan
    se_reason: str = ""
    n: int | None = None
    baseline_level: float = math.nan
    metric_kind: str | None = None
    in_model: bool = False
    exclusion_reason: str = ""
    scale_note: str = ""


# --------------------------------------------------------------------------- configuration


def check_standardize_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults filled in and values checked; errors name the ``standardize.*`` key."""
    cfg = dict(DEFAULTS)
    if config is None:
        return cfg
    if not isinstance(config, Mapping):
        raise MarginaliaError("config key standardize: must be a mapping of settings")
    unknown = sorted(set(config) - set(DEFAULTS))
    if unknown:
        raise MarginaliaError(
            f"config key standardize: unknown key(s) {unknown}; allowed: {', '.join(DEFAULTS)}"
        )
    cfg.update(config)
    for key, choices in _CHOICES.items():
        if cfg[key] not in choices:
            raise MarginaliaError(
                f"config key standardize.{key}: {cfg[key]!r} is not one of {', '.join(choices)}"
            )
    if not isinstance(cfg["unknown_scale_points"], bool):
        raise MarginaliaError("config key standardize.unknown_scale_points: give true or false")
    m = cfg["max_abs_pp"]
    if isinstance(m, bool) or not isinstance(m, int | float) or not m > 0:
        raise MarginaliaError(
            f"config key standardize.max_abs_pp: {m!r} is not a positive number (default 100)"
        )
    cfg["max_abs_pp"] = float(m)
    return cfg


# --------------------------------------------------------------------------- small helpers


def _num(value: Any) -> float:
    if value is None or value is pd.NA:
        return math.nan
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out if math.isfinite(out) else math.nan


def _text(value: Any) -> str:
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return str(value).strip()


def _bool(value: Any) -> bool | None:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in ("true", "1", "yes"):
            return True
        if low in ("false", "0", "no"):
            return False
        return None
    return bool(value)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


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


class _Lookup:
    """Registry access for Registry objects (registry.Registry) and plain mappings."""

    def __init__(self, registry: Any):
        if registry is None or hasattr(registry, "canonical"):
            self._reg = registry
        elif isinstance(registry, Mapping):
            from marginalia.registry import registry_from_mapping

            data = registry if "benchmarks" in registry else {"benchmarks": dict(registry)}
            self._reg = registry_from_mapping(data, "<registry dict>")
        else:
            raise MarginaliaError(
                f"standardize: registry must be a registry.Registry or a mapping, "
                f"not {type(registry).__name__}"
            )

    def entry(self, benchmark: str) -> tuple[str | None, dict[str, Any] | None]:
        if not benchmark or self._reg is None:
            return None, None
        canon = self._reg.canonical(benchmark)
        if canon is None:
            return None, None
        return canon, dict(self._reg.get(canon))


# --------------------------------------------------------------------------- one effect


def _sign(direction: str, change: float, lower_is_better: bool | None) -> int | None:
    """+1 if the paper's method is better, -1 if worse, None if unknown."""
    if direction == "better":
        return 1
    if direction == "worse":
        return -1
    if lower_is_better is None or not math.isfinite(change) or change == 0:
        return None
    return (-1 if lower_is_better else 1) * (1 if change > 0 else -1)


def _sign_note(direction: str, change: float, lower_is_better: bool | None) -> str:
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


def _excluded(reason: str, kind: str | None = None, note: str = "") -> Standardized:
    return Standardized(
        family="excluded",
        se_reason="excluded: " + reason,
        metric_kind=kind,
        exclusion_reason=reason,
        scale_note=note,
    )


def _is_level(unit: str, scale: str, delta: float, span: str, lib: bool | None, d: str) -> bool:
    if unit == "fraction":
        return True
    if unit != "percent" or scale != "relative":
        return False
    if _PERCENT_OF.search(span):
        return True
    # "30-50% of the data" written as a positive percent of a lower-is-better quantity that
    # the text calls better: a level, since an increase of such a quantity cannot be better.
    return delta > 0 and lib is True and d == "better"


def _level_factor(unit: str, delta: float) -> float:
    if unit == "fraction":
        return 1.0 + delta if delta < 0 else delta
    return delta / 100.0


def _log_ratio(factor: float, sign: int, kind: str | None, note: str) -> Standardized:
    if not (math.isfinite(factor) and factor > 0):
        return _excluded(f"factor {_fmt(factor)} is not positive: no log ratio", kind, note)
    y = sign * abs(math.log(factor))
    return Standardized(
        family="log_ratio",
        y=y + 0.0,
        se_reason=(
            "no sampling model for log ratios (speedups, relative changes): se left empty; "
            "the model estimates their noise"
        ),
        metric_kind=kind,
        in_model=True,
        scale_note="; ".join(
            filter(None, [note, "y = ±ln(factor), > 0: the paper's method is better"])
        ),
    )


def standardize_effect(
    row: Mapping[str, Any], lookup: _Lookup, cfg: Mapping[str, Any]
) -> Standardized:
    """Family, model-scale ``y``, ``se`` and notes of one effect (a row of the effects table)."""
    aspect = _text(row.get("aspect")).lower()
    unit = _text(row.get("unit")).lower()
    scale = _text(row.get("scale")).lower()
    direction = _text(row.get("direction")).lower()
    lib = _bool(row.get("lower_is_better"))
    delta = _num(row.get("delta"))
    base = _num(row.get("baseline"))
    treat = _num(row.get("treatment"))
    span = _text(row.get("span"))
    metric = _text(row.get("metric"))
    bench = _text(row.get("benchmark"))

    canon, entry = lookup.entry(bench)
    named = metric_class(metric)
    efficiency = aspect == "efficiency"
    if efficiency or named == "unbounded":
        kind: str | None = None
    elif named is not None:
        kind = named
    elif entry is not None:
        kind = entry["metric_kind"]
    else:
        kind = None
    notes: list[str] = []

    if not math.isfinite(delta):
        return _excluded("no numeric delta", kind)
    if unit not in ("percent", "points", "ratio", "fraction"):
        return _excluded(f"unknown unit {unit!r}", kind)
    if efficiency and cfg["efficiency"] == "exclude":
        return _excluded(
            "efficiency comparison (time, compute, data, size, cost); standardize.efficiency "
            "is 'exclude'",
            kind,
        )

    # ---- levels: fractions and percent-of-reference
    if _is_level(unit, scale, delta, span, lib, direction):
        factor = _level_factor(unit, delta)
        what = f"a level of {_fmt(factor)} times the reference"
        if cfg["levels"] == "exclude":
            return _excluded(
                f"fraction / percent-of-reference level ({what}), not a change; kept out of "
                "the pp and log_ratio models (standardize.levels: exclude)",
                kind,
            )
        sign = _sign(direction, factor - 1.0, lib)
        if sign is None:
            return _excluded("direction unknown (no direction, polarity unknown)", kind)
        return _log_ratio(factor, sign, kind, f"{what}, read as the factor {_fmt(factor)}")

    unbounded = efficiency or named == "unbounded"

    # ---- ratios
    if unit == "ratio":
        # A stated factor is a magnitude ("10x fewer" is 10): only `direction` gives its sign.
        if direction not in ("better", "worse"):
            return _excluded("ratio without a direction: its sign is unknown", kind)
        return _log_ratio(delta, 1 if direction == "better" else -1, kind, "stated factor")

    # ---- percent changes of unbounded quantities (and efficiency): factor 1 + d/100
    if unit == "percent" and (unbounded or (scale == "relative" and kind is None)):
        sign = _sign(direction, delta, lib)
        if sign is None:
            return _excluded("direction unknown (no direction, polarity unknown)", kind)
        if unbounded:
            note = "percent change of an unbounded quantity"
            if scale != "relative":
                note += f" (scale '{scale}' read as relative)"
        else:
            note = "relative percent change of a metric of unknown range, read as a factor"
        note = "; ".join(filter(None, [note, _sign_note(direction, delta, lib)]))
        return _log_ratio(1.0 + delta / 100.0, sign, kind, note)

    # ---- points on unbounded metrics: a ratio when both levels are stated
    if unit == "points" and unbounded:
        if math.isfinite(base) and math.isfinite(treat) and base > 0 and treat > 0:
            change = treat - base
            sign = _sign(direction, change, lib)
            if sign is None:
                return _excluded("direction unknown (no direction, polarity unknown)", kind)
            note = f"levels {_fmt(base)} -> {_fmt(treat)} of an unbounded metric, as a ratio"
            return _log_ratio(treat / base, sign, kind, note)
        return _excluded(
            f"additive change of an unbounded metric ({metric or 'unnamed'}) without both "
            "levels: neither percentage points nor a ratio",
            kind,
        )

    # ---- pp family: the scale of the stated levels, the change in pp
    scale_max = float(entry["scale_max"]) if entry is not None else 100.0
    if unit == "percent":
        to_pp = 1.0  # the metric is reported in percent
        level_scale = 100.0
        if scale == "relative":
            b = base
            how = "stated baseline"
            if not math.isfinite(b) and math.isfinite(treat) and delta > -100:
                b = treat / (1.0 + delta / 100.0)
                how = "baseline from the stated treatment"
            if not math.isfinite(b):
                return _excluded(
                    "relative change of a bounded metric without a stated baseline: cannot be "
                    "put in percentage points",
                    kind,
                )
            change_pp = b * delta / 100.0
            base_pp = b
            notes.append(f"relative {_fmt(delta)}% of the {how} {_fmt(b)} = {_fmt(change_pp)} pp")
        else:
            change_pp = delta
            base_pp = base if math.isfinite(base) else treat - delta
            if scale == "ambiguous":
                notes.append("ambiguous percent treated as percentage points")
            elif scale != "absolute":
                notes.append(f"scale {scale!r} read as absolute percentage points")
    else:  # points
        levels = [v for v in (base, treat) if math.isfinite(v)]
        if kind is None:
            inside = levels and all(0.0 <= v <= 100.0 for v in levels)
            if not (cfg["unknown_scale_points"] and inside):
                return _excluded(
                    f"points on a metric of unknown range ({metric or 'unnamed'}) without "
                    "stated levels inside 0-100",
                    kind,
                )
            level_scale = 100.0
            notes.append("metric range unknown; stated levels within 0-100 read as points")
        elif (
            kind in ("proportion", "correlation", "score")
            and levels
            and all(abs(v) <= 1.0 for v in levels)
            and abs(delta) <= 1.0
        ):
            level_scale = 1.0
            notes.append("levels on a 0-1 scale, x 100")
        else:
            level_scale = scale_max
            if level_scale != 100.0:
                notes.append(f"rescaled from 0-{_fmt(level_scale)} to 0-100")
        to_pp = 100.0 / level_scale
        change_pp = delta * to_pp
        base_pp = (base if math.isfinite(base) else treat - delta) * to_pp

    sign = _sign(direction, change_pp, lib)
    if sign is None:
        return _excluded("direction unknown (no direction, polarity unknown)", kind)
    sign_note = _sign_note(direction, change_pp, lib)
    if sign_note:
        notes.append(sign_note)
    y = sign * abs(change_pp) + 0.0
    if abs(y) > cfg["max_abs_pp"]:
        return _excluded(
            f"|y| = {_fmt(abs(y))} pp exceeds standardize.max_abs_pp = {_fmt(cfg['max_abs_pp'])}",
            kind,
            "; ".join(notes),
        )
    notes.append("y > 0: the paper's method is better")

    se, se_reason, n, baseline_level = _pp_se(
        kind, canon, bench, entry, base_pp, change_pp, level_scale, cfg
    )
    if not se > 0 and math.isfinite(se):
        se, se_reason = math.nan, f"sampling variance is 0 at the stated levels ({se_reason})"
    return Standardized(
        family="pp",
        y=y,
        se=se,
        se_reason=se_reason,
        n=n,
        baseline_level=baseline_level,
        metric_kind=kind,
        in_model=True,
        scale_note="; ".join(notes),
    )


def _pp_se(
    kind: str | None,
    canon: str | None,
    bench: str,
    entry: Mapping[str, Any] | None,
    base_pp: float,
    change_pp: float,
    level_scale: float,
    cfg: Mapping[str, Any],
) -> tuple[float, str, int | None, float]:
    """(se in pp, se_reason, n, baseline_level on the registry's scale) of a pp effect."""
    nan = math.nan
    if not bench:
        return nan, "no benchmark named: test-set size n unknown", None, nan
    if entry is None:
        return nan, f"benchmark {bench!r} is not in the registry: n unknown", None, nan
    n = entry.get("n")
    scale_max = float(entry["scale_max"])
    # The baseline used, on the registry's scale; derived from the text when stated.
    p_source = ""
    base_level = nan
    if math.isfinite(base_pp):
        base_level = base_pp * scale_max / 100.0
        p_source = "stated baseline"
        base_level = round(base_level, 10)
    elif entry.get("typical_baseline") is not None:
        base_level = float(entry["typical_baseline"])
        base_pp = base_level * 100.0 / scale_max
        p_source = "registry typical_baseline"
    if n is None:
        why = entry.get("source", "")
        return nan, f"registry gives no n for {canon} ({why})", None, base_level
    n = int(n)
    if kind == "proportion":
        if math.isfinite(base_pp):
            p1 = min(max(base_pp / 100.0, 0.0), 1.0)
            p2 = min(max(p1 + change_pp / 100.0, 0.0), 1.0)
            var = p1 * (1 - p1) / n + p2 * (1 - p2) / n
            if var <= 0:
                return nan, "binomial variance is 0 at the stated levels", n, base_level
            se = 100.0 * math.sqrt(var)
            return (
                se,
                f"binomial, two independent proportions on n={n} ({canon}) at p1={p1:.4g} "
                f"({p_source}), p2={p2:.4g}: 100 sqrt(p1(1-p1)/n + p2(1-p2)/n)",
                n,
                base_level,
            )
        if cfg["missing_baseline"] == "max_variance":
            return (
                100.0 * math.sqrt(0.5 / n),
                f"binomial upper bound at p=0.5 (no stated or typical baseline), n={n} "
                f"({canon}): 100 sqrt(0.5/n)",
                n,
                nan,
            )
        return (
            nan,
            f"no baseline for the binomial SE (n={n}, {canon}); standardize.missing_baseline "
            "is 'omit'",
            n,
            nan,
        )
    if kind == "correlation":
        if n <= 3:
            return nan, f"n={n} too small for the Fisher-z SE (needs n > 3)", n, base_level
        if math.isfinite(base_pp):
            r1 = min(max(base_pp / 100.0, -1.0), 1.0)
            r2 = min(max(r1 + change_pp / 100.0, -1.0), 1.0)
            se = 100.0 * math.sqrt(((1 - r1**2) ** 2 + (1 - r2**2) ** 2) / (n - 3))
            return (
                se,
                f"Fisher z delta method, (1-r^2)/sqrt(n-3) per system, two independent "
                f"correlations on n={n} ({canon}) at r1={r1:.4g} ({p_source}), r2={r2:.4g}",
                n,
                base_level,
            )
        if cfg["missing_baseline"] == "max_variance":
            return (
                100.0 * math.sqrt(2.0 / (n - 3)),
                f"Fisher z delta method, upper bound at r=0 (no baseline), n={n} ({canon}): "
                "100 sqrt(2/(n-3))",
                n,
                nan,
            )
        return nan, f"no baseline for the correlation SE (n={n}, {canon})", n, nan
    if kind == "mean_score":
        item_sd = entry.get("item_sd")
        if item_sd is None:
            return nan, f"registry gives no item_sd for {canon}", n, base_level
        se = float(item_sd) * math.sqrt(2.0 / n) * 100.0 / level_scale
        return (
            se,
            f"mean score: item_sd={_fmt(float(item_sd))} x sqrt(2/n), n={n} ({canon}), "
            f"x 100/{_fmt(level_scale)}",
            n,
            base_level,
        )
    if kind == "bleu":
        return (
            nan,
            "BLEU is a corpus-level statistic: its SE needs bootstrap resampling of the test set "
            "(Koehn 2004), not available from n alone",
            n,
            base_level,
        )
    if kind == "score":
        return (
            nan,
            f"metric kind 'score' (F1-type or aggregate score) has no sampling model from n={n}",
            n,
            base_level,
        )
    return nan, "metric kind unknown: no sampling model", n, base_level


# --------------------------------------------------------------------------- the table


def standardize(
    effects_df: pd.DataFrame,
    papers_df: pd.DataFrame | None,
    registry: Any,
    config: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The ``standardized`` table: every effects column plus :data:`ADDED`, one row per effect.

    ``registry`` is a :class:`marginalia.registry.Registry` (or a mapping in the YAML shape,
    or None); ``config`` is the ``standardize`` config section (missing keys take
    :data:`DEFAULTS`). ``paper_hedge`` is the paper's ``hedge`` from ``papers_df`` (NA when the
    paper is missing there). Rows with family ``excluded`` have ``y`` NA and ``in_model``
    False; every other row has ``in_model`` True.
    """
    cfg = check_standardize_config(config)
    missing = [c for c in EFFECTS if c not in effects_df.columns]
    if missing:
        raise MarginaliaError(
            f"effects table: missing column(s) {missing}; rerun the extract stage "
            "(results/effects.parquet must have the DESIGN.md columns)"
        )
    lookup = _Lookup(registry)
    out = effects_df[EFFECTS].copy().reset_index(drop=True)
    results = [standardize_effect(row, lookup, cfg) for row in out.to_dict("records")]

    out["family"] = pd.Series([r.family for r in results], dtype="string")
    out["y"] = np.array([r.y for r in results], dtype=float)
    out["se"] = np.array([r.se for r in results], dtype=float)
    out["se_reason"] = pd.Series([r.se_reason for r in results], dtype="string")
    out["n"] = pd.array([r.n for r in results], dtype="Int64")
    out["baseline_level"] = np.array([r.baseline_level for r in results], dtype=float)
    out["metric_kind"] = pd.Series([r.metric_kind for r in results], dtype="string")
    hedge = {}
    if papers_df is not None and len(papers_df):
        if not {"paper_id", "hedge"} <= set(papers_df.columns):
            raise MarginaliaError(
                "papers table: needs columns paper_id and hedge; rerun the extract stage"
            )
        hedge = dict(zip(papers_df["paper_id"], papers_df["hedge"], strict=True))
    out["paper_hedge"] = pd.Series(
        [hedge.get(pid, pd.NA) for pid in out["paper_id"]], dtype="string"
    )
    out["in_model"] = np.array([r.in_model for r in results], dtype=bool)
    out["exclusion_reason"] = pd.Series([r.exclusion_reason for r in results], dtype="string")
    out["scale_note"] = pd.Series([r.scale_note for r in results], dtype="string")
    return out[STANDARDIZED]
