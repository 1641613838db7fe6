"""Stage 3: put every reported comparison on one model scale per family, with a sampling SE.

:func:`standardize` joins ``results/effects.parquet`` with the papers table (for the paper's
hedge) and the benchmark registry (test-set size ``n``, metric kind, scale) and returns the
``standardized`` table (the effects columns plus
:data:`marginalia.columns.STANDARDIZED_ADDED`). Rules, in the order applied
(:data:`RULES` holds the same list for the report's methods section):

Sign. ``y`` is positive when the paper's method comes out better, in both families: its
magnitude comes from the stated number and its sign from ``direction`` (``worse`` -> negative).
When ``direction`` is missing, the sign of the stated change and ``lower_is_better`` decide;
when both are missing the comparison is excluded.

Whose result. Only the paper's own results enter the model: a row whose ``attribution`` is
``prior_work``, ``problem`` or ``hypothetical`` is excluded, with that reason.

Families.
- ``pp`` (percentage points): bounded 0-100 metrics (accuracy, F1, win rate, pass@k,
  correlation x 100, ...). ``percent``/``absolute``: the stated difference. ``percent``/
  ``ambiguous``: a bare percent (no stated baseline or treatment: "37%", "more than 30%") is
  left out of the primary fit (reason ``ambiguous_scale``); with a stated level it is read as
  points and marked in ``scale_note``. ``percent``/``relative``: converted through the
  baseline on the level's own scale, ``baseline_pp x delta / 100`` with ``baseline_pp`` the
  baseline x 100 / scale (the registry's ``scale_max``, e.g. 10 for MT-Bench; 1 for a
  proportion stated as 0.6; else 100), when the baseline is stated (or follows exactly from a
  stated treatment value); without one it cannot be put in points and is excluded.
  ``scale_used`` records the reading: ``absolute``, ``relative``, or empty when excluded.
  ``points`` on a known bounded metric: rescaled to 0-100 by ``100 / scale_max``
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

Sampling SE (family ``pp`` only; ``se`` is in pp like ``y``) from the registry's test-set size
``n``, by metric kind, with the reason in ``se_reason``: see :mod:`marginalia.standardize.se`.

Modules: ``classify`` (metric kinds, levels, signs), ``effect`` (one effect onto its scale),
``se`` (its sampling SE); this module holds the columns, the settings and the stage entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from marginalia.columns import EFFECTS, STANDARDIZED
from marginalia.config import section_defaults, section_settings
from marginalia.errors import MarginaliaError
from marginalia.standardize.effect import AMBIGUOUS_SCALE, Lookup, Standardized, standardize_effect
from marginalia.values import number

__all__ = [
    "DEFAULTS",
    "FAMILIES",
    "RULES",
    "Standardized",
    "check_standardize_config",
    "standardize",
]

FAMILIES = ("pp", "log_ratio", "excluded")

#: Defaults of config section ``standardize``, read from its schema (the one copy).
DEFAULTS: dict[str, Any] = section_defaults("standardize")

RULES: tuple[str, ...] = (
    "Sign: y > 0 means the paper's method is better, in both families; the size comes from "
    "the stated number and the sign from `direction` (worse -> negative), else from the sign "
    "of the change and the metric's polarity.",
    "Only the paper's own results enter the model: numbers of prior work, problem statements "
    "and hypotheticals (column attribution) are excluded.",
    "pp: bounded 0-100 metrics (accuracy, F1, win rate, pass@k, correlation x 100): the "
    "difference in percentage points; absolute percents as stated; a bare percent of unknown "
    "scale (no stated baseline or treatment) is left out (ambiguous_scale), one with a stated "
    "level is read as points; relative percents converted through a stated baseline on its "
    "own scale (0-1, 0-10, 0-100), else excluded; scores on a 0-1 or 0-10 scale rescaled.",
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


#: a relative reading of a bare percent needs a baseline: the registry's typical_baseline,
#: else the median stated baseline of the run's pp comparisons, else this (pp)
FALLBACK_BASELINE_PP = 50.0


def _ambiguous_readings(
    out: pd.DataFrame, results: list[Standardized], lookup: Lookup, cfg: Mapping[str, Any]
) -> None:
    """Columns ``y_points``/``se_points`` and ``y_relative``/``se_relative``: the two readings
    of each bare percent left out as ``ambiguous_scale``, for the sensitivity fits (NaN on
    every other row). Points: the stated number as percentage points. Relative: the number as
    a percent of the registry's typical baseline for the benchmark, else of the median stated
    baseline of this run's pp comparisons (else 50 pp)."""
    n = len(out)
    cols = {c: np.full(n, np.nan) for c in ("y_points", "se_points", "y_relative", "se_relative")}
    median = _median_stated_baseline_pp(out, results, lookup)
    rows = out[EFFECTS].to_dict("records")
    for i, r in enumerate(results):
        if not r.exclusion_reason.startswith(AMBIGUOUS_SCALE):
            continue
        row = rows[i]
        _, entry = lookup.entry(str(row.get("benchmark") or ""))
        typical = entry.get("typical_baseline") if entry else None
        scale_max = float(entry["scale_max"]) if entry else 100.0
        base = float(typical) if typical is not None else median * scale_max / 100.0
        as_points = standardize_effect({**row, "scale": "absolute"}, lookup, cfg)
        as_relative = standardize_effect(
            {**row, "scale": "relative", "baseline": base}, lookup, cfg
        )
        if as_points.family != "pp":
            continue  # no sign, impossible size, ...: neither reading can enter
        cols["y_points"][i], cols["se_points"][i] = as_points.y, as_points.se
        if as_relative.family == "pp":
            cols["y_relative"][i], cols["se_relative"][i] = as_relative.y, as_relative.se
        else:  # a metric of unknown range: the same percent of the baseline, in points
            cols["y_relative"][i] = as_points.y * base * 100.0 / scale_max / 100.0
            cols["se_relative"][i] = as_points.se
    for c, values in cols.items():
        out[c] = values


def _median_stated_baseline_pp(
    out: pd.DataFrame, results: list[Standardized], lookup: Lookup
) -> float:
    """Median, in pp (0-100), of the baselines the texts state for the run's pp comparisons:
    a stated baseline, else treatment - delta, each put on 0-100 by its benchmark's scale
    (0-1 levels x 100); registry typical baselines are not counted (they are not stated)."""
    vals: list[float] = []
    for r, row in zip(results, out.to_dict("records"), strict=True):
        if r.family != "pp" or r.scale_used != "absolute":
            continue
        base = number(row.get("baseline"))
        if not np.isfinite(base):
            base = number(row.get("treatment")) - number(row.get("delta"))
        if not np.isfinite(base):
            continue
        _, entry = lookup.entry(str(row.get("benchmark") or ""))
        scale = float(entry["scale_max"]) if entry else (1.0 if abs(base) <= 1.0 else 100.0)
        vals.append(base * 100.0 / scale)
    return float(np.median(vals)) if vals else FALLBACK_BASELINE_PP


def check_standardize_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """Defaults filled in and values checked (by the section's schema); errors name the key."""
    cfg = section_settings("standardize", config)
    cfg["max_abs_pp"] = float(cfg["max_abs_pp"])
    return cfg


def standardize(
    effects_df: pd.DataFrame,
    papers_df: pd.DataFrame | None,
    registry: Any,
    config: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """The ``standardized`` table: every effects column plus
    :data:`marginalia.columns.STANDARDIZED_ADDED`, one row per effect.

    ``registry`` is a :class:`marginalia.registry.Registry` (or a mapping in the YAML shape,
    or None); ``config`` is the ``standardize`` config section (missing keys take
    :data:`DEFAULTS`). ``paper_hedge`` is the paper's ``hedge`` from ``papers_df`` (NA when the
    paper is missing there). Rows with family ``excluded`` have ``y`` NA and ``in_model``
    False; every other row has ``in_model`` True.
    """
    cfg = check_standardize_config(config)
    if "attribution" not in effects_df.columns:  # tables made before the column: all own
        effects_df = effects_df.assign(attribution="own")
    missing = [c for c in EFFECTS if c not in effects_df.columns]
    if missing:
        raise MarginaliaError(
            f"effects table: missing column(s) {missing}; rerun the extract stage "
            "(results/effects.parquet must have the DESIGN.md columns)"
        )
    lookup = Lookup(registry)
    out = effects_df[EFFECTS].copy().reset_index(drop=True)
    results = [standardize_effect(row, lookup, cfg) for row in out.to_dict("records")]

    out["family"] = pd.Series([r.family for r in results], dtype="string")
    out["y"] = np.array([r.y for r in results], dtype=float)
    out["se"] = np.array([r.se for r in results], dtype=float)
    out["se_reason"] = pd.Series([r.se_reason for r in results], dtype="string")
    out["se_kind"] = pd.Series([r.se_kind for r in results], dtype="string")
    out["se_unpaired"] = np.array([r.se_unpaired for r in results], dtype=float)
    out["n"] = pd.array([r.n for r in results], dtype="Int64")
    out["baseline_level"] = np.array([r.baseline_level for r in results], dtype=float)
    out["metric_kind"] = pd.Series([r.metric_kind for r in results], dtype="string")
    hedge, seeds = {}, {}
    if papers_df is not None and len(papers_df):
        if not {"paper_id", "hedge"} <= set(papers_df.columns):
            raise MarginaliaError(
                "papers table: needs columns paper_id and hedge; rerun the extract stage"
            )
        hedge = dict(zip(papers_df["paper_id"], papers_df["hedge"], strict=True))
        if "n_seeds" in papers_df.columns:
            counts = pd.to_numeric(papers_df["n_seeds"], errors="coerce")
            seeds = {
                p: int(n)
                for p, n in zip(papers_df["paper_id"], counts, strict=True)
                if pd.notna(n) and n >= 1
            }
    out["paper_hedge"] = pd.Series(
        [hedge.get(pid, pd.NA) for pid in out["paper_id"]], dtype="string"
    )
    out["in_model"] = np.array([r.in_model for r in results], dtype=bool)
    out["exclusion_reason"] = pd.Series([r.exclusion_reason for r in results], dtype="string")
    out["scale_note"] = pd.Series([r.scale_note for r in results], dtype="string")
    out["scale_used"] = pd.Series([r.scale_used for r in results], dtype="string")
    _ambiguous_readings(out, results, lookup, cfg)
    out["claim_id"] = claim_ids(out)
    out["n_seeds"] = np.array([seeds.get(p, 1) for p in out["paper_id"]], dtype=np.int64)
    return out[STANDARDIZED]


def claim_ids(df: pd.DataFrame) -> pd.Series:
    """One id per claim: the two rows of a range (same paper and span offsets, qualifiers
    range_low and range_high) share the effect_id of their first row; every other row is a
    claim of its own (DESIGN.md §3: the model sees one observation per claim)."""
    ids = df["effect_id"].astype("string").fillna("").tolist()
    qual = df["qualifier"].astype("string").fillna("").tolist()
    first: dict[tuple, str] = {}
    out = []
    for eid, q, pid, start, end in zip(
        ids, qual, df["paper_id"].tolist(), df["start"].tolist(), df["end"].tolist(), strict=True
    ):
        if q in ("range_low", "range_high"):
            out.append(first.setdefault((pid, start, end), eid))
        else:
            out.append(eid)
    return pd.Series(out, dtype="string", index=df.index)
