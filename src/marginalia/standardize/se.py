"""Sampling SE of a percentage-point effect from the benchmark registry, with its reason.

:func:`pp_se` picks the sampling model by metric kind and states in words what it assumed
(the formulas are in :mod:`marginalia.sampling_error`). Both systems are scored on the same
test set, so the default SE is that of a **paired** comparison (DESIGN.md §3), ``se_kind``:

- proportion (``paired``): McNemar, ``sqrt(disc / n)`` with the disagreement rate ``disc = 1 -
  P_a`` from Card et al.'s (2020) agreement regression at the baseline accuracy (stated, or
  treatment minus change, or the registry's ``typical_baseline``), evaluated at a change of 0
  so that the SE does not depend on the reported ``y``. Without any baseline,
  ``standardize.missing_baseline: max_variance`` (default) uses the largest disagreement the
  regression allows over all baselines (0.454 at p = 0.23); ``omit`` leaves se empty.
- mean_score (MT-Bench, ``paired_mean``): ``item_sd sqrt(2 (1 - 0.5) / n)``, the SD of paired
  differences with a correlation of 0.5 between the two systems' scores on an item, rescaled
  like ``y`` by ``100 / scale_max``.
- correlation (``unpaired_approx``): Fisher z delta method per system, x 100, as two independent
  estimates (the correlation of the two systems' errors is unknown); without a baseline the
  bound at ``r = 0``.
- bleu: empty: BLEU is a corpus-level statistic whose SE needs (paired) bootstrap resampling of
  the test set (Koehn 2004); ``n`` alone does not give it.
- score (F1, aggregate scores), unknown metric kinds: empty, with the reason.
- unknown ``n`` (no benchmark named, benchmark not in the registry, or registry ``n: null``):
  empty, with the reason.

``se_unpaired`` is the two-independent-samples SE of the same comparison (binomial at the
baseline and the treatment level; mean scores with correlation 0): an upper bound of the paired
SE, used by the model's unpaired-SE sensitivity fit and for the disagreement band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from marginalia.sampling_error import (
    MAX_DISAGREEMENT,
    mcnemar_se,
    mean_score_se,
    two_correlation_se,
    two_proportion_se,
)

#: correlation of two systems' scores on an item, for the paired SE of mean scores (DESIGN §3)
PAIRED_MEAN_CORRELATION = 0.5


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
) -> tuple[float, str, int | None, float, str, float]:
    """(se in pp, se_reason, n, baseline_level on the registry's scale, se_kind (empty when se
    is), se_unpaired in pp) of a pp effect; see the module docstring."""
    nan = math.nan
    if not bench:
        return nan, "no benchmark named: test-set size n unknown", None, nan, "", nan
    if entry is None:
        return nan, f"benchmark {bench!r} is not in the registry: n unknown", None, nan, "", nan
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
        return nan, f"registry gives no n for {canon} ({why})", None, base_level, "", nan
    n = int(n)
    if kind == "proportion":
        if math.isfinite(base_pp):
            p1 = min(max(base_pp / 100.0, 0.0), 1.0)
            p2 = min(max(p1 + change_pp / 100.0, 0.0), 1.0)
            unpaired = 100.0 * two_proportion_se(n, p1, p2)
            se = 100.0 * mcnemar_se(n, p1, 0.0)
            if se <= 0:
                return nan, "paired variance is 0 at the stated levels", n, base_level, "", unpaired
            return (
                se,
                f"paired (McNemar) on n={n} ({canon}) at baseline p={p1:.4g} ({p_source}), "
                "disagreement from Card et al. (2020) at a change of 0: 100 sqrt((1 - P_a)/n); "
                f"unpaired {fmt(unpaired)}",
                n,
                base_level,
                "paired",
                unpaired,
            )
        if cfg["missing_baseline"] == "max_variance":
            return (
                100.0 * math.sqrt(MAX_DISAGREEMENT / n),
                f"paired (McNemar) upper bound, largest disagreement of Card et al.'s regression "
                f"({MAX_DISAGREEMENT:.3f}; no stated or typical baseline), n={n} ({canon})",
                n,
                nan,
                "paired",
                100.0 * two_proportion_se(n, 0.5),
            )
        return (
            nan,
            f"no baseline for the paired SE (n={n}, {canon}); standardize.missing_baseline "
            "is 'omit'",
            n,
            nan,
            "",
            nan,
        )
    if kind == "correlation":
        if n <= 3:
            return nan, f"n={n} too small for the Fisher-z SE (needs n > 3)", n, base_level, "", nan
        if math.isfinite(base_pp):
            r1 = min(max(base_pp / 100.0, -1.0), 1.0)
            r2 = min(max(r1 + change_pp / 100.0, -1.0), 1.0)
            se = 100.0 * two_correlation_se(n, r1, r2)
            return (
                se,
                f"approximate: Fisher z delta method, (1-r^2)/sqrt(n-3) per system, two "
                f"independent correlations on n={n} ({canon}) at r1={r1:.4g} ({p_source}), "
                f"r2={r2:.4g}",
                n,
                base_level,
                "unpaired_approx",
                se,
            )
        if cfg["missing_baseline"] == "max_variance":
            se = 100.0 * two_correlation_se(n, 0.0, 0.0)
            return (
                se,
                f"approximate: Fisher z delta method, upper bound at r=0 (no baseline), n={n} "
                f"({canon}): 100 sqrt(2/(n-3))",
                n,
                nan,
                "unpaired_approx",
                se,
            )
        return nan, f"no baseline for the correlation SE (n={n}, {canon})", n, nan, "", nan
    if kind == "mean_score":
        item_sd = entry.get("item_sd")
        if item_sd is None:
            return nan, f"registry gives no item_sd for {canon}", n, base_level, "", nan
        rescale = 100.0 / level_scale
        se = mean_score_se(float(item_sd), n, PAIRED_MEAN_CORRELATION) * rescale
        return (
            se,
            f"mean score, paired: item_sd={fmt(float(item_sd))} x sqrt(2 (1 - "
            f"{PAIRED_MEAN_CORRELATION:g})/n), n={n} ({canon}), x 100/{fmt(level_scale)}",
            n,
            base_level,
            "paired_mean",
            mean_score_se(float(item_sd), n) * rescale,
        )
    if kind == "bleu":
        return (
            nan,
            "BLEU is a corpus-level statistic: its SE needs bootstrap resampling of the test set "
            "(Koehn 2004), not available from n alone",
            n,
            base_level,
            "",
            nan,
        )
    if kind == "score":
        return (
            nan,
            f"metric kind 'score' (F1-type or aggregate score) has no sampling model from n={n}",
            n,
            base_level,
            "",
            nan,
        )
    return nan, "metric kind unknown: no sampling model", n, base_level, "", nan
