"""Simulation-based check of the hierarchical model: simulate with known parameters, fit, cover.

Each data set is drawn from the model's own generative process (DESIGN.md §4), with realistic
sizes: ``n_papers`` papers (uniform in a range, default 50-100), 1-4 effects each, a pool of
named benchmarks with test-set sizes of real benchmarks (binomial SEs at a baseline level drawn
per benchmark), some effects without a named benchmark (each on a benchmark of its own, a fresh
draw of the benchmark effect, as the model assumes: its ``unnamed@<effect_id>`` level) and
some with an unknown SE (noise ``sigma_unknown``), claim-level hedge classes none / marginal /
strong, and "up to" claims.

The true parameters are either drawn from the model's priors for every data set
(``truth: prior``, the default: simulation-based calibration, where 90% posterior intervals
must cover the truth in 90% of data sets up to Monte Carlo error) or fixed (``truth: fixed``,
values in ``fixed``: coverage at one realistic point, which need not be exactly nominal).

:func:`run_validation` fits the claim-level hierarchical model to every data set and returns
the coverage table (one row per parameter): ``parameter, n_datasets, n_intervals, nominal,
coverage, coverage_lo95, coverage_hi95`` (Clopper-Pearson 95% interval of the coverage),
``mean_width, bias, rmse, n_gate_failed``. Each fit goes through the same diagnostic gate
and retry as the production fits (:func:`marginalia.model.diagnostics.sample_gated`); data
sets whose fit still fails are kept (dropping them would bias the coverage) and counted.
``theta (all effects)`` pools the intervals of every effect of every data set (its binomial
interval ignores the dependence within a data set).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from marginalia.errors import MarginaliaError
from marginalia.model.data import prepare_data
from marginalia.model.diagnostics import sample_gated
from marginalia.model.likelihood import build_hierarchical_model
from marginalia.model.priors import Priors
from marginalia.model.recovery import recovery
from marginalia.model.settings import ModelSettings

log = logging.getLogger(__name__)

__all__ = [
    "COVERAGE_COLUMNS",
    "ValidationSettings",
    "coverage_table",
    "draw_truth",
    "STUDIES",
    "fit_dataset",
    "simulate_effects",
]

# Evaluation-set sizes of real benchmarks (../shared/reference/README.md).
BENCHMARK_SIZES = (164, 277, 400, 500, 805, 1172, 1319, 1821, 2376, 5000, 9815, 10000, 14042)
HEDGES = ("none", "marginal", "strong")
#: the simulation studies of validate_model (DESIGN.md §4): simulation-based calibration with the
#: data's own hedge classes, and two ways authors may choose their size word
STUDIES = {
    "sbc": "truth from the priors; hedge classes as in the data (simulation-based calibration)",
    "hedge_from_y": (
        "hedge chosen from the reported y (lowest third marginal, top third strong): the "
        "assumption of the primary model; class means of theta must be calibrated"
    ),
    "hedge_from_theta": (
        "hedge chosen from the true theta (authors know more than the abstract shows): the "
        "class difference is attenuated; the study reports by how much"
    ),
}
SCALARS = (
    "mu",
    "tau_total",
    "tau_paper",
    "tau_bench",
    "tau_effect",
    "sigma_run",
    "sigma_unknown",
    "beta_upto",
)
DIFFERENCE = "class_mean[marginal] - class_mean[strong]"
PARAMETERS = (
    *SCALARS,
    "class_mean[marginal]",
    "class_mean[strong]",
    DIFFERENCE,
)
THETA = "theta (all effects)"
COVERAGE_COLUMNS = [
    "parameter",
    "n_datasets",
    "n_intervals",
    "nominal",
    "coverage",
    "coverage_lo95",
    "coverage_hi95",
    "mean_width",
    "bias",
    "rmse",
    "n_gate_failed",
]


@dataclass(frozen=True)
class FixedTruth:
    mu: float = 2.0
    tau_paper: float = 2.0
    tau_bench: float = 1.0
    tau_effect: float = 1.0
    sigma_run: float = 1.0
    sigma_unknown: float = 2.0
    beta_upto: float = 1.5


@dataclass(frozen=True)
class ValidationSettings:
    """The ``validation`` config section, with defaults (the same as the JSON schema's)."""

    n_datasets: int = 50
    seed: int = 20251127
    truth: str = "prior"
    n_papers: tuple[int, int] = (50, 100)
    effects_per_paper: tuple[int, int] = (1, 4)
    n_benchmarks: int = 25
    p_no_benchmark: float = 0.15
    p_se_unknown: float = 0.3
    p_upto: float = 0.15
    hedge_probs: tuple[float, float, float] = (0.4, 0.25, 0.35)
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    fixed: FixedTruth = field(default_factory=FixedTruth)
    studies: tuple[str, ...] = ("sbc", "hedge_from_y", "hedge_from_theta")
    design: str = "data"
    rank_draws: int = 99

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> ValidationSettings:
        cfg = dict(config or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(cfg) - known)
        if unknown:
            raise MarginaliaError(
                f"config key validation: unknown setting(s) {', '.join(unknown)} "
                "(see workflow/schemas/validation.schema.yaml)"
            )
        kwargs: dict[str, Any] = dict(cfg)
        for key in ("n_papers", "effects_per_paper", "hedge_probs", "studies"):
            if key in kwargs:
                kwargs[key] = tuple(kwargs[key])
        if "fixed" in kwargs:
            fixed = dict(kwargs["fixed"] or {})
            bad = sorted(set(fixed) - {f.name for f in fields(FixedTruth)})
            if bad:
                raise MarginaliaError(
                    f"config key validation.fixed: unknown parameter(s) {', '.join(bad)}"
                )
            kwargs["fixed"] = FixedTruth(**{k: float(v) for k, v in fixed.items()})
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        def fail(key: str, what: str) -> None:
            raise MarginaliaError(f"config key validation.{key}: {what}")

        if self.truth not in ("prior", "fixed"):
            fail("truth", f"{self.truth!r} is not 'prior' or 'fixed'")
        if self.design not in ("data", "synthetic"):
            fail("design", f"{self.design!r} is not 'data' or 'synthetic'")
        bad = sorted(set(self.studies) - set(STUDIES))
        if bad or not self.studies:
            fail("studies", f"give one or more of {', '.join(STUDIES)} (got {list(self.studies)})")
        if self.rank_draws < 9:
            fail("rank_draws", "must be >= 9")
        for key in ("n_papers", "effects_per_paper"):
            lo, hi = getattr(self, key)
            if not 1 <= lo <= hi:
                fail(key, f"give [low, high] with 1 <= low <= high (got {[lo, hi]})")
        if len(self.hedge_probs) != 3 or min(self.hedge_probs) < 0 or sum(self.hedge_probs) <= 0:
            fail("hedge_probs", "give three non-negative weights for none, marginal, strong")
        for key in ("p_no_benchmark", "p_se_unknown", "p_upto"):
            if not 0 <= getattr(self, key) <= 1:
                fail(key, "must be a probability in [0, 1]")
        for key in ("n_datasets", "n_benchmarks", "draws", "tune", "chains"):
            if int(getattr(self, key)) < 1:
                fail(key, "must be >= 1")


def draw_truth(rng: np.random.Generator, settings: ValidationSettings, priors: Priors) -> dict:
    """The true parameters of one data set: from the priors, or the fixed values."""
    if settings.truth == "fixed":
        f = settings.fixed
        truth = {
            "mu": f.mu,
            "tau_paper": f.tau_paper,
            "tau_bench": f.tau_bench,
            "tau_effect": f.tau_effect,
            "sigma_run": f.sigma_run,
            "sigma_unknown": f.sigma_unknown,
            "beta_upto": f.beta_upto,
        }
    else:
        total = abs(priors.tau_total_scale * rng.standard_t(3))
        shares = rng.dirichlet([priors.tau_share_concentration] * 3)
        truth = {
            "mu": rng.normal(priors.mu_mean, priors.mu_sd),
            "tau_paper": total * math.sqrt(shares[0]),
            "tau_bench": total * math.sqrt(shares[1]),
            "tau_effect": total * math.sqrt(shares[2]),
            "sigma_run": math.exp(
                rng.normal(math.log(priors.sigma_run_median), priors.sigma_run_log_sd)
            ),
            "sigma_unknown": math.exp(
                rng.normal(math.log(priors.sigma_unknown_median), priors.sigma_unknown_log_sd)
            ),
            "beta_upto": rng.normal(0, priors.beta_upto_sd),
        }
    truth["tau_total"] = math.sqrt(
        truth["tau_paper"] ** 2 + truth["tau_bench"] ** 2 + truth["tau_effect"] ** 2
    )
    return truth


def _paper_hedge(classes: list[str]) -> str:
    has_m, has_s = "marginal" in classes, "strong" in classes
    if has_m and has_s:
        return "mixed"
    return "marginal" if has_m else "strong" if has_s else "none"


def simulate_effects(
    rng: np.random.Generator, settings: ValidationSettings, truth: Mapping[str, float]
) -> pd.DataFrame:
    """One standardized-effects table (family pp) drawn from the model with ``truth``.

    Returns the columns the model reads plus ``theta_true``; ``paper_hedge`` is derived from
    the paper's claim-level classes (marginal + strong = mixed).
    """
    n_papers = int(rng.integers(settings.n_papers[0], settings.n_papers[1] + 1))
    bench_names = [f"bench{b:02d}" for b in range(settings.n_benchmarks)]
    bench_n = rng.choice(BENCHMARK_SIZES, size=settings.n_benchmarks)
    bench_level = rng.uniform(0.3, 0.9, size=settings.n_benchmarks)
    z_bench = {name: rng.normal() for name in bench_names}
    hedge_p = np.asarray(settings.hedge_probs, dtype=float) / sum(settings.hedge_probs)
    rows = []
    for i in range(n_papers):
        paper = f"sim:{i:04d}"
        u = truth["tau_paper"] * rng.normal()
        k = int(rng.integers(settings.effects_per_paper[0], settings.effects_per_paper[1] + 1))
        paper_rows = []
        for j in range(k):
            named = rng.random() >= settings.p_no_benchmark
            b = int(rng.integers(settings.n_benchmarks))
            bench = bench_names[b] if named else ""
            # an unnamed benchmark is a benchmark of its own: a fresh benchmark effect
            v = truth["tau_bench"] * (z_bench[bench] if named else rng.normal())
            # the model's own generative process: the hedge word is not part of it
            hedge = str(rng.choice(HEDGES, p=hedge_p))
            upto = rng.random() < settings.p_upto
            theta = truth["mu"] + u + v + truth["tau_effect"] * rng.normal()
            se_known = named and rng.random() >= settings.p_se_unknown
            p = bench_level[b]
            se = 100 * math.sqrt(2 * p * (1 - p) / bench_n[b]) if se_known else math.nan
            s = se if se_known else truth["sigma_unknown"]
            y = (
                theta
                + truth["beta_upto"] * upto
                + rng.normal(0, math.sqrt(s**2 + truth["sigma_run"] ** 2))
            )
            paper_rows.append(
                {
                    "paper_id": paper,
                    "effect_id": f"{paper}#{j + 1}",
                    "benchmark": bench,
                    "family": "pp",
                    "y": y,
                    "se": se,
                    "qualifier": "up_to" if upto else "",
                    "hedge_local": hedge,
                    "in_model": True,
                    "theta_true": theta,
                }
            )
        ph = _paper_hedge([r["hedge_local"] for r in paper_rows])
        for r in paper_rows:
            r["paper_hedge"] = ph
        rows.extend(paper_rows)
    df = pd.DataFrame(rows)
    df["se"] = df["se"].astype(float)
    return df


def _interval(draws: np.ndarray, prob: float) -> tuple[float, float]:
    return (
        float(np.quantile(draws, (1 - prob) / 2)),
        float(np.quantile(draws, (1 + prob) / 2)),
    )


def fit_dataset(
    df: pd.DataFrame,
    truth: Mapping[str, float],
    model_settings: ModelSettings,
    settings: ValidationSettings,
    *,
    seed: int,
    cores: int | None = None,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Fit the claim-level model to one simulated table; one record per parameter interval.

    Each record also has the SBC rank of the truth among ``settings.rank_draws`` evenly spaced
    posterior draws (``rank``, 0..rank_draws). A column ``extra_var`` of ``df`` (a range's
    spread in a design taken from real data) is added to the noise variance, as in the fit of
    the real data.
    """
    data = prepare_data(df, "pp", "claim")
    if "extra_var" in df.columns:
        data = replace(data, extra_var=df["extra_var"].to_numpy(dtype=float))
    priors = model_settings.priors["pp"]
    model = build_hierarchical_model(data, priors)
    fit_settings = replace(
        model_settings, draws=settings.draws, tune=settings.tune, chains=settings.chains, seed=seed
    )
    idata, gate = sample_gated(
        model,
        fit_settings,
        label="simulated data set",
        cores=cores,
        log_likelihood=False,
        recover=recovery(data, "hierarchical", priors),
    )
    post = idata.posterior
    prob = model_settings.interval_prob

    def draws(var: str, **sel: str) -> np.ndarray:
        return np.asarray(post[var].sel(**sel).values, dtype=float).ravel()

    estimates: dict[str, np.ndarray] = {name: draws(name) for name in SCALARS}
    classes = set(data.hedges)
    truth = dict(truth)
    # the class means are of this data set's true effects (the estimand of DESIGN.md §4)
    true_means = df.groupby("hedge_local")["theta_true"].mean()
    for cls in ("marginal", "strong"):
        if cls in classes:
            estimates[f"class_mean[{cls}]"] = draws("class_mean", hedge=cls)
            truth[f"class_mean[{cls}]"] = float(true_means[cls])
    if {"marginal", "strong"} <= classes:
        estimates[DIFFERENCE] = estimates["class_mean[marginal]"] - estimates["class_mean[strong]"]
        truth[DIFFERENCE] = truth["class_mean[marginal]"] - truth["class_mean[strong]"]
    records = []
    keep = np.unique(np.linspace(0, estimates["mu"].size - 1, settings.rank_draws).round())
    keep = keep.astype(np.int64)
    for name, d in estimates.items():
        lo, hi = _interval(d, prob)
        t = float(truth[name])
        records.append(
            {
                "parameter": name,
                "truth": t,
                "mean": float(d.mean()),
                "lo": lo,
                "hi": hi,
                "covered": lo <= t <= hi,
                "rank": int(np.sum(d[keep] < t)),
                "n_rank": int(keep.size),
                "gate_ok": gate["ok"],
            }
        )
    theta = np.asarray(post["theta"].values, dtype=float).reshape(-1, data.n_effects)
    theta_true = df.set_index("effect_id").loc[list(data.effect_ids), "theta_true"].to_numpy()
    lo = np.quantile(theta, (1 - prob) / 2, axis=0)
    hi = np.quantile(theta, (1 + prob) / 2, axis=0)
    for k in range(data.n_effects):
        records.append(
            {
                "parameter": THETA,
                "truth": float(theta_true[k]),
                "mean": float(theta[:, k].mean()),
                "lo": float(lo[k]),
                "hi": float(hi[k]),
                "covered": bool(lo[k] <= theta_true[k] <= hi[k]),
                "rank": int(np.sum(theta[keep, k] < theta_true[k])),
                "n_rank": int(keep.size),
                "gate_ok": gate["ok"],
            }
        )
    info = {
        "n_effects": data.n_effects,
        "n_papers": len(data.papers),
        "gate_ok": gate["ok"],
        "retried": gate["retried"],
        "reasons": gate["reasons"],
        "compile_seconds": gate["compile_seconds"],
        "sampling_seconds": gate["sampling_seconds"],
    }
    return records, info


def coverage_table(records: pd.DataFrame, nominal: float) -> pd.DataFrame:
    """Coverage per parameter from the per-interval records of :func:`fit_dataset`."""
    rows = []
    order = [p for p in (*PARAMETERS, THETA) if p in set(records["parameter"])]
    for name in order:
        r = records[records["parameter"] == name]
        n = len(r)
        k = int(r["covered"].sum())
        ci = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="exact")
        err = r["mean"] - r["truth"]
        rows.append(
            {
                "parameter": name,
                "n_datasets": int(r["dataset"].nunique()),
                "n_intervals": n,
                "nominal": nominal,
                "coverage": k / n,
                "coverage_lo95": float(ci.low),
                "coverage_hi95": float(ci.high),
                "mean_width": float((r["hi"] - r["lo"]).mean()),
                "bias": float(err.mean()),
                "rmse": float(np.sqrt((err**2).mean())),
                "n_gate_failed": int(r.loc[~r["gate_ok"], "dataset"].nunique()),
            }
        )
    return pd.DataFrame(rows, columns=COVERAGE_COLUMNS)
