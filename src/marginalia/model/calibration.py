"""Simulation studies of ``validate_model`` on the design of the data at hand (DESIGN.md §4).

One simulated data set per Snakemake job (``results/validation/{study}/data/{i}``), one fit
per job (``.../fits/{i}.json``), one summary job; this module holds the computations:

- :func:`design_table`: the claim-level pp comparisons the model sees in the real data (their
  papers, benchmarks, SEs, "up to" qualifiers, range spreads and claim-level hedge classes),
  or, with ``validation.design: synthetic``, a structure drawn by
  :func:`marginalia.model.validation.simulate_effects`;
- :func:`simulate_dataset`: new true effects and reported values on that design, with the true
  parameters drawn from the priors the fit uses, and the hedge classes of the ``study``
  (:data:`marginalia.model.validation.STUDIES`);
- :func:`sbc_table`: simulation-based calibration (Talts et al. 2018): the rank of each truth
  among ``rank_draws`` posterior draws is uniform on 0..L when the fit is calibrated; the
  ECDF of the ranks is checked against a simultaneous 95% band (Säilynoja, Bürkner & Vehtari
  2022, by simulation), with a chi-square test on 10 bins beside it;
- :func:`misspecification_table`: per study, the true and estimated class difference
  (marginal - strong) of theta over data sets, the attenuation (mean estimated / mean true
  difference), the bias, the calibration slope (truth regressed on the posterior mean: 1 when
  calibrated) and the coverage of the intervals;
- :func:`ecdf_figure`: the ECDF-difference plot with its band, per parameter.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from marginalia.model.data import UNNAMED, prepare_data
from marginalia.model.settings import ModelSettings
from marginalia.model.validation import (
    DIFFERENCE,
    STUDIES,
    THETA,
    ValidationSettings,
    draw_truth,
    simulate_effects,
)

__all__ = [
    "DESIGN_COLUMNS",
    "study_settings",
    "MISSPECIFICATION_COLUMNS",
    "SBC_COLUMNS",
    "design_table",
    "ecdf_band",
    "ecdf_figure",
    "misspecification_table",
    "sbc_table",
    "simulate_dataset",
]

DESIGN_COLUMNS = [
    "effect_id",
    "paper_id",
    "benchmark",
    "se",
    "qualifier",
    "hedge_local",
    "extra_var",
    "n_seeds",
]
SBC_COLUMNS = [
    "study",
    "parameter",
    "n_datasets",
    "n_rank",
    "ecdf_max_dev",
    "band_gamma",
    "inside_band",
    "chi2_p",
    "coverage",
    "coverage_lo95",
    "coverage_hi95",
    "n_gate_failed",
]
MISSPECIFICATION_COLUMNS = [
    "study",
    "n_datasets",
    "true_difference",
    "estimated_difference",
    "attenuation",
    "bias",
    "calibration_slope",
    "calibration_slope_se",
    "coverage_difference",
    "coverage_class_means",
    "note",
]


def study_settings(
    model_config: Any, validation_config: Any, registry: Any
) -> tuple[ModelSettings, ValidationSettings]:
    """The model settings (with the registry's sigma_unknown prior, as the real fit) and the
    validation settings of a validate_model job."""
    from marginalia.model.stage import with_registry_prior

    settings, _ = with_registry_prior(ModelSettings.from_config(model_config), registry)
    return settings, ValidationSettings.from_config(validation_config)


_FAMILY_COLUMNS = {"family": "pp", "in_model": True, "paper_hedge": "none"}


def design_table(
    std_df: pd.DataFrame | None, settings: ValidationSettings, priors: Any
) -> pd.DataFrame:
    """The design the simulations reuse (:data:`DESIGN_COLUMNS`, one row per claim)."""
    if settings.design == "synthetic" or std_df is None:
        rng = np.random.default_rng([settings.seed, 99])
        df = simulate_effects(rng, settings, draw_truth(rng, settings, priors))
        df["extra_var"] = 0.0
        df["n_seeds"] = 1.0
        # an unnamed benchmark is a level of its own, as the fit reads it (prepare_data)
        unnamed = df["benchmark"].astype(str) == ""
        df.loc[unnamed, "benchmark"] = UNNAMED + df.loc[unnamed, "effect_id"].astype(str)
        return df[DESIGN_COLUMNS].reset_index(drop=True)
    data = prepare_data(std_df, "pp", "claim")
    return pd.DataFrame(
        {
            "effect_id": list(data.effect_ids),
            "paper_id": list(data.effect_papers),
            "benchmark": [data.benches[b] for b in data.bench_idx],
            "se": data.se,
            "qualifier": np.where(data.upto > 0, "up_to", ""),
            "hedge_local": [data.hedges[h] for h in data.hedge_idx],
            "extra_var": data.range_var,
            "n_seeds": 1.0 / data.run_share,
        }
    )


def _thirds(score: np.ndarray) -> np.ndarray:
    """marginal for the lowest third of ``score``, strong for the top third, else none."""
    order = np.argsort(np.argsort(score, kind="stable"), kind="stable")
    n = score.size
    out = np.full(n, "none", dtype=object)
    out[order < n / 3] = "marginal"
    out[order >= n - n / 3] = "strong"
    return out


def simulate_dataset(
    design: pd.DataFrame,
    study: str,
    index: int,
    settings: ValidationSettings,
    priors: Any,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """One data set of ``study`` on ``design``: (effects table with ``theta_true``, truth).

    Deterministic in (``settings.seed``, study, index). SBC always draws the truth from the
    priors; the two hedge studies follow ``settings.truth``.
    """
    if study not in STUDIES:
        raise ValueError(f"unknown study {study!r}")
    rng = np.random.default_rng([settings.seed, list(STUDIES).index(study), index])
    truth_settings = settings if study != "sbc" else _with_prior_truth(settings)
    truth = draw_truth(rng, truth_settings, priors)
    papers = design["paper_id"].astype(str).to_numpy()
    benches = design["benchmark"].astype(str).to_numpy()
    n = len(design)
    u = {p: truth["tau_paper"] * rng.standard_normal() for p in dict.fromkeys(papers)}
    v = {b: truth["tau_bench"] * rng.standard_normal() for b in dict.fromkeys(benches)}
    theta = (
        truth["mu"]
        + np.array([u[p] for p in papers])
        + np.array([v[b] for b in benches])
        + truth["tau_effect"] * rng.standard_normal(n)
    )
    se = design["se"].to_numpy(dtype=float)
    s = np.where(np.isfinite(se), se, truth["sigma_unknown"])
    run = truth["sigma_run"] ** 2 / design["n_seeds"].to_numpy(float)
    noise_sd = np.sqrt(s**2 + run + design["extra_var"].to_numpy(float))
    upto = (design["qualifier"].astype(str) == "up_to").to_numpy(float)
    y = theta + truth["beta_upto"] * upto + noise_sd * rng.standard_normal(n)
    if study == "sbc":
        hedge = design["hedge_local"].astype(str).to_numpy(dtype=object)
    elif study == "hedge_from_y":
        hedge = _thirds(y)
    else:
        hedge = _thirds(theta)
    df = design.assign(y=y, theta_true=theta, hedge_local=hedge, **_FAMILY_COLUMNS)
    return df, {k: float(v) for k, v in truth.items()}


def _with_prior_truth(settings: ValidationSettings) -> ValidationSettings:
    from dataclasses import replace

    return replace(settings, truth="prior")


# --------------------------------------------------------------------------- SBC statistics


def ecdf_band(
    n: int, n_rank: int, prob: float = 0.95, *, sims: int = 2000, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Simultaneous ``prob`` band for the ECDF of ``n`` uniform ranks on 0..``n_rank``.

    Evaluated at z_j = (j + 1) / (n_rank + 1), j = 0..n_rank - 1 (the ECDF at rank j). The
    pointwise level gamma is chosen by simulation so that ``prob`` of uniform samples stay
    inside every pointwise binomial interval at once (Säilynoja et al. 2022). Returns
    ``(z, lower, upper, gamma)`` with the bounds as ECDF values.
    """
    z = np.arange(1, n_rank + 1) / (n_rank + 1)
    rng = np.random.default_rng(seed)
    ranks = rng.integers(0, n_rank + 1, size=(sims, n))
    counts = np.stack([(ranks <= j).sum(axis=1) for j in range(n_rank)], axis=1)
    tail = 2 * np.minimum(stats.binom.cdf(counts, n, z), stats.binom.sf(counts - 1, n, z))
    # inside <=> every pointwise two-sided tail >= gamma; gamma: at most 1 - prob of uniform
    # samples have a smaller minimum
    gamma = float(np.quantile(tail.min(axis=1), 1 - prob, method="lower"))
    c = np.arange(n + 1)[:, None]
    ok = (stats.binom.cdf(c, n, z) >= gamma / 2) & (stats.binom.sf(c - 1, n, z) >= gamma / 2)
    lower = np.argmax(ok, axis=0) / n
    upper = (n - np.argmax(ok[::-1], axis=0)) / n
    return z, lower, upper, gamma


def _ecdf(ranks: np.ndarray, n_rank: int) -> np.ndarray:
    return np.array([(ranks <= j).mean() for j in range(n_rank)])


def sbc_table(records: pd.DataFrame, prob: float = 0.95) -> pd.DataFrame:
    """Per study and parameter: the rank ECDF against its band, chi-square, coverage."""
    rows = []
    scalar = records[records["parameter"] != THETA]
    for (study, name), r in scalar.groupby(["study", "parameter"], sort=False):
        n = len(r)
        n_rank = int(r["n_rank"].iloc[0])
        ranks = r["rank"].to_numpy(int)
        z, lo, hi, gamma = ecdf_band(n, n_rank, prob)
        ecdf = _ecdf(ranks, n_rank)
        bins = np.minimum(ranks * 10 // (n_rank + 1), 9)
        observed = np.bincount(bins, minlength=10)
        # expected counts by how many rank values each bin holds (equal only when 10 | L + 1)
        per_bin = np.bincount(
            np.minimum(np.arange(n_rank + 1) * 10 // (n_rank + 1), 9), minlength=10
        )
        expected = n * per_bin / per_bin.sum()
        k = int(r["covered"].sum())
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        rows.append(
            {
                "study": study,
                "parameter": name,
                "n_datasets": n,
                "n_rank": n_rank,
                "ecdf_max_dev": float(np.max(np.abs(ecdf - z))),
                "band_gamma": gamma,
                "inside_band": bool(np.all((ecdf >= lo) & (ecdf <= hi))),
                "chi2_p": float(stats.chisquare(observed, expected).pvalue)
                if n >= 20
                else math.nan,
                "coverage": k / n,
                "coverage_lo95": float(ci.low),
                "coverage_hi95": float(ci.high),
                "n_gate_failed": int((~r["gate_ok"].astype(bool)).sum()),
            }
        )
    return pd.DataFrame(rows, columns=SBC_COLUMNS)


def misspecification_table(records: pd.DataFrame) -> pd.DataFrame:
    """Per study: true vs estimated marginal - strong, coverage and attenuation."""
    rows = []
    for study, r in records.groupby("study", sort=False):
        diff = r[r["parameter"] == DIFFERENCE]
        means = r[r["parameter"].str.startswith("class_mean[")]
        if diff.empty:
            continue
        t, e = diff["truth"].to_numpy(float), diff["mean"].to_numpy(float)
        slope, slope_se = math.nan, math.nan
        if len(t) >= 3 and np.var(e) > 0:
            # truth on the posterior mean: slope 1 when the posterior is calibrated (a posterior
            # mean is E[truth | data]); the reverse regression is below 1 even then (shrinkage)
            fit = stats.linregress(e, t)
            slope, slope_se = float(fit.slope), float(fit.stderr)
        rows.append(
            {
                "study": study,
                "n_datasets": len(diff),
                "true_difference": float(t.mean()),
                "estimated_difference": float(e.mean()),
                "attenuation": float(e.mean() / t.mean()) if t.mean() != 0 else math.nan,
                "bias": float((e - t).mean()),
                "calibration_slope": slope,
                "calibration_slope_se": slope_se,
                "coverage_difference": float(diff["covered"].mean()),
                "coverage_class_means": float(means["covered"].mean()),
                "note": STUDIES.get(str(study), ""),
            }
        )
    return pd.DataFrame(rows, columns=MISSPECIFICATION_COLUMNS)


def ecdf_figure(records: pd.DataFrame, study: str = "sbc", prob: float = 0.95) -> str:
    """SVG: per parameter, ECDF(rank) - uniform with the simultaneous band (one panel each)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    r = records[(records["study"] == study) & (records["parameter"] != THETA)]
    names = list(dict.fromkeys(r["parameter"]))
    cols = 4
    rows = max(1, math.ceil(len(names) / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3.0 * cols, 2.2 * rows), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        sub = r[r["parameter"] == name]
        n_rank = int(sub["n_rank"].iloc[0])
        z, lo, hi, _ = ecdf_band(len(sub), n_rank, prob)
        ecdf = _ecdf(sub["rank"].to_numpy(int), n_rank)
        ax.fill_between(z, lo - z, hi - z, color="0.85", step="mid", label=f"{prob:.0%} band")
        ax.step(z, ecdf - z, where="mid", color="C0")
        ax.axhline(0, color="0.5", lw=0.5)
        ax.set_title(name, fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[len(names) :]:
        ax.axis("off")
    n_sets = len(r) // max(len(names), 1)
    fig.suptitle(f"SBC ({study}): ECDF of ranks minus uniform, {n_sets} data sets", fontsize=9)
    fig.tight_layout()
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()
