"""Sensitivity fits: how much the answer depends on choices the data cannot settle.

Bare percents of unknown scale ("improves accuracy by 37%": percentage points, or 37% of the
baseline?) are left out of the primary fit (DESIGN.md §3, reason ``ambiguous_scale``). Two
sensitivity fits put them back in, read once as points (``y_points``) and once as relative to
a typical baseline (``y_relative``), and refit the claim-level pp model; the table puts ``mu``
and the per-class estimates of each fit beside the primary fit's. A reading is not chosen by
how well it agrees with the other effects (that would be circular): both are shown.

A third fit uses the two-independent-samples SE (``se_unpaired``) instead of the paired
default. ``upto_in_theta`` reads "up to" as part of the true effect (``theta + beta_upto``)
instead of an excess of the reported maximum; the likelihood is the same, so it reuses the
primary draws (n_changed: the "up to" claims).

Selection fits (Vevea & Woods 2005) on the comparisons with a known SE: a one-sided cut at
y/se = 1.96 with the non-significant side reported with a **fixed** relative probability
omega in {0.5, 0.2}, beside omega = 1 (the primary model on the same subset). The weights are
not estimated: from ~20 mostly significant comparisons they are not identified. A further fit
puts the hedge class into the prior mean of ``theta`` (``hedge_in_mean``): the
opposite bound of the primary estimand (DESIGN.md §4). The primary fit is right when authors
choose their size word from the reported ``y``; if they also saw results the abstract leaves
out, its class difference is biased toward zero and the bound's is biased away from it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from marginalia.columns import MODEL_SENSITIVITY
from marginalia.model.data import prepare_data, select_effects
from marginalia.model.fitting import HierarchicalFit, fit_data, with_upto_in_theta
from marginalia.model.likelihood import SELECTION_WEIGHTS
from marginalia.model.settings import ModelSettings, interval_columns
from marginalia.model.tables import hedge_classes_table, summary_table

__all__ = [
    "HEDGE_IN_MEAN",
    "SELECTION",
    "READINGS",
    "UNPAIRED_SE",
    "UPTO_IN_THETA",
    "ambiguous_reading",
    "fit_sensitivities",
    "known_se_subset",
    "sensitivity_rows",
    "unpaired_reading",
]

#: the sensitivity fit with the hedge class in theta's prior mean (the opposite bound)
HEDGE_IN_MEAN = "hedge_in_mean"
#: the sensitivity fit with unpaired (two independent samples) SEs
UNPAIRED_SE = "unpaired_se"
#: "up to" read as part of the true effect (theta + beta_upto) instead of the reported value
UPTO_IN_THETA = "upto_in_theta"
#: the selection sensitivity fits: selection_<omega> on the known-SE comparisons
SELECTION = "selection"
MIN_SELECTION = 5
#: name of each sensitivity fit -> the standardized columns it reads
READINGS = {
    "ambiguous_as_points": ("y_points", "se_points"),
    "ambiguous_as_relative": ("y_relative", "se_relative"),
}


def ambiguous_reading(std_df: pd.DataFrame, name: str) -> tuple[pd.DataFrame, int]:
    """``std_df`` with the ambiguous-scale rows of reading ``name`` put in the pp model, and
    how many rows that adds (0 when the table has no such rows or columns)."""
    ycol, secol = READINGS[name]
    if ycol not in std_df.columns:
        return std_df, 0
    y = pd.to_numeric(std_df[ycol], errors="coerce")
    add = y.notna().to_numpy() & ~std_df["in_model"].astype(bool).to_numpy()
    if not add.any():
        return std_df, 0
    out = std_df.copy()
    out.loc[add, "family"] = "pp"
    out.loc[add, "in_model"] = True
    out.loc[add, "y"] = y[add].astype(float)
    out.loc[add, "se"] = pd.to_numeric(std_df.loc[add, secol], errors="coerce").astype(float)
    return out, int(add.sum())


def unpaired_reading(std_df: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """``std_df`` with the unpaired SE (``se_unpaired``) in place of the paired ``se`` of every
    modelled pp row that has one, and how many rows that changes (0 without the column)."""
    if "se_unpaired" not in std_df.columns:
        return std_df, 0
    alt = pd.to_numeric(std_df["se_unpaired"], errors="coerce").astype(float)
    se = pd.to_numeric(std_df["se"], errors="coerce").astype(float)
    in_model = std_df["in_model"].astype("boolean").fillna(False).astype(bool)
    change = (in_model & alt.notna() & se.notna() & (alt != se)).to_numpy()
    if not change.any():
        return std_df, 0
    out = std_df.copy()
    out.loc[change, "se"] = alt[change]
    return out, int(change.sum())


def known_se_subset(std_df: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``std_df`` whose ``se`` is known (others are taken out of the model)."""
    se = pd.to_numeric(std_df["se"], errors="coerce").astype(float)
    out = std_df.copy()
    out.loc[~(se > 0).to_numpy(), "in_model"] = False
    return out


def sensitivity_rows(
    fit: HierarchicalFit, name: str, n_changed: int, settings: ModelSettings
) -> pd.DataFrame:
    """Rows of :data:`marginalia.columns.MODEL_SENSITIVITY` for one claim-level pp fit."""
    lo, hi = interval_columns(settings.interval_prob)
    summ = summary_table(fit, settings.interval_prob)
    hc = hedge_classes_table(fit, settings.interval_prob)
    rows: list[dict[str, Any]] = []
    mu = summ[summ["parameter"] == "mu"]
    for _, r in mu.iterrows():
        rows.append({"quantity": "mu", "n": fit.data.n_effects, **_stats(r, lo, hi)})
    for _, r in hc.iterrows():
        rows.append({"quantity": str(r["hedge_class"]), "n": r["n_effects"], **_stats(r, lo, hi)})
    out = pd.DataFrame(rows)
    out.insert(0, "sensitivity", name)
    out.insert(1, "family", fit.data.family)
    out.insert(2, "analysis", fit.data.analysis)
    out.insert(3, "n_effects", fit.data.n_effects)
    out.insert(4, "n_changed", n_changed)
    out["ok"] = bool(fit.diagnostics["ok"])
    out = out.rename(columns={lo: "lo", hi: "hi"})
    return out[MODEL_SENSITIVITY]


def _stats(r: pd.Series, lo: str, hi: str) -> dict[str, float]:
    return {k: float(r[k]) if pd.notna(r[k]) else np.nan for k in ("mean", "sd", lo, hi)}


def fit_sensitivities(
    std_df: pd.DataFrame,
    primary: HierarchicalFit,
    settings: ModelSettings,
    cores: int | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """The sensitivity table (primary claim-level pp fit first) and the extra fits' diagnostics."""
    tables = [sensitivity_rows(primary, "primary", 0, settings)]
    n_upto = int(primary.data.upto.sum())
    if n_upto:  # "up to" read as part of the true effect: same draws, another theta
        tables.append(
            sensitivity_rows(with_upto_in_theta(primary), UPTO_IN_THETA, n_upto, settings)
        )
    diags: list[dict[str, Any]] = []
    runs: list[tuple[str, pd.DataFrame, int, str]] = []
    for name in READINGS:
        df, n_changed = ambiguous_reading(std_df, name)
        if n_changed:
            runs.append((name, df, n_changed, "hierarchical"))
    df, n_changed = unpaired_reading(std_df)
    if n_changed:  # two-independent-samples SEs instead of the paired default
        runs.append((UNPAIRED_SE, df, n_changed, "hierarchical"))
    # the opposite bound of the estimand: the hedge class in theta's prior mean
    runs.append((HEDGE_IN_MEAN, std_df, 0, "hedge_in_mean"))
    known = known_se_subset(std_df)
    if len(select_effects(known, "pp")) >= MIN_SELECTION:
        # selection with fixed weights on the known-SE comparisons, beside omega = 1 (the
        # primary model on the same subset)
        # (omega = 1 through the selection model too: the three fits share one compiled model)
        runs += [
            (f"{SELECTION}_{w:g}", known, 0, f"selection_{w:g}") for w in (1, *SELECTION_WEIGHTS)
        ]
    for name, df, n_changed, kind in runs:
        data = prepare_data(df, "pp", "claim")
        if kind == "selection_1" and data.effect_ids == primary.data.effect_ids:
            # omega = 1 adds log 1 = 0: on every comparison (all SEs known) it is the primary
            # model itself, so its draws are reused instead of sampling the same posterior again
            fit = primary
        else:
            fit = fit_data(data, kind, settings, cores=cores, label=f"sensitivity_{name}")
        diag = dict(fit.diagnostics)
        diag["name"] = f"sensitivity_{name}"
        if fit is primary:
            diag["reused_from"] = primary.name
        diags.append(diag)
        tables.append(sensitivity_rows(fit, name, n_changed, settings))
    return pd.concat(tables, ignore_index=True), diags
