"""Sampling SE of a percentage-point effect from the benchmark registry, with its reason.

:func:`pp_se` picks the sampling model by metric kind and states in words what it assumed
(the formulas are in :mod:`marginalia.sampling_error`):

- proportion: two independent binomial proportions on ``n`` items at the baseline ``p1``
  (stated, or treatment minus change, or the registry's ``typical_baseline``) and
  ``p2 = p1 + change``: an upper bound of the paired SE, since both systems are scored on the
  same, positively correlated, items. Without any baseline, ``standardize.missing_baseline:
  max_variance`` (default) uses the bound ``p (1 - p) <= 1/4``, ``100 sqrt(0.5 / n)``; ``omit``
  leaves se empty.
- correlation: Fisher z delta method per system, x 100; without a baseline the bound at ``r = 0``.
- mean_score (MT-Bench): ``item_sd sqrt(2 / n)``, rescaled like ``y`` by ``100 / scale_max``.
- bleu: empty: BLEU is a corpus-level statistic whose SE needs (paired) bootstrap resampling of
  the test set (Koehn 2004); ``n`` alone does not give it.
- score (F1, aggregate scores), unknown metric kinds: empty, with the reason.
- unknown ``n`` (no benchmark named, benchmark not in the registry, or registry ``n: null``):
  empty, with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from marginalia.sampling_error import mean_score_se, two_correlation_se, two_proportion_se


def fmt(x: float) -> str:
    """A number in a note or reason: 4 significant digits."""
    return f"{x:.4g}"


def pp_se(
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
            se = two_proportion_se(n, p1, p2)
            if se <= 0:
                return nan, "binomial variance is 0 at the stated levels", n, base_level
            return (
                100.0 * se,
                f"binomial, two independent proportions on n={n} ({canon}) at p1={p1:.4g} "
                f"({p_source}), p2={p2:.4g}: 100 sqrt(p1(1-p1)/n + p2(1-p2)/n)",
                n,
                base_level,
            )
        if cfg["missing_baseline"] == "max_variance":
            return (
                100.0 * two_proportion_se(n, 0.5),
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
            return (
                100.0 * two_correlation_se(n, r1, r2),
                f"Fisher z delta method, (1-r^2)/sqrt(n-3) per system, two independent "
                f"correlations on n={n} ({canon}) at r1={r1:.4g} ({p_source}), r2={r2:.4g}",
                n,
                base_level,
            )
        if cfg["missing_baseline"] == "max_variance":
            return (
                100.0 * two_correlation_se(n, 0.0, 0.0),
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
        se = mean_score_se(float(item_sd), n) * 100.0 / level_scale
        return (
            se,
            f"mean score: item_sd={fmt(float(item_sd))} x sqrt(2/n), n={n} ({canon}), "
            f"x 100/{fmt(level_scale)}",
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
