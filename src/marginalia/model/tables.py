"""The output tables of the model stage, computed from the fits, and their column lists.

summary.csv (population parameters), comparisons.csv (per effect), hedge_classes.csv (per hedge
class, and marginal - strong) and loo.csv (PSIS-LOO of every model of a family, compared).
Column meanings: docs/model.md and DESIGN.md.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from marginalia.columns import MODEL_HEDGE_CLASSES, MODEL_LOO
from marginalia.model.data import HEDGE_CLASSES
from marginalia.model.fitting import HierarchicalFit
from marginalia.model.recovery import noise_draws, posterior_draws
from marginalia.model.settings import ModelSettings, interval_columns

__all__ = [
    "DIFFERENCE_LABEL",
    "LOO_ERRORS",
    "SUMMARY_PARAMETERS",
    "comparisons_table",
    "hedge_classes_table",
    "loo_name",
    "loo_table",
    "summary_table",
]

SUMMARY_PARAMETERS = (
    "mu",
    "tau_total",
    "tau_shares",
    "tau_paper",
    "tau_bench",
    "tau_effect",
    "sigma_run",
    "sigma_unknown",
    "beta_upto",
    "beta_hedge",
    "class_mean",
)
DIFFERENCE_LABEL = "marginal - strong"
# What PSIS-LOO (arviz_stats.loo) raises on small or degenerate data: ValueError when the
# Pareto tail cannot be fitted (constant pointwise log-likelihood: "All tail values are the
# same"; fewer than 5 tail draws: "n_draws_tail must be at least 5"), IndexError with one or
# two draws per chain. arviz_stats.compare raises ValueError for inputs it cannot compare and
# re-raises the errors of its own loo calls with their class. Any other exception is a bug and
# propagates.
LOO_ERRORS = (ValueError, IndexError)
#: the seed of loo_subsample's sample of observations: one sample for every model compared
LOO_SUBSAMPLE_SEED = 315


def summary_table(fit: HierarchicalFit, prob: float) -> pd.DataFrame:
    import arviz_stats as azs

    var_names = [v for v in SUMMARY_PARAMETERS if v in fit.idata.posterior]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # constant reference beta_hedge
        s = azs.summary(
            fit.idata, var_names=var_names, ci_prob=prob, ci_kind="eti", round_to="none"
        )
    lo_src, hi_src = [c for c in s.columns if str(c).startswith("eti")][:2]
    lo, hi = interval_columns(prob)
    out = pd.DataFrame(
        {
            "analysis": fit.data.analysis,
            "family": fit.data.family,
            "parameter": [str(i) for i in s.index],
            "mean": s["mean"].to_numpy(float),
            "sd": s["sd"].to_numpy(float),
            lo: s[lo_src].to_numpy(float),
            hi: s[hi_src].to_numpy(float),
            "r_hat": s["r_hat"].to_numpy(float),
            "ess_bulk": s["ess_bulk"].to_numpy(float),
            "ess_tail": s["ess_tail"].to_numpy(float),
        }
    )
    return out


def comparisons_table(fit: HierarchicalFit, settings: ModelSettings) -> pd.DataFrame:
    """Per effect: reported y and se, posterior theta, pooling factor, P(theta > 0 / > rope).

    ``shrinkage`` is the posterior mean of the normal-normal pooling factor
    ``s_k^2 / (s_k^2 + tau_total^2)`` with ``s_k^2 = se_k^2 + sigma_run^2`` (``sigma_unknown``
    in place of an unknown se) and ``tau_total^2 = tau_paper^2 + tau_bench^2 + tau_effect^2``:
    0 = the estimate stays at y_k, 1 = pulled all the way to the population mean.
    """
    data, idata = fit.data, fit.idata
    prob = settings.interval_prob
    theta = posterior_draws(idata, "theta")
    tau2 = (posterior_draws(idata, "tau_total") ** 2)[:, None]
    s2 = noise_draws(idata, data)
    rope = settings.rope_for(data.family)
    return pd.DataFrame(
        {
            "analysis": data.analysis,
            "effect_id": list(data.effect_ids),
            "paper_id": list(data.effect_papers),
            "family": data.family,
            "y": data.y,
            "se": data.se,
            "theta_mean": theta.mean(axis=0),
            "theta_lo": np.quantile(theta, (1 - prob) / 2, axis=0),
            "theta_hi": np.quantile(theta, (1 + prob) / 2, axis=0),
            "shrinkage": (s2 / (s2 + tau2)).mean(axis=0),
            "p_positive": (theta > 0).mean(axis=0),
            "p_meaningful": (theta > rope).mean(axis=0),
        }
    )


def hedge_classes_table(fit: HierarchicalFit, prob: float) -> pd.DataFrame:
    """Per hedge class the mean true improvement (per draw, the mean of theta over the class's
    comparisons; at paper level over its papers, each paper's mean); and marginal - strong."""
    data = fit.data
    bound = "beta_hedge" in fit.idata.posterior
    lo, hi = interval_columns(prob)
    q = ((1 - prob) / 2, (1 + prob) / 2)
    means = posterior_draws(fit.idata, "class_mean")
    pos = {c: i for i, c in enumerate(data.hedges)}
    rows = []

    def stats(draws: np.ndarray) -> dict[str, float]:
        return {
            "mean": float(draws.mean()),
            "sd": float(draws.std(ddof=1)) if draws.size > 1 else float("nan"),
            lo: float(np.quantile(draws, q[0])),
            hi: float(np.quantile(draws, q[1])),
        }

    empty = {"mean": np.nan, "sd": np.nan, lo: np.nan, hi: np.nan}
    for cls in HEDGE_CLASSES[data.analysis]:
        row = {
            "hedge_class": cls,
            "n_effects": data.class_counts[cls],
            "n_papers": data.class_papers[cls],
            "n_known_se": int(data.se_known[data.hedge_idx == pos[cls]].sum()) if cls in pos else 0,
            "p_marginal_lt_strong": np.nan,
            "note": "",
        }
        if cls in pos:
            row.update(stats(means[:, pos[cls]]))
            if bound and cls == data.reference:
                row["note"] = "reference class (beta_hedge = 0)"
        else:
            row.update(empty)
            row["note"] = "no effects in this class"
        rows.append(row)
    diff_row = {
        "hedge_class": DIFFERENCE_LABEL,
        "n_effects": data.class_counts["marginal"] + data.class_counts["strong"],
        "n_papers": len(
            {
                p
                for p, h in zip(data.effect_papers, data.hedge_idx, strict=True)
                if data.hedges[h] in ("marginal", "strong")
            }
        ),
        "n_known_se": sum(
            int(data.se_known[data.hedge_idx == pos[c]].sum())
            for c in ("marginal", "strong")
            if c in pos
        ),
        "note": "",
    }
    if "marginal" in pos and "strong" in pos:
        diff = means[:, pos["marginal"]] - means[:, pos["strong"]]
        diff_row.update(stats(diff))
        diff_row["p_marginal_lt_strong"] = float((diff < 0).mean())
    else:
        diff_row.update(empty)
        diff_row["p_marginal_lt_strong"] = np.nan
        diff_row["note"] = "needs effects in both the marginal and the strong class"
    rows.append(diff_row)
    out = pd.DataFrame(rows)
    out.insert(0, "family", data.family)
    out.insert(0, "analysis", data.analysis)
    out["reference_class"] = data.reference
    return out[[*MODEL_HEDGE_CLASSES[:6], "mean", "sd", lo, hi, *MODEL_HEDGE_CLASSES[10:]]]


def loo_table(
    family: str,
    fits: Mapping[str, xr.DataTree],
    gate: Mapping[str, bool] | None = None,
    subsample: int | None = None,
) -> pd.DataFrame:
    """PSIS-LOO of each fit of ``family`` (same observations) and their comparison.

    ``gate`` maps a fit's name to whether it passed the diagnostic gate; failed fits are noted.
    With more than ``subsample`` observations, PSIS-LOO is estimated from a simple random
    sample of ``subsample`` of them (``arviz_stats.loo_subsample``: the difference estimator
    around every observation's cheap log predictive density), the same sample for every model
    (a fixed seed), and the note gives the subsampling SE.
    """
    import arviz_stats as azs

    gate = gate or {}
    rows: dict[str, dict[str, Any]] = {}
    results: dict[str, Any] = {}
    for name, idata in fits.items():
        row: dict[str, Any] = {"family": family, "model": name, "note": ""}
        if not gate.get(name, True):
            row["note"] = "fit FAILED its diagnostic gate (see diagnostics.json)"
        rows[name] = row
        n_obs = int(idata.log_likelihood["y"].sizes.get("effect", 0))
        sub = subsample is not None and n_obs > subsample
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # high Pareto k: counted below
                if sub:
                    res = azs.loo_subsample(
                        idata, subsample, pointwise=True, var_name="y", seed=LOO_SUBSAMPLE_SEED
                    )
                else:
                    res = azs.loo(idata, pointwise=True, var_name="y")
        except LOO_ERRORS as exc:  # small or degenerate data: report, do not crash
            row["note"] = _join(row["note"], f"PSIS-LOO failed: {exc}")
            continue
        results[name] = res
        k = np.asarray(res.pareto_k.values, dtype=float)
        row.update(
            elpd=float(res.elpd),
            se=float(res.se),
            p=float(res.p),
            good_k=float(res.good_k),
            n_high_pareto_k=int((k > res.good_k).sum()),
        )
        if sub:
            row["note"] = _join(
                row["note"],
                f"PSIS-LOO on a random sample of {subsample} of {n_obs} comparisons "
                f"(difference estimator; subsampling SE {float(res.subsampling_se):.2f}; "
                "Pareto k counted on the sample)",
            )
        if row["n_high_pareto_k"]:
            row["note"] = _join(
                row["note"],
                f"{row['n_high_pareto_k']} Pareto k above {res.good_k:.2f}: "
                "PSIS-LOO is unreliable for those effects",
            )
    ok_fits = {n: results[n] for n, r in rows.items() if "elpd" in r}
    if len(ok_fits) >= 2:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                cmp = azs.compare(ok_fits, round_to="none")
        except LOO_ERRORS as exc:
            for r in rows.values():
                r["note"] = _join(r["note"], f"compare failed: {exc}")
        else:
            for name, r in cmp.iterrows():
                rows[str(name)].update(
                    rank=int(r["rank"]),
                    elpd_diff=float(r["elpd_diff"]),
                    dse=float(r["dse"]),
                    weight=float(r["weight"]),
                )
    out = pd.DataFrame(list(rows.values()))
    for col in MODEL_LOO:
        if col not in out:
            out[col] = np.nan
    return out[MODEL_LOO].sort_values(["family", "rank"], na_position="last").reset_index(drop=True)


def loo_name(diag: Mapping[str, Any]) -> str:
    """The model's name in loo.csv: hierarchical_<analysis>, complete_pooling, no_pooling."""
    if diag["model"] == "hierarchical":
        return f"hierarchical_{diag['analysis']}"
    return str(diag["model"])


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b
