"""The hierarchical model of the true size of reported improvements (DESIGN.md §4).

For the effects of one family (``pp``, and ``log_ratio`` when there are enough) with
``in_model`` true, paper ``i(k)``, benchmark ``b(k)`` and hedge class ``h(k)``::

    y_k      ~ Normal(theta_k, sqrt(s_k^2 + sigma_run^2))   s_k = se_k, or sigma_unknown if unknown
    theta_k  = mu + beta_hedge[h(k)] + beta_upto * [qualifier = up_to] + u_i + v_b
    u_i      = tau_paper * z_paper_i,  z_paper_i ~ Normal(0, 1)      (non-centred)
    v_b      = tau_bench * z_bench_b,  z_bench_b ~ Normal(0, 1)      (non-centred)

Priors: :mod:`marginalia.model.priors` (one place, with the text the report prints).

Choices (documented here and in diagnostics.json):

- **Identifiability.** ``beta_hedge`` of the reference class is fixed at 0: the reference is
  ``none`` (no size word), or the first class present in the order none, marginal, strong,
  mixed. The per-class mean true improvement is ``class_mean[c] = mu + beta_hedge[c]`` (the
  random effects average 0), for claims without "up to".
- **Classes without effects** are left out of the ``hedge`` coordinate (no prior-only
  parameters); hedge_classes.csv still lists them with ``n_effects`` 0 and a note.
- **Unnamed benchmarks.** An effect with an empty ``benchmark`` gets a benchmark level of its
  own paper, ``unnamed@<paper_id>``, shared by that paper's unnamed comparisons: the unnamed
  benchmark is one more draw from the population of benchmarks, never pooled with other
  papers' unnamed benchmarks.
- **Two analyses:** ``claim`` (h = the effect's ``hedge_local``) and ``paper`` (h = the paper's
  ``paper_hedge``).
- **Comparison models** (same likelihood, for PSIS-LOO): complete pooling (``theta_k = mu``)
  and no pooling (independent ``theta_k`` with a wide prior).

Outputs (:func:`write_outputs`): ``posterior.nc`` is one DataTree file: its root holds the
primary fit (family pp, claim level: ``posterior``, ``sample_stats``, ``log_likelihood``,
``observed_data``, ``constant_data``); every other hierarchical fit is a child node named
``<family>_<analysis>`` (``pp_paper``, ``log_ratio_claim``, ``log_ratio_paper``) with the same
groups. ``az.from_netcdf(path)`` loads it; ``tree["pp_paper"].posterior`` is the paper level.
With no effects at all the root is empty and its attrs say "no effects to model".
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import xarray as xr

from marginalia.errors import MarginaliaError
from marginalia.model.priors import FAMILIES, Priors, prior_table, priors_as_dict, priors_for
from marginalia.model.sampling import SAMPLERS, compile_model, divergences, sample
from marginalia.tables import write_csv, write_json

log = logging.getLogger(__name__)

__all__ = [
    "ANALYSES",
    "HEDGE_CLASSES",
    "HierarchicalFit",
    "ModelData",
    "ModelResult",
    "ModelSettings",
    "build_complete_pooling_model",
    "build_hierarchical_model",
    "build_no_pooling_model",
    "check_diagnostics",
    "fit_hierarchical",
    "posterior_tree",
    "prepare_data",
    "run_model",
    "write_outputs",
]

ANALYSES: dict[str, str] = {"claim": "hedge_local", "paper": "paper_hedge"}
HEDGE_CLASSES: dict[str, tuple[str, ...]] = {
    "claim": ("none", "marginal", "strong"),
    "paper": ("none", "marginal", "strong", "mixed"),
}
REQUIRED_COLUMNS = (
    "effect_id",
    "paper_id",
    "benchmark",
    "family",
    "y",
    "se",
    "qualifier",
    "hedge_local",
    "paper_hedge",
    "in_model",
)
SUMMARY_PARAMETERS = (
    "mu",
    "tau_paper",
    "tau_bench",
    "sigma_run",
    "sigma_unknown",
    "beta_upto",
    "beta_hedge",
    "class_mean",
)
SUMMARY_COLUMNS = [
    "analysis",
    "family",
    "parameter",
    "mean",
    "sd",
    "eti_5",
    "eti_95",
    "r_hat",
    "ess_bulk",
    "ess_tail",
]
COMPARISON_COLUMNS = [
    "analysis",
    "effect_id",
    "paper_id",
    "family",
    "y",
    "se",
    "theta_mean",
    "theta_lo",
    "theta_hi",
    "shrinkage",
    "p_positive",
    "p_meaningful",
]
HEDGE_COLUMNS = [
    "analysis",
    "family",
    "hedge_class",
    "n_effects",
    "n_papers",
    "mean",
    "sd",
    "eti_5",
    "eti_95",
    "p_marginal_lt_strong",
    "reference_class",
    "note",
]
LOO_COLUMNS = [
    "family",
    "model",
    "rank",
    "elpd",
    "se",
    "p",
    "elpd_diff",
    "dse",
    "weight",
    "n_high_pareto_k",
    "good_k",
    "note",
]
DIFFERENCE_LABEL = "marginal - strong"
ADAPTATIONS = ("diag", "low_rank")
FEW_EFFECTS = 10
NO_EFFECTS = "no effects to model"
OUTPUT_KEYS = ("posterior", "summary", "hedge_classes", "comparisons", "loo", "diagnostics")


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Thresholds:
    """Diagnostic gate: a fit passes only if all hold (Vehtari et al. 2021 for R-hat/ESS)."""

    max_divergences: int = 0
    max_rhat: float = 1.01
    min_ess_bulk_per_chain: float = 100.0
    min_ess_tail_per_chain: float = 100.0
    min_bfmi: float = 0.3


@dataclass(frozen=True)
class Retry:
    """One retry of a fit that fails the gate: longer tuning, smaller steps."""

    enabled: bool = True
    tune_factor: float = 2.0
    target_accept: float = 0.97
    adaptation: str = "low_rank"


@dataclass(frozen=True)
class ModelSettings:
    """The ``model`` config section, with defaults (the same as the JSON schema's)."""

    sampler: str = "nutpie"
    draws: int = 1000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.9
    adaptation: str = "diag"
    seed: int = 20251126
    rope: float = 1.0
    rope_log_ratio: float = 0.05
    interval_prob: float = 0.9
    min_effects_log_ratio: int = 10
    compare_models: bool = True
    thresholds: Thresholds = field(default_factory=Thresholds)
    retry: Retry = field(default_factory=Retry)
    priors: Mapping[str, Priors] = field(
        default_factory=lambda: {fam: priors_for(fam) for fam in FAMILIES}
    )

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> ModelSettings:
        """Settings from the ``model`` section (a whole config with a ``model`` key also works)."""
        cfg = dict(config or {})
        if isinstance(cfg.get("model"), Mapping):
            cfg = dict(cfg["model"])
        simple = {f.name for f in fields(cls)} - {"thresholds", "retry", "priors"}
        unknown = sorted(set(cfg) - simple - {"thresholds", "retry", "priors"})
        if unknown:
            raise MarginaliaError(
                f"config key model: unknown setting(s) {', '.join(unknown)} "
                "(see workflow/schemas/model.schema.yaml)"
            )
        kwargs: dict[str, Any] = {k: cfg[k] for k in simple if k in cfg}
        kwargs["thresholds"] = _sub_dataclass(Thresholds, cfg.get("thresholds"), "thresholds")
        kwargs["retry"] = _sub_dataclass(Retry, cfg.get("retry"), "retry")
        prior_cfg = dict(cfg.get("priors") or {})
        bad = sorted(set(prior_cfg) - set(FAMILIES))
        if bad:
            raise MarginaliaError(
                f"config key model.priors: unknown family {', '.join(bad)}; "
                f"use {', '.join(FAMILIES)}"
            )
        kwargs["priors"] = {fam: priors_for(fam, prior_cfg.get(fam)) for fam in FAMILIES}
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        def fail(key: str, what: str) -> None:
            raise MarginaliaError(f"config key model.{key}: {what}")

        if self.sampler not in SAMPLERS:
            fail("sampler", f"{self.sampler!r} is not one of {', '.join(SAMPLERS)}")
        for key in ("draws", "tune", "chains"):
            value = getattr(self, key)
            if not isinstance(value, int | np.integer) or value < 1:
                fail(key, f"give an integer >= 1 (got {value!r})")
        if not 0 < self.target_accept < 1:
            fail("target_accept", f"must be in (0, 1) (got {self.target_accept})")
        if not 0 < self.interval_prob < 1:
            fail("interval_prob", f"must be in (0, 1) (got {self.interval_prob})")
        if not 0 < self.retry.target_accept < 1:
            fail("retry.target_accept", f"must be in (0, 1) (got {self.retry.target_accept})")
        for key, value in (
            ("adaptation", self.adaptation),
            ("retry.adaptation", self.retry.adaptation),
        ):
            if value not in ADAPTATIONS:
                fail(key, f"{value!r} is not one of {', '.join(ADAPTATIONS)}")
        if self.retry.tune_factor < 1:
            fail("retry.tune_factor", f"must be >= 1 (got {self.retry.tune_factor})")
        if self.min_effects_log_ratio < 1:
            fail("min_effects_log_ratio", "must be >= 1")

    def rope_for(self, family: str) -> float:
        return self.rope if family == "pp" else self.rope_log_ratio

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["thresholds"] = {f.name: getattr(self.thresholds, f.name) for f in fields(Thresholds)}
        out["retry"] = {f.name: getattr(self.retry, f.name) for f in fields(Retry)}
        out["priors"] = {fam: priors_as_dict(p) for fam, p in self.priors.items()}
        return out


def _sub_dataclass(cls: type, value: Any, key: str) -> Any:
    value = dict(value or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise MarginaliaError(
            f"config key model.{key}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    return cls(**value)


def interval_columns(prob: float) -> tuple[str, str]:
    """Names of the lower/upper equal-tailed interval columns: eti_5/eti_95 at prob 0.9."""
    lo = 100 * (1 - prob) / 2
    return f"eti_{lo:g}", f"eti_{100 - lo:g}"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ModelData:
    """Arrays of one (family, analysis) fit, with the labels of every coordinate."""

    family: str
    analysis: str
    effect_ids: tuple[str, ...]
    effect_papers: tuple[str, ...]
    y: np.ndarray
    se: np.ndarray  # NaN where unknown
    paper_idx: np.ndarray
    bench_idx: np.ndarray
    hedge_idx: np.ndarray
    upto: np.ndarray
    papers: tuple[str, ...]
    benches: tuple[str, ...]
    hedges: tuple[str, ...]  # classes with effects; the first is the reference (beta = 0)
    class_counts: Mapping[str, int]
    class_papers: Mapping[str, int]

    @property
    def n_effects(self) -> int:
        return len(self.effect_ids)

    @property
    def se_known(self) -> np.ndarray:
        return np.isfinite(self.se)

    @property
    def se_filled(self) -> np.ndarray:
        return np.where(self.se_known, self.se, 0.0)

    @property
    def reference(self) -> str:
        return self.hedges[0]

    def coords(self) -> dict[str, list[str]]:
        return {
            "effect": list(self.effect_ids),
            "paper": list(self.papers),
            "bench": list(self.benches),
            "hedge": list(self.hedges),
            "hedge_free": list(self.hedges[1:]),
        }


def check_columns(df: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise MarginaliaError(
            f"standardized effects table lacks column(s) {', '.join(missing)}; "
            "rerun rule standardize_effects (results/model/effects_standardized.parquet)"
        )


def select_effects(df: pd.DataFrame, family: str) -> pd.DataFrame:
    """Rows of ``family`` with ``in_model`` true and a finite ``y``."""
    check_columns(df)
    in_model = df["in_model"].astype("boolean").fillna(False).astype(bool)
    y = pd.to_numeric(df["y"], errors="coerce")
    mask = (df["family"].astype("string") == family).fillna(False).astype(bool)
    return df.loc[mask & in_model & np.isfinite(y.astype(float))].reset_index(drop=True)


def _clean_hedge(values: pd.Series, analysis: str) -> np.ndarray:
    allowed = HEDGE_CLASSES[analysis]
    out = values.astype("string").fillna("none").str.strip().str.lower()
    out = out.mask(out == "", "none")
    bad = sorted(set(out) - set(allowed))
    if bad:
        raise MarginaliaError(
            f"standardized effects column {ANALYSES[analysis]}: unknown hedge class(es) "
            f"{', '.join(bad)}; expected one of {', '.join(allowed)}"
        )
    return out.to_numpy(dtype=object)


def prepare_data(effects_df: pd.DataFrame, family: str, analysis: str) -> ModelData:
    """Index arrays and labels of ``family``'s modelled effects for ``analysis``."""
    if analysis not in ANALYSES:
        raise MarginaliaError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    df = select_effects(effects_df, family)
    hedge = _clean_hedge(df[ANALYSES[analysis]], analysis)
    paper = df["paper_id"].astype("string").fillna("").to_numpy(dtype=object)
    bench_raw = df["benchmark"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    bench = np.array(
        [b if b else f"unnamed@{p}" for b, p in zip(bench_raw, paper, strict=True)], dtype=object
    )
    qualifier = df["qualifier"].astype("string").fillna("").str.strip().str.lower()
    se = pd.to_numeric(df["se"], errors="coerce").astype(float).to_numpy()
    se = np.where(np.isfinite(se) & (se > 0), se, np.nan)

    papers = tuple(dict.fromkeys(paper))
    benches = tuple(dict.fromkeys(bench))
    canonical = HEDGE_CLASSES[analysis]
    counts = {c: int((hedge == c).sum()) for c in canonical}
    class_papers = {c: len(set(paper[hedge == c])) for c in canonical}
    hedges = tuple(c for c in canonical if counts[c] > 0) or (canonical[0],)
    p_pos = {p: i for i, p in enumerate(papers)}
    b_pos = {b: i for i, b in enumerate(benches)}
    h_pos = {h: i for i, h in enumerate(hedges)}
    return ModelData(
        family=family,
        analysis=analysis,
        effect_ids=tuple(df["effect_id"].astype(str)),
        effect_papers=tuple(str(p) for p in paper),
        y=pd.to_numeric(df["y"]).astype(float).to_numpy(),
        se=se,
        paper_idx=np.array([p_pos[p] for p in paper], dtype=np.int64),
        bench_idx=np.array([b_pos[b] for b in bench], dtype=np.int64),
        hedge_idx=np.array([h_pos[h] for h in hedge], dtype=np.int64),
        upto=(qualifier == "up_to").to_numpy(dtype=float),
        papers=papers,
        benches=benches,
        hedges=hedges,
        class_counts=counts,
        class_papers=class_papers,
    )


# --------------------------------------------------------------------------- models


def _observation_sd(data: ModelData, sigma_run: Any, sigma_unknown: Any) -> Any:
    se = pm.Data("se", data.se_filled, dims="effect")
    known = pm.Data("se_known", data.se_known.astype(np.int8), dims="effect")
    s = pt.switch(pt.eq(known, 1), se, sigma_unknown)
    return pt.sqrt(pt.sqr(s) + pt.sqr(sigma_run))


def _noise_priors(priors: Priors) -> tuple[Any, Any]:
    sigma_run = pm.LogNormal(
        "sigma_run", mu=math.log(priors.sigma_run_median), sigma=priors.sigma_run_log_sd
    )
    sigma_unknown = pm.HalfNormal("sigma_unknown", sigma=priors.sigma_unknown_sd)
    return sigma_run, sigma_unknown


def build_hierarchical_model(data: ModelData, priors: Priors) -> pm.Model:
    """The model of the module docstring for ``data`` (pure: builds, never samples)."""
    if data.n_effects == 0:
        raise MarginaliaError(f"{NO_EFFECTS}: family {data.family} has no effects in the model")
    with pm.Model(coords=data.coords()) as model:
        paper_idx = pm.Data("paper_idx", data.paper_idx, dims="effect")
        bench_idx = pm.Data("bench_idx", data.bench_idx, dims="effect")
        hedge_idx = pm.Data("hedge_idx", data.hedge_idx, dims="effect")
        upto = pm.Data("upto", data.upto, dims="effect")

        mu = pm.Normal("mu", mu=priors.mu_mean, sigma=priors.mu_sd)
        if len(data.hedges) > 1:
            free = pm.Normal("beta_hedge_free", 0.0, priors.beta_hedge_sd, dims="hedge_free")
            beta_values = pt.concatenate([pt.zeros(1), free])
        else:
            beta_values = pt.zeros(1)
        beta_hedge = pm.Deterministic("beta_hedge", beta_values, dims="hedge")
        beta_upto = pm.Normal("beta_upto", 0.0, priors.beta_upto_sd)
        tau_paper = pm.HalfNormal("tau_paper", sigma=priors.tau_paper_sd)
        tau_bench = pm.HalfNormal("tau_bench", sigma=priors.tau_bench_sd)
        z_paper = pm.Normal("z_paper", 0.0, 1.0, dims="paper")
        z_bench = pm.Normal("z_bench", 0.0, 1.0, dims="bench")
        sigma_run, sigma_unknown = _noise_priors(priors)

        pm.Deterministic("class_mean", mu + beta_hedge, dims="hedge")
        theta = pm.Deterministic(
            "theta",
            mu
            + beta_hedge[hedge_idx]
            + beta_upto * upto
            + tau_paper * z_paper[paper_idx]
            + tau_bench * z_bench[bench_idx],
            dims="effect",
        )
        sd = _observation_sd(data, sigma_run, sigma_unknown)
        pm.Normal("y", mu=theta, sigma=sd, observed=data.y, dims="effect")
    return model


def build_complete_pooling_model(data: ModelData, priors: Priors) -> pm.Model:
    """Comparison model: one mean for every effect (no hedge, paper or benchmark terms)."""
    with pm.Model(coords={"effect": list(data.effect_ids)}) as model:
        mu = pm.Normal("mu", mu=priors.mu_mean, sigma=priors.mu_sd)
        sigma_run, sigma_unknown = _noise_priors(priors)
        sd = _observation_sd(data, sigma_run, sigma_unknown)
        pm.Normal("y", mu=mu, sigma=sd, observed=data.y, dims="effect")
    return model


def build_no_pooling_model(data: ModelData, priors: Priors) -> pm.Model:
    """Comparison model: an independent true effect per comparison with a wide prior."""
    with pm.Model(coords={"effect": list(data.effect_ids)}) as model:
        theta = pm.Normal("theta", 0.0, priors.no_pooling_sd, dims="effect")
        sigma_run, sigma_unknown = _noise_priors(priors)
        sd = _observation_sd(data, sigma_run, sigma_unknown)
        pm.Normal("y", mu=theta, sigma=sd, observed=data.y, dims="effect")
    return model


MODEL_BUILDERS = {
    "hierarchical": build_hierarchical_model,
    "complete_pooling": build_complete_pooling_model,
    "no_pooling": build_no_pooling_model,
}


# --------------------------------------------------------------------------- diagnostics


def _extreme(diag: xr.Dataset, posterior: xr.Dataset, kind: str) -> tuple[float, str]:
    """Largest (kind="max") or smallest (kind="min") value of a per-parameter diagnostic.

    Elements that are constant over all draws (the reference class's beta_hedge = 0) have no
    R-hat or ESS and are skipped; a NaN anywhere else counts as a failure (inf / 0).
    """
    best, where = (-np.inf, "") if kind == "max" else (np.inf, "")
    for name, da in diag.data_vars.items():
        draws = posterior[name].transpose("chain", "draw", ...).values.astype(float)
        varying = np.ptp(draws.reshape(-1, *draws.shape[2:]), axis=0) > 0
        values = np.asarray(da.transpose(*posterior[name].dims[2:]).values, dtype=float)
        values = values[varying]
        if values.size == 0:
            continue
        values = np.where(np.isnan(values), np.inf if kind == "max" else 0.0, values)
        value = float(values.max() if kind == "max" else values.min())
        if (kind == "max" and value > best) or (kind == "min" and value < best):
            best, where = value, name
    return best, where


def check_diagnostics(idata: xr.DataTree, thresholds: Thresholds) -> dict[str, Any]:
    """Divergences, max R-hat, min bulk/tail ESS and min E-BFMI against ``thresholds``."""
    import arviz_stats as azs

    post = idata.posterior.dataset
    chains = int(post.sizes["chain"])
    n_div = divergences(idata)
    with warnings.catch_warnings():
        # constant elements (the reference class's beta_hedge) divide by zero; skipped below
        warnings.simplefilter("ignore", RuntimeWarning)
        rhat, rhat_at = _extreme(azs.rhat(post), post, "max")
        ess_bulk, bulk_at = _extreme(azs.ess(post, method="bulk"), post, "min")
        ess_tail, tail_at = _extreme(azs.ess(post, method="tail"), post, "min")
    bfmi = float("nan")
    if "sample_stats" in idata.children and "energy" in idata.sample_stats:
        bfmi = float(np.min(np.asarray(azs.bfmi(idata.sample_stats.dataset)["energy"].values)))
    need_bulk = thresholds.min_ess_bulk_per_chain * chains
    need_tail = thresholds.min_ess_tail_per_chain * chains
    reasons = []
    if n_div > thresholds.max_divergences:
        reasons.append(f"{n_div} divergent transitions (allowed {thresholds.max_divergences})")
    if not rhat <= thresholds.max_rhat:
        reasons.append(f"max R-hat {rhat:.4f} on {rhat_at} (allowed {thresholds.max_rhat})")
    if not ess_bulk >= need_bulk:
        reasons.append(f"min bulk ESS {ess_bulk:.0f} on {bulk_at} (need {need_bulk:g})")
    if not ess_tail >= need_tail:
        reasons.append(f"min tail ESS {ess_tail:.0f} on {tail_at} (need {need_tail:g})")
    if math.isfinite(bfmi) and bfmi < thresholds.min_bfmi:
        reasons.append(f"min E-BFMI {bfmi:.3g} (need {thresholds.min_bfmi})")
    return {
        "ok": not reasons,
        "reasons": reasons,
        "divergences": n_div,
        "max_rhat": _json_float(rhat),
        "max_rhat_parameter": rhat_at,
        "min_ess_bulk": _json_float(ess_bulk),
        "min_ess_bulk_parameter": bulk_at,
        "min_ess_tail": _json_float(ess_tail),
        "min_ess_tail_parameter": tail_at,
        "min_bfmi": _json_float(bfmi),
        "required_ess_bulk": need_bulk,
        "required_ess_tail": need_tail,
    }


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


# --------------------------------------------------------------------------- fitting


@dataclass
class HierarchicalFit:
    """One gated fit: the DataTree, its data and its diagnostics (``ok``, reasons, attempts)."""

    name: str
    model: str
    data: ModelData
    idata: xr.DataTree
    diagnostics: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.diagnostics["ok"])


def sample_gated(
    model: pm.Model,
    settings: ModelSettings,
    *,
    label: str,
    cores: int | None = None,
    log_likelihood: bool = True,
) -> tuple[xr.DataTree, dict[str, Any]]:
    """Sample ``model``; if the diagnostic gate fails, retry once as configured.

    The retry tunes ``retry.tune_factor`` times longer with ``retry.target_accept``, nutpie's
    ``retry.adaptation`` (low_rank by default: it learns the correlation of mu with the random
    effects that slows a diagonal mass matrix when the data pin down each paper's or benchmark's
    effect) and seed + 1, reusing the compiled model. The result of the last attempt is returned
    with ``ok`` false and the reasons when it still fails: callers must report it, never use it
    silently.
    """
    t0 = time.perf_counter()
    compiled = compile_model(model, settings.sampler)
    compile_seconds = time.perf_counter() - t0
    plan = [(settings.tune, settings.target_accept, settings.adaptation, settings.seed)]
    if settings.retry.enabled:
        plan.append(
            (
                math.ceil(settings.tune * settings.retry.tune_factor),
                max(settings.retry.target_accept, settings.target_accept),
                settings.retry.adaptation,
                settings.seed + 1,
            )
        )
    attempts: list[dict[str, Any]] = []
    idata: xr.DataTree | None = None
    check: dict[str, Any] = {}
    sampling_seconds = 0.0
    for number, (tune, target_accept, adaptation, seed) in enumerate(plan, start=1):
        idata = sample(
            model,
            sampler=settings.sampler,
            draws=settings.draws,
            tune=tune,
            chains=settings.chains,
            seed=seed,
            target_accept=target_accept,
            cores=cores,
            compiled=compiled,
            log_likelihood=False,
            adaptation=adaptation,
        )
        sampling_seconds += float(idata.posterior.attrs.get("sampling_seconds", 0.0))
        check = check_diagnostics(idata, settings.thresholds)
        attempts.append(
            {
                "attempt": number,
                "tune": tune,
                "draws": settings.draws,
                "chains": settings.chains,
                "target_accept": target_accept,
                "adaptation": adaptation if settings.sampler == "nutpie" else "pymc default",
                "seed": seed,
                **{k: v for k, v in check.items() if k != "reasons"},
                "reasons": check["reasons"],
            }
        )
        log.info(
            "%s attempt %d: %s", label, number, "ok" if check["ok"] else "; ".join(check["reasons"])
        )
        if check["ok"]:
            break
    assert idata is not None
    if log_likelihood:  # once, for the attempt that is kept
        idata = pm.compute_log_likelihood(
            idata, model=model, extend_inferencedata=True, progressbar=False
        )
    diag = {
        **check,
        "retried": len(attempts) > 1,
        "attempts": attempts,
        "sampler": settings.sampler,
        "compile_seconds": round(compile_seconds, 3),
        "sampling_seconds": round(sampling_seconds, 3),
    }
    if not check["ok"]:
        diag["reasons"] = [f"{label}: {r}" for r in check["reasons"]]
        log.warning("%s FAILED its diagnostic gate: %s", label, "; ".join(check["reasons"]))
    return idata, diag


def _data_notes(data: ModelData) -> list[str]:
    notes = []
    if data.n_effects < FEW_EFFECTS:
        notes.append(f"only {data.n_effects} effect(s): the posterior mostly reflects the priors")
    empty = [c for c, n in data.class_counts.items() if n == 0]
    if empty:
        notes.append(f"no effects in hedge class(es) {', '.join(empty)}: not estimated")
    if data.reference != "none":
        notes.append(f"reference hedge class is {data.reference!r} (no 'none' effects)")
    if not data.upto.any():
        notes.append("no 'up to' effects: beta_upto is its prior")
    if data.se_known.all():
        notes.append("every se is known: sigma_unknown is its prior")
    return notes


def fit_hierarchical(
    effects_df: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    *,
    family: str = "pp",
    analysis: str = "claim",
    cores: int | None = None,
) -> HierarchicalFit:
    """Fit the hierarchical model of DESIGN.md §4 to ``family``'s effects, for ``analysis``.

    ``effects_df`` is the standardized effects table; ``config`` the ``model`` config section
    (defaults for missing keys). The fit goes through the diagnostic gate (one retry); check
    ``fit.ok`` and ``fit.diagnostics["reasons"]``. Raises MarginaliaError when there are no
    effects to model.
    """
    settings = ModelSettings.from_config(config)
    data = prepare_data(effects_df, family, analysis)
    if data.n_effects == 0:
        raise MarginaliaError(
            f"{NO_EFFECTS}: no effects of family {family!r} with in_model true in the "
            "standardized effects table"
        )
    return _fit(data, "hierarchical", settings, cores=cores)


def _fit(
    data: ModelData, kind: str, settings: ModelSettings, *, cores: int | None
) -> HierarchicalFit:
    name = f"{data.family}_{data.analysis}" if kind == "hierarchical" else f"{data.family}_{kind}"
    model = MODEL_BUILDERS[kind](data, settings.priors[data.family])
    log.info("fitting %s (%s): %d effects", name, kind, data.n_effects)
    idata, diag = sample_gated(model, settings, label=name, cores=cores)
    diag = {
        "name": name,
        "model": kind,
        "family": data.family,
        "analysis": data.analysis if kind == "hierarchical" else "",
        "n_effects": data.n_effects,
        "n_papers": len(data.papers),
        "n_benchmarks": len(data.benches),
        "notes": _data_notes(data) if kind == "hierarchical" else [],
        **diag,
    }
    if kind == "hierarchical":
        diag["reference_class"] = data.reference
        diag["hedge_classes"] = list(data.hedges)
    return HierarchicalFit(name=name, model=kind, data=data, idata=idata, diagnostics=diag)


# --------------------------------------------------------------------------- tables


def _draws(idata: xr.DataTree, var: str) -> np.ndarray:
    """Posterior draws of ``var`` as (samples, ...)."""
    values = np.asarray(idata.posterior[var].values, dtype=float)
    return values.reshape(values.shape[0] * values.shape[1], *values.shape[2:])


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
    ``s_k^2 / (s_k^2 + tau_paper^2 + tau_bench^2)`` with ``s_k^2 = se_k^2 + sigma_run^2``
    (``sigma_unknown`` in place of an unknown se): 0 = the estimate stays at y_k, 1 = pulled
    all the way to the population mean of its class.
    """
    data, idata = fit.data, fit.idata
    prob = settings.interval_prob
    theta = _draws(idata, "theta")
    sigma_run = _draws(idata, "sigma_run")[:, None]
    sigma_unknown = _draws(idata, "sigma_unknown")[:, None]
    tau2 = (_draws(idata, "tau_paper") ** 2 + _draws(idata, "tau_bench") ** 2)[:, None]
    s = np.where(data.se_known[None, :], data.se_filled[None, :], sigma_unknown)
    s2 = s**2 + sigma_run**2
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
    """Per hedge class the true mean improvement mu + beta_hedge[c]; and marginal - strong."""
    data = fit.data
    lo, hi = interval_columns(prob)
    q = ((1 - prob) / 2, (1 + prob) / 2)
    means = _draws(fit.idata, "class_mean")
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
            "p_marginal_lt_strong": np.nan,
            "note": "",
        }
        if cls in pos:
            row.update(stats(means[:, pos[cls]]))
            if cls == data.reference:
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
    return out[[*HEDGE_COLUMNS[:5], "mean", "sd", lo, hi, *HEDGE_COLUMNS[9:]]]


def loo_table(
    family: str, fits: Mapping[str, xr.DataTree], gate: Mapping[str, bool] | None = None
) -> pd.DataFrame:
    """PSIS-LOO of each fit of ``family`` (same observations) and their comparison.

    ``gate`` maps a fit's name to whether it passed the diagnostic gate; failed fits are noted.
    """
    import arviz_stats as azs

    gate = gate or {}
    rows: dict[str, dict[str, Any]] = {}
    for name, idata in fits.items():
        row: dict[str, Any] = {"family": family, "model": name, "note": ""}
        if not gate.get(name, True):
            row["note"] = "fit FAILED its diagnostic gate (see diagnostics.json)"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # high Pareto k: counted below
                res = azs.loo(idata, pointwise=True, var_name="y")
            k = np.asarray(res.pareto_k.values, dtype=float)
            row.update(
                elpd=float(res.elpd),
                se=float(res.se),
                p=float(res.p),
                good_k=float(res.good_k),
                n_high_pareto_k=int((k > res.good_k).sum()),
            )
            if row["n_high_pareto_k"]:
                row["note"] = _join(
                    row["note"],
                    f"{row['n_high_pareto_k']} Pareto k above {res.good_k:.2f}: "
                    "PSIS-LOO is unreliable for those effects",
                )
        except Exception as exc:  # small or degenerate data: report, do not crash
            row["note"] = _join(row["note"], f"PSIS-LOO failed: {exc}")
        rows[name] = row
    ok_fits = {n: fits[n] for n, r in rows.items() if "elpd" in r}
    if len(ok_fits) >= 2:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                cmp = azs.compare(ok_fits, round_to="none")
            for name, r in cmp.iterrows():
                rows[str(name)].update(
                    rank=int(r["rank"]),
                    elpd_diff=float(r["elpd_diff"]),
                    dse=float(r["dse"]),
                    weight=float(r["weight"]),
                )
        except Exception as exc:
            for r in rows.values():
                r["note"] = _join(r["note"], f"compare failed: {exc}")
    out = pd.DataFrame(list(rows.values()))
    for col in LOO_COLUMNS:
        if col not in out:
            out[col] = np.nan
    return (
        out[LOO_COLUMNS].sort_values(["family", "rank"], na_position="last").reset_index(drop=True)
    )


def _loo_name(diag: Mapping[str, Any]) -> str:
    """The model's name in loo.csv: hierarchical_<analysis>, complete_pooling, no_pooling."""
    if diag["model"] == "hierarchical":
        return f"hierarchical_{diag['analysis']}"
    return str(diag["model"])


def _join(a: str, b: str) -> str:
    return f"{a}; {b}" if a else b


# --------------------------------------------------------------------------- run


@dataclass
class ModelResult:
    """Everything fit_model writes: the fits' DataTrees and the tables."""

    trees: dict[str, xr.DataTree]
    summary: pd.DataFrame
    hedge_classes: pd.DataFrame
    comparisons: pd.DataFrame
    loo: pd.DataFrame
    diagnostics: dict[str, Any]
    priors: pd.DataFrame
    comparison_trees: dict[str, xr.DataTree] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return bool(self.diagnostics["ok"])


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def run_model(
    std_df: pd.DataFrame, config: Mapping[str, Any] | None = None, *, cores: int | None = None
) -> ModelResult:
    """Fit every model of stage 4 to the standardized effects and build the output tables.

    Family ``pp`` always (when it has effects), ``log_ratio`` when it has at least
    ``min_effects_log_ratio`` effects; for each, the claim- and paper-level hierarchical fits
    and (``compare_models``) complete and no pooling, compared by PSIS-LOO.
    """
    t_start = time.perf_counter()
    settings = ModelSettings.from_config(config)
    check_columns(std_df)
    lo, hi = interval_columns(settings.interval_prob)
    trees: dict[str, xr.DataTree] = {}
    comparison_trees: dict[str, xr.DataTree] = {}
    summaries, hedges, comparisons, loos = [], [], [], []
    fit_diags: list[dict[str, Any]] = []
    families: dict[str, dict[str, Any]] = {}
    reasons: list[str] = []

    for family in FAMILIES:
        n = len(select_effects(std_df, family))
        families[family] = {"n_effects": n, "modelled": False, "note": ""}
        if n == 0:
            families[family]["note"] = NO_EFFECTS
            continue
        if family == "log_ratio" and n < settings.min_effects_log_ratio:
            families[family]["note"] = (
                f"{n} effect(s) < min_effects_log_ratio = {settings.min_effects_log_ratio}: "
                "not modelled"
            )
            continue
        families[family]["modelled"] = True
        loo_fits: dict[str, xr.DataTree] = {}
        for analysis in ANALYSES:
            data = prepare_data(std_df, family, analysis)
            fit = _fit(data, "hierarchical", settings, cores=cores)
            trees[fit.name] = fit.idata
            loo_fits[f"hierarchical_{analysis}"] = fit.idata
            fit_diags.append(fit.diagnostics)
            summaries.append(summary_table(fit, settings.interval_prob))
            hedges.append(hedge_classes_table(fit, settings.interval_prob))
            comparisons.append(comparisons_table(fit, settings))
        if settings.compare_models:
            data = prepare_data(std_df, family, "claim")
            for kind in ("complete_pooling", "no_pooling"):
                fit = _fit(data, kind, settings, cores=cores)
                comparison_trees[fit.name] = fit.idata
                loo_fits[kind] = fit.idata
                fit_diags.append(fit.diagnostics)
        gate = {_loo_name(d): d["ok"] for d in fit_diags if d["family"] == family}
        loos.append(loo_table(family, loo_fits, gate))

    warnings_: list[str] = []
    for d in fit_diags:
        if not d["ok"]:
            # The hierarchical fits carry the inference: their failure fails the run. The
            # comparison models only feed PSIS-LOO; their failure is a warning, flagged in loo.
            (reasons if d["model"] == "hierarchical" else warnings_).extend(d["reasons"])
    if families["pp"]["n_effects"] == 0:
        reasons.insert(
            0, f"{NO_EFFECTS}: the standardized table has no pp effects with in_model true"
        )
    notes = [f"{d['name']}: {note}" for d in fit_diags for note in d.get("notes", [])]
    notes += [f"{fam}: {info['note']}" for fam, info in families.items() if info["note"]]
    prior_tables = pd.concat(
        [prior_table(settings.priors[fam], fam) for fam in FAMILIES], ignore_index=True
    )
    diagnostics = {
        "ok": not reasons,
        "reasons": reasons,
        "status": "fitted" if fit_diags else NO_EFFECTS,
        "sampler": settings.sampler,
        "seconds": round(time.perf_counter() - t_start, 3),
        "families": families,
        "fits": fit_diags,
        "warnings": warnings_,
        "notes": notes,
        "settings": settings.as_dict(),
        "priors": prior_tables.to_dict(orient="records"),
        "interval": {"kind": "eti", "prob": settings.interval_prob},
        "posterior_layout": POSTERIOR_LAYOUT,
        "choices": CHOICES,
    }
    summary = (
        pd.concat(summaries, ignore_index=True)
        if summaries
        else _empty([*SUMMARY_COLUMNS[:5], lo, hi, *SUMMARY_COLUMNS[7:]])
    )
    return ModelResult(
        trees=trees,
        comparison_trees=comparison_trees,
        summary=summary,
        hedge_classes=pd.concat(hedges, ignore_index=True)
        if hedges
        else _empty([*HEDGE_COLUMNS[:7], lo, hi, *HEDGE_COLUMNS[9:]]),
        comparisons=pd.concat(comparisons, ignore_index=True)
        if comparisons
        else _empty(COMPARISON_COLUMNS),
        loo=pd.concat(loos, ignore_index=True) if loos else _empty(LOO_COLUMNS),
        diagnostics=diagnostics,
        priors=prior_tables,
    )


POSTERIOR_LAYOUT = (
    "posterior.nc root = family pp, claim-level hierarchical fit (groups posterior, "
    "sample_stats, log_likelihood, observed_data, constant_data); each other hierarchical fit "
    "is a child node <family>_<analysis> (pp_paper, log_ratio_claim, log_ratio_paper) with the "
    "same groups"
)
CHOICES = {
    "identifiability": (
        "beta_hedge of the reference class (none, else the first class present) is fixed at 0; "
        "class_mean[c] = mu + beta_hedge[c] is the mean true improvement of class c for claims "
        "without 'up to' (random effects average 0)"
    ),
    "unnamed_benchmark": (
        "effects with an empty benchmark share a benchmark level of their own paper, "
        "unnamed@<paper_id>"
    ),
    "empty_classes": "hedge classes without effects are not estimated (listed with n_effects 0)",
    "shrinkage": (
        "posterior mean of s^2 / (s^2 + tau_paper^2 + tau_bench^2), s^2 = se^2 (or "
        "sigma_unknown^2) + sigma_run^2"
    ),
}


def posterior_tree(result: ModelResult) -> xr.DataTree:
    """One DataTree of all hierarchical fits (layout: :data:`POSTERIOR_LAYOUT`)."""
    names = list(result.trees)
    primary = "pp_claim" if "pp_claim" in result.trees else None
    root = result.trees[primary].copy() if primary is not None else xr.DataTree()
    for name in names:
        if name != primary:
            root[name] = result.trees[name].copy()
    root.attrs.update(
        {
            "marginalia_layout": POSTERIOR_LAYOUT,
            "marginalia_root_fit": primary or "",
            "marginalia_fits": ",".join(names),
            "marginalia_status": "fitted" if names else NO_EFFECTS,
            "marginalia_ok": int(result.ok),
        }
    )
    return root


def _write_netcdf(tree: xr.DataTree, path: str | os.PathLike) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        tree.to_netcdf(tmp)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_outputs(result: ModelResult, paths: Mapping[str, str | os.PathLike]) -> None:
    """Write posterior.nc, summary.csv, hedge_classes.csv, comparisons.csv, loo.csv and
    diagnostics.json to ``paths[key]`` for key in :data:`OUTPUT_KEYS` (each atomically)."""
    missing = [k for k in OUTPUT_KEYS if k not in paths]
    if missing:
        raise MarginaliaError(f"write_outputs: no path for {', '.join(missing)}")
    _write_netcdf(posterior_tree(result), paths["posterior"])
    write_csv(result.summary, paths["summary"])
    write_csv(result.hedge_classes, paths["hedge_classes"])
    write_csv(result.comparisons, paths["comparisons"])
    write_csv(result.loo, paths["loo"])
    write_json(paths["diagnostics"], result.diagnostics)
