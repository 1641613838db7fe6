"""Stage 5, power: design analysis of every reported comparison.

:func:`analyze` takes the standardized effects table, the model's per-effect estimates, the
papers table, the benchmark registry and the ``power`` config section, and returns one row per
comparison (:data:`marginalia.columns.POWER`) plus a summary table
(:data:`marginalia.columns.POWER_SUMMARY`).

Which test describes a comparison (column ``test``):

- ``unpaired``: the reported difference is normal with the standardized sampling SE (``se`` of
  the standardize stage: for proportions, two independent samples of ``n`` items, see
  :mod:`marginalia.power.accuracy`). MDE, power and type S/M are the normal design analysis.
- ``mcnemar`` (``power.test: mcnemar``, proportion metrics with a known baseline): the paired
  test of Card et al. (2020); power and MDE from :func:`mcnemar_power` / :func:`mcnemar_mde`
  with ``power.mcnemar_method``; type S/M from the normal approximation with the paired SE at the
  plausible effect.
- ``mean_score``: per-item-SD metrics (MT-Bench); the normal design analysis with the SE of a
  difference of means.

Effects ``y`` are percentage points of the metric's range (family ``pp``); the SE is taken from
the standardized table when present, else derived here (two independent proportions at the
baseline and baseline + y; ``item_sd * sqrt(2 / n)`` rescaled to pp of ``scale_max`` for mean
scores). Rows of other families, or without a test-set size or SE, get no flags and a reason.

The plausible true effect is the model's predictive of theta with the comparison's paper left
out (``holdout.nc``: a mixture over posterior draws, PSIS-reweighted or refit; DESIGN.md §5),
never the posterior given the paper's own, equally selected, results; power, type S and type M
are averaged over it (:mod:`marginalia.power.plausible`). Without a usable model (absent, or
failed diagnostics) those columns stay empty.
Seed noise: ``se_total = sqrt(se^2 + sigma_run^2)``, and every ``*_total`` column repeats the
analysis with that SE (McNemar: the normal approximation with ``sigma_run``'s variance added under
null and alternative, so with ``mcnemar_method: exact`` the sampling-only MDE and ``mde_total``
come from different approximations and may differ slightly in either direction).

Flags (:data:`marginalia.columns.POWER_FLAGS`, DESIGN.md §5): ``within_noise`` |y| <
z_{1-alpha/2} se (not distinguishable from zero at alpha, which does not show that the true
effect is zero), ``below_mde`` |y| < mde, ``underpowered`` and ``exaggerated`` at the plausible
effect; each ``*_total`` the same with seed noise. ``power_reported`` (observed power) drives no
flag.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from marginalia.columns import POWER
from marginalia.config import section_defaults, section_settings
from marginalia.errors import MarginaliaError
from marginalia.power.assess import assess, typed
from marginalia.power.plausible import Plausible
from marginalia.power.summary import summarize
from marginalia.values import text

__all__ = ["DEFAULTS", "analyze", "plausible_effects", "power_config", "sigma_run_from_summary"]

#: Defaults of config section ``power``, read from its schema (the one copy).
DEFAULTS: dict[str, Any] = section_defaults("power")
_FLOAT_KEYS = ("power", "alpha", "underpowered_threshold", "exaggeration_threshold", "sigma_run")


# --------------------------------------------------------------------------- configuration


def power_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``power`` config section with defaults filled in, checked; accepts the whole config.

    Types, ranges and allowed values come from the section's schema; the one rule a schema
    cannot state is checked here: the target power must exceed alpha. Raises MarginaliaError
    naming the key.
    """
    section: Mapping[str, Any] = config or {}
    if isinstance(section.get("power"), Mapping):  # the whole config was given
        section = section["power"]
    cfg = section_settings("power", section)
    for key in _FLOAT_KEYS:
        cfg[key] = float(cfg[key])
    if not cfg["alpha"] < cfg["power"]:
        raise MarginaliaError(
            f"config key power.power must be a number between power.alpha ({cfg['alpha']}) "
            f"and 1, got {cfg['power']!r}"
        )
    return cfg


# --------------------------------------------------------------------------- the model's estimates


def sigma_run_from_summary(summary: pd.DataFrame | None) -> float | None:
    """Posterior mean of ``sigma_run`` (claim analysis, family pp when given) or None."""
    if summary is None or summary.empty:
        return None
    need = {"analysis", "parameter", "mean"}
    if not need <= set(summary.columns):
        return None
    rows = summary[(summary["analysis"] == "claim") & (summary["parameter"] == "sigma_run")]
    if "family" in rows.columns and (rows["family"] == "pp").any():
        rows = rows[rows["family"] == "pp"]
    vals = pd.to_numeric(rows["mean"], errors="coerce").dropna()
    if vals.empty or not np.isfinite(vals.iloc[0]) or vals.iloc[0] < 0:
        return None
    return float(vals.iloc[0])


def _model_status(comparisons: pd.DataFrame | None, diagnostics: Mapping | None) -> tuple[str, str]:
    """('ok' | 'failed' | 'absent', sentence for the reasons)."""
    if diagnostics is not None and diagnostics.get("ok") is False:
        why = "; ".join(str(r) for r in diagnostics.get("reasons", []) if r) or "no reason given"
        return "failed", f"the model fit failed its diagnostics ({why}), so it is not used"
    if comparisons is None or comparisons.empty or "theta_mean" not in comparisons.columns:
        return "absent", "the model's estimates (results/model/comparisons.csv) are absent"
    if "analysis" in comparisons.columns and not (comparisons["analysis"] == "claim").any():
        return "absent", "the model's estimates have no claim-level analysis"
    return "ok", ""


def plausible_effects(holdout: xr.Dataset | None) -> dict[str, Plausible]:
    """Per model row (claim id), the plausible true effect with its paper left out, from
    ``results/model/holdout.nc`` (:mod:`marginalia.model.holdout`); empty without one."""
    if holdout is None or "theta_mean" not in holdout:
        return {}
    mean = np.asarray(holdout["theta_mean"].values, dtype=float)
    var = np.asarray(holdout["theta_var"].values, dtype=float)
    papers = [str(p) for p in holdout["paper"].values]
    col = {p: i for i, p in enumerate(papers)}
    weight = np.exp(np.asarray(holdout["log_weight"].values, dtype=float))
    k = np.asarray(holdout["pareto_k"].values, dtype=float)
    method = [str(m) for m in holdout["method"].values]
    out = {}
    for j, (eid, paper) in enumerate(
        zip(holdout["effect"].values, holdout["effect_paper"].values, strict=True)
    ):
        i = col[str(paper)]
        w = weight[:, i] / weight[:, i].sum()
        out[str(eid)] = Plausible(mean[:, j], var[:, j], w, float(k[i]), method[i])
    return out


# --------------------------------------------------------------------------- the rows

#: below this many rows the stage assesses them in its own process (forking costs more)
PARALLEL_MIN_ROWS = 2000

# what forked workers read: (records, plausible effects, context), set just before forking
_SHARED: tuple[list[dict], dict[str, Plausible], dict[str, Any]] | None = None


def _assess_one(row: dict, thetas: Mapping[str, Plausible], ctx: dict[str, Any]) -> dict:
    eid = text(row.get("effect_id"), strip=False)
    # the model has one theta per claim: a range's two rows share their claim's
    cid = text(row.get("claim_id"), strip=False) or eid
    return assess(row, thetas.get(cid, thetas.get(eid)), ctx)


def _assess_range(bounds: tuple[int, int]) -> list[dict]:
    assert _SHARED is not None
    records, thetas, ctx = _SHARED
    return [_assess_one(row, thetas, ctx) for row in records[bounds[0] : bounds[1]]]


def _assess_all(
    records: list[dict], thetas: dict[str, Plausible], ctx: dict[str, Any], processes: int
) -> list[dict]:
    """:func:`assess` of every row, in order. With ``processes`` > 1, many rows and ``fork``
    available (Linux), forked workers share the rows: the quadrature's normal CDFs hold the
    GIL, so threads would not help. The result does not depend on the number of processes."""
    global _SHARED
    methods = multiprocessing.get_all_start_methods()
    if processes <= 1 or len(records) < PARALLEL_MIN_ROWS or "fork" not in methods:
        return [_assess_one(row, thetas, ctx) for row in records]
    step = -(-len(records) // (4 * processes))
    bounds = [(i, min(i + step, len(records))) for i in range(0, len(records), step)]
    _SHARED = (records, thetas, ctx)
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            return [res for part in pool.map(_assess_range, bounds) for res in part]
    finally:
        _SHARED = None


# --------------------------------------------------------------------------- the stage


def analyze(
    standardized_df: pd.DataFrame,
    comparisons_df: pd.DataFrame | None,
    papers_df: pd.DataFrame | None,
    registry: Any,
    config: Mapping[str, Any] | None,
    sigma_run: float | None = None,
    *,
    diagnostics: Mapping[str, Any] | None = None,
    sigma_run_source: str | None = None,
    holdout: xr.Dataset | None = None,
    threads: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Design analysis of every comparison: ``(power_df, summary_df)``.

    ``config`` is the ``power`` section (or the whole config). ``sigma_run`` is the model's
    posterior mean of the seed-to-seed SD (see :func:`sigma_run_from_summary`); when it is None,
    when ``power.sigma_run_from_model`` is false, or when ``diagnostics["ok"]`` is false, the
    config value ``power.sigma_run`` is used instead. ``registry`` needs ``canonical(name)`` and
    ``get(canonical)`` (``marginalia.registry.Registry``) or is None. ``holdout`` is the model's
    leave-paper-out predictive (results/model/holdout.nc): the plausible true effects.
    ``threads``: how many processes assess the comparisons (forked, above
    :data:`PARALLEL_MIN_ROWS` rows; the result does not depend on it).
    """
    cfg = power_config(config)
    required = {"effect_id", "paper_id", "family", "y"}
    missing = sorted(required - set(standardized_df.columns))
    if missing:
        raise MarginaliaError(
            f"the standardized effects table lacks column(s) {', '.join(missing)}; "
            "rerun the standardize_effects rule (results/model/effects_standardized.parquet)"
        )
    status, status_text = _model_status(comparisons_df, diagnostics)
    thetas = plausible_effects(holdout) if status == "ok" else {}
    if status == "ok" and not thetas:
        status, status_text = (
            "absent",
            "the model's leave-paper-out predictive (holdout.nc) is absent",
        )

    model_sr = sigma_run if sigma_run is not None and np.isfinite(sigma_run) else None
    if status == "failed":
        sr, source = float(cfg["sigma_run"]), "config power.sigma_run (the model fit failed)"
        short = "from config; the model fit failed"
    elif model_sr is not None and cfg["sigma_run_from_model"]:
        sr = float(model_sr)
        source = sigma_run_source or "model posterior mean (results/model/summary.csv, claim)"
        short = "the model's posterior mean"
    else:
        sr = float(cfg["sigma_run"])
        why = (
            "power.sigma_run_from_model is false"
            if model_sr is not None
            else "the model gives no sigma_run"
        )
        source, short = f"config power.sigma_run ({why})", "from config"

    paper_hedge: dict[str, str] = {}
    if papers_df is not None and {"paper_id", "hedge"} <= set(papers_df.columns):
        paper_hedge = {
            str(p): text(h, strip=False)
            for p, h in zip(papers_df.paper_id, papers_df.hedge, strict=True)
        }

    ctx = {
        "cfg": cfg,
        "registry": registry,
        "sigma_run": sr,
        "sigma_run_short": short,
        "model_status": status,
        "model_text": status_text,
    }
    records = standardized_df.to_dict("records")
    assessed = _assess_all(records, thetas, ctx, threads)
    rows = []
    for row, res in zip(records, assessed, strict=True):
        eid = text(row.get("effect_id"), strip=False)
        if status == "failed" and res["assessed"]:
            res["flag_reason"] = (
                "The model fit failed its diagnostics: plausible-effect columns are empty. "
                + res["flag_reason"]
            )
        res.update(
            effect_id=eid,
            paper_id=text(row.get("paper_id"), strip=False),
            title=text(row.get("title"), strip=False),
            span=text(row.get("span"), strip=False),
            benchmark=text(row.get("benchmark"), strip=False),
            family=text(row.get("family"), strip=False),
            hedge_local=text(row.get("hedge_local"), strip=False) or "none",
            paper_hedge=text(row.get("paper_hedge"), strip=False)
            or paper_hedge.get(text(row.get("paper_id"), strip=False), ""),
            sigma_run=sr,
            sigma_run_source=source,
            model_status=status,
        )
        rows.append(res)
    power_df = typed(pd.DataFrame(rows, columns=POWER))
    return power_df, summarize(power_df, sr, source)
