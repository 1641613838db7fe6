"""The hierarchical model of the true size of reported improvements (DESIGN.md §4).

For the effects of one family (``pp``, and ``log_ratio`` when there are enough) with
``in_model`` true, paper ``i(k)``, benchmark ``b(k)`` and hedge class ``h(k)``::

    y_k      ~ Normal(theta_k, sqrt(s_k^2 + sigma_run^2))   s_k = se_k, or sigma_unknown if unknown
    theta_k  = mu + beta_hedge[h(k)] + beta_upto * [qualifier = up_to] + u_i + v_b
    u_i      ~ Normal(0, tau_paper)        v_b ~ Normal(0, tau_bench)

Priors: :mod:`marginalia.model.priors` (one place, with the text the report prints).

How it is sampled: random effects integrated out
------------------------------------------------
The model is linear and Gaussian given the population parameters, so the paper and benchmark
effects are **integrated out analytically**: NUTS samples only mu, beta_hedge, beta_upto,
tau_paper, tau_bench, sigma_run and sigma_unknown under the marginal likelihood
``y ~ MVNormal(mean, D + tau_paper^2 Z_p Z_p' + tau_bench^2 Z_b Z_b')`` (:func:`marginal_loglik`:
levels with one effect go into the diagonal, shared levels through the Woodbury identity and
a Schur complement).
After sampling, :func:`recover_effects` draws ``u_paper``, ``v_bench`` and ``theta`` exactly
from their Gaussian conditional given each posterior draw (seeded), so the posterior is the same
joint posterior as the model above; only the sampler's geometry changes. Why: on the embedded
corpus (42 pp effects, 22 papers, few effects per paper, most SEs unknown) the non-centred
parameterisation (``u_i = tau_paper z_i``) diverged at default settings (4-5 divergences per
fit at 1,000 draws and target_accept 0.9, max R-hat 1.009-1.017 and bulk ESS 230-470 on
tau_paper). The divergent draws sat in the upper tail of tau_paper (median 4.5-7 pp against a
posterior 10-90% range of 0.2-4.7 pp) with small sigma_run (0.5 against 0.9), not at
sigma_unknown near 0: papers with several precisely measured comparisons (CIFAR-10/100 at
SE 0.7 pp, GSM8K and MATH) pin u_i + v_b, so the non-centred z's must move in lockstep with
tau (an inverted funnel). Centring the paper effects removed the divergences but brought back
the funnel at small tau_paper (E-BFMI 0.12, R-hat 1.05); centring the benchmark effects,
partial centring weighted by each level's information, and a total-SD-with-Beta-split
parameterisation of (tau_paper, tau_bench) still gave divergences in most fits (up to 12 per
fit) or R-hat above 1.01. Integrating the effects out removes the funnel altogether: with
the same (old) priors and settings, 0 divergences and a smallest bulk ESS of 1,800-2,400 per
4,000 draws over 3 seeds. The comparison model with no pooling is sampled the same way (its theta_k
integrated out, then drawn).

Choices (documented here and in diagnostics.json):

- **Identifiability.** ``beta_hedge`` of the reference class is fixed at 0: the reference is
  ``none`` (no size word), or the first class present in the order none, marginal, strong,
  mixed. The per-class mean true improvement is ``class_mean[c] = mu + beta_hedge[c]`` (the
  random effects average 0), for claims without "up to".
- **Classes without effects** are left out of the ``hedge`` coordinate (no prior-only
  parameters); hedge_classes.csv still lists them with ``n_effects`` 0 and a note.
- **Unnamed benchmarks.** An effect with an empty ``benchmark`` is on a benchmark of its own,
  level ``unnamed@<effect_id>``: a comparison on a benchmark the abstract does not name is one
  more draw from the population of benchmarks, and two unnamed comparisons of one paper are not
  assumed to share a benchmark. (Before, they shared a level ``unnamed@<paper_id>``; on the
  embedded corpus that put clearly different benchmarks, e.g. 20.5 and 1.8 pp in one paper,
  into one level, and the model explained their spread as sampling noise: sigma_unknown's
  posterior median was 6.7 pp, above any binomial SE of a realistic test set. Dropping the
  benchmark term for unnamed comparisons instead would give them less true-effect variance
  than named ones, tau_paper^2 against tau_paper^2 + tau_bench^2.) For a paper with a single
  comparison on an unnamed benchmark, u_i, v_b and the noise only enter as a sum; tau_paper
  and tau_bench are identified by papers with several comparisons and by benchmarks shared
  across papers.
- **log_ratio and sampler settings.** Every log_ratio comparison has an unknown SE and (being
  unnamed, or the only one on its benchmark) a benchmark level of its own, so the data identify
  only tau_bench^2 + sigma_unknown^2 + sigma_run^2; the split follows the priors
  (zero-avoiding for the two noise terms, see priors.py). That curved ridge needs small steps:
  on the embedded corpus target_accept 0.9 gave 1-4 divergences in about half of the fits,
  0.95 with 2,000 draws still failed 7 of 16 fits (8 seeds x 2 analyses), and 0.98 with 2,000
  draws passed 16 of 16 with 0 divergences; at 1,000 draws 2 of 12 failed on R-hat/ESS of
  the recovered effects. Hence the defaults target_accept 0.98 and draws 2,000: sampling takes
  1-2 s per fit, compiling dominates.
- **Two analyses:** ``claim`` (h = the effect's ``hedge_local``) and ``paper`` (h = the paper's
  ``paper_hedge``).
- **Comparison models** (same likelihood, for PSIS-LOO): complete pooling (``theta_k = mu``)
  and no pooling (independent ``theta_k`` with a wide prior). Known failure: complete pooling
  of the log_ratio family must call all of its spread (SD 1.4 on the log scale in the embedded
  corpus) noise, sqrt(sigma_run^2 + sigma_unknown^2) ~ 1.3, far in the tails of both noise
  priors, so its posterior has two modes (sigma_run ~ 1.3 or sigma_unknown ~ 1.3; chains
  settle in different ones) and it fails the gate. Comparison models only feed PSIS-LOO: that
  is a warning in diagnostics.json and a note in loo.csv, not a failed run.
- **PSIS-LOO** uses, for every fit, the pointwise likelihood with the terms that belong to one
  effect alone integrated out: ``log p(y_k | population parameters, shared effects)``
  (:func:`recover_effects`). It estimates the same ``log p(y_k | y_-k)`` as the likelihood
  given theta_k, whose importance weights degenerate when each theta_k is pinned by its own
  y_k (on the embedded corpus Pareto k > 0.7 for 17-37 of the 42 pp effects in the
  hierarchical and no-pooling fits before, 1-6 now).

Outputs (:func:`write_outputs`): ``posterior.nc`` is one DataTree file: its root holds the
primary fit (family pp, claim level: ``posterior``, ``sample_stats``, ``log_likelihood``,
``observed_data``, ``constant_data``); every other hierarchical fit is a child node named
``<family>_<analysis>`` (``pp_paper``, ``log_ratio_claim``, ``log_ratio_paper``) with the same
groups. ``az.from_netcdf(path)`` loads it; ``tree["pp_paper"].posterior`` is the paper level.
The posterior group holds the sampled population parameters and the recovered ``u_paper``,
``v_bench`` and ``theta``; log_likelihood holds the pointwise likelihood used for PSIS-LOO.
With no effects at all the root is empty and its attrs say "no effects to model".
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping
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
    "Grouping",
    "build_complete_pooling_model",
    "build_hierarchical_model",
    "build_no_pooling_model",
    "check_diagnostics",
    "fit_hierarchical",
    "posterior_tree",
    "grouping",
    "marginal_loglik",
    "prepare_data",
    "recover_effects",
    "recovery",
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
UNNAMED = "unnamed@"
RECOVERY_CHUNK = 256  # posterior draws per batch when recovering the integrated-out effects
RECOVERY_STREAM = 7  # second seed word of the generator of the recovered effects
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
    target_accept: float = 0.99
    adaptation: str = "low_rank"


@dataclass(frozen=True)
class ModelSettings:
    """The ``model`` config section, with defaults (the same as the JSON schema's)."""

    sampler: str = "nutpie"
    draws: int = 2000
    tune: int = 1000
    chains: int = 4
    target_accept: float = 0.98
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
    effect_ids = df["effect_id"].astype(str).to_numpy(dtype=object)
    bench = np.array(
        [b if b else f"{UNNAMED}{e}" for b, e in zip(bench_raw, effect_ids, strict=True)],
        dtype=object,
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
        effect_ids=tuple(effect_ids),
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


@dataclass(frozen=True)
class Grouping:
    """The paper and benchmark levels of one fit, split into shared and lone levels.

    A level shared by two or more effects correlates them; a level with a single effect (a lone
    level) only adds its variance to that effect's. ``paper_col``/``bench_col`` give, per
    effect, the column of its paper/benchmark among the shared levels (-1 if lone);
    ``shared_papers``/``shared_benches`` the level index of every shared column.
    """

    paper_col: np.ndarray
    bench_col: np.ndarray
    shared_papers: np.ndarray
    shared_benches: np.ndarray

    @property
    def lone_paper(self) -> np.ndarray:
        return (self.paper_col < 0).astype(float)

    @property
    def lone_bench(self) -> np.ndarray:
        return (self.bench_col < 0).astype(float)

    @property
    def n_shared(self) -> int:
        return int(self.shared_papers.size + self.shared_benches.size)


def grouping(data: ModelData) -> Grouping:
    """Shared and lone levels of ``data`` (see :class:`Grouping`)."""

    def columns(idx: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        keep = np.flatnonzero(np.bincount(idx, minlength=n) >= 2)
        col = np.full(n, -1, dtype=np.int64)
        col[keep] = np.arange(keep.size)
        return col[idx], keep.astype(np.int64)

    paper_col, shared_papers = columns(data.paper_idx, len(data.papers))
    bench_col, shared_benches = columns(data.bench_idx, len(data.benches))
    return Grouping(paper_col, bench_col, shared_papers, shared_benches)


def _scatter(values: Any, col: np.ndarray, n: int) -> Any:
    """Sum of ``values`` over the effects of each of ``n`` shared columns (PyTensor)."""
    mine = np.flatnonzero(col >= 0)
    return pt.zeros(n)[col[mine]].inc(values[mine])


def marginal_loglik(
    resid: Any, noise_var: Any, tau_paper: Any, tau_bench: Any, group: Grouping
) -> Any:
    """log N(resid | 0, Sigma) with the paper and benchmark effects integrated out (PyTensor).

    ``Sigma = D + tau_paper^2 Z_p Z_p' + tau_bench^2 Z_b Z_b'`` with ``D = diag(noise_var)``.
    Lone levels go into the diagonal, ``d_k = noise_var_k + tau_paper^2 [lone paper] +
    tau_bench^2 [lone benchmark]``; shared levels by the Woodbury identity and the matrix
    determinant lemma on ``A = I + G^1/2 Z' D^-1 Z G^1/2``. Within the paper block and within
    the benchmark block ``A`` is diagonal (an effect has one paper and one benchmark), so the
    larger block is eliminated in closed form and only the Schur complement of the smaller one
    (``S >= I``: well conditioned even at tau = 0) needs a Cholesky factor.
    """
    d = noise_var + pt.sqr(tau_paper) * group.lone_paper + pt.sqr(tau_bench) * group.lone_bench
    w = 1.0 / d
    rw = resid * w
    quad = pt.sum(resid * rw)
    logdet = pt.sum(pt.log(d))
    blocks = sorted(
        [
            (tau_paper, group.paper_col, group.shared_papers.size),
            (tau_bench, group.bench_col, group.shared_benches.size),
        ],
        key=lambda b: -b[2],
    )
    (tau_e, col_e, n_e), (tau_k, col_k, n_k) = blocks  # eliminated (larger), kept
    if n_e:
        d_e = 1.0 + pt.sqr(tau_e) * _scatter(w, col_e, n_e)
        q_e = tau_e * _scatter(rw, col_e, n_e)
        quad = quad - pt.sum(pt.sqr(q_e) / d_e)
        logdet = logdet + pt.sum(pt.log(d_e))
    if n_k:
        q_k = tau_k * _scatter(rw, col_k, n_k)
        s = pt.diag(1.0 + pt.sqr(tau_k) * _scatter(w, col_k, n_k))
        if n_e:
            both = np.flatnonzero((col_e >= 0) & (col_k >= 0))
            x = tau_e * tau_k * pt.zeros((n_e, n_k))[col_e[both], col_k[both]].inc(w[both])
            s = s - pt.dot(x.T, x / d_e[:, None])
            q_k = q_k - pt.dot(x.T, q_e / d_e)
        chol = pt.linalg.cholesky(s)
        y = pt.linalg.solve_triangular(chol, q_k, lower=True)
        quad = quad - pt.sum(pt.sqr(y))
        logdet = logdet + 2.0 * pt.sum(pt.log(pt.diag(chol)))
    n = group.paper_col.size
    return -0.5 * (n * math.log(2.0 * math.pi) + logdet + quad)


def _noise_variance(data: ModelData, sigma_run: Any, sigma_unknown: Any) -> Any:
    """Per effect ``s_k^2 + sigma_run^2``, ``s_k`` = se_k or sigma_unknown where unknown."""
    se = pm.Data("se", data.se_filled, dims="effect")
    known = pm.Data("se_known", data.se_known.astype(np.int8), dims="effect")
    s = pt.switch(pt.eq(known, 1), se, sigma_unknown)
    return pt.sqr(s) + pt.sqr(sigma_run)


def _noise_priors(priors: Priors) -> tuple[Any, Any]:
    sigma_run = pm.LogNormal(
        "sigma_run", mu=math.log(priors.sigma_run_median), sigma=priors.sigma_run_log_sd
    )
    sigma_unknown = pm.LogNormal(
        "sigma_unknown",
        mu=math.log(priors.sigma_unknown_median),
        sigma=priors.sigma_unknown_log_sd,
    )
    return sigma_run, sigma_unknown


def build_hierarchical_model(data: ModelData, priors: Priors) -> pm.Model:
    """The model of the module docstring for ``data`` (pure: builds, never samples).

    The free parameters are the population-level ones (mu, beta_hedge, beta_upto, tau_paper,
    tau_bench, sigma_run, sigma_unknown); the paper and benchmark effects are integrated out
    (potential ``y_marginal``) and drawn after sampling by :func:`recover_effects`. The
    grouping (which effects share a paper or benchmark) is fixed when the model is built; the
    index arrays are also stored as ``pm.Data`` for the record (constant_data group).
    """
    if data.n_effects == 0:
        raise MarginaliaError(f"{NO_EFFECTS}: family {data.family} has no effects in the model")
    group = grouping(data)
    with pm.Model(coords=data.coords()) as model:
        pm.Data("paper_idx", data.paper_idx, dims="effect")
        pm.Data("bench_idx", data.bench_idx, dims="effect")
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
        sigma_run, sigma_unknown = _noise_priors(priors)

        pm.Deterministic("class_mean", mu + beta_hedge, dims="hedge")
        mean = mu + beta_hedge[hedge_idx] + beta_upto * upto
        noise_var = _noise_variance(data, sigma_run, sigma_unknown)
        pm.Potential(
            "y_marginal", marginal_loglik(data.y - mean, noise_var, tau_paper, tau_bench, group)
        )
    return model


def build_complete_pooling_model(data: ModelData, priors: Priors) -> pm.Model:
    """Comparison model: one mean for every effect (no hedge, paper or benchmark terms)."""
    with pm.Model(coords={"effect": list(data.effect_ids)}) as model:
        mu = pm.Normal("mu", mu=priors.mu_mean, sigma=priors.mu_sd)
        sigma_run, sigma_unknown = _noise_priors(priors)
        sd = pt.sqrt(_noise_variance(data, sigma_run, sigma_unknown))
        pm.Normal("y", mu=mu, sigma=sd, observed=data.y, dims="effect")
    return model


def build_no_pooling_model(data: ModelData, priors: Priors) -> pm.Model:
    """Comparison model: an independent true effect per comparison with a wide prior.

    ``theta_k ~ Normal(0, no_pooling_sd)`` is integrated out (``y_k ~ Normal(0,
    sqrt(no_pooling_sd^2 + s_k^2 + sigma_run^2))``) and drawn after sampling.
    """
    with pm.Model(coords={"effect": list(data.effect_ids)}) as model:
        sigma_run, sigma_unknown = _noise_priors(priors)
        total = pt.sqrt(priors.no_pooling_sd**2 + _noise_variance(data, sigma_run, sigma_unknown))
        pm.Potential("y_marginal", pm.logp(pm.Normal.dist(0.0, total), data.y).sum())
    return model


MODEL_BUILDERS = {
    "hierarchical": build_hierarchical_model,
    "complete_pooling": build_complete_pooling_model,
    "no_pooling": build_no_pooling_model,
}


# --------------------------------------------------------------------------- recovery


def _posterior_draws(idata: xr.DataTree, var: str) -> np.ndarray:
    """(chain * draw, ...) draws of ``var``."""
    values = np.asarray(idata.posterior[var].values, dtype=float)
    return values.reshape(values.shape[0] * values.shape[1], *values.shape[2:])


def _noise_draws(idata: xr.DataTree, data: ModelData) -> np.ndarray:
    """(draws, effect) ``s_k^2 + sigma_run^2`` of every posterior draw."""
    sigma_run = _posterior_draws(idata, "sigma_run")[:, None]
    sigma_unknown = _posterior_draws(idata, "sigma_unknown")[:, None]
    s = np.where(data.se_known[None, :], data.se_filled[None, :], sigma_unknown)
    return s**2 + sigma_run**2


def draw_hierarchical_effects(
    resid: np.ndarray,
    noise_var: np.ndarray,
    tau_paper: np.ndarray,
    tau_bench: np.ndarray,
    group: Grouping,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One exact draw of the integrated-out effects per posterior draw (NumPy).

    ``resid`` (draws, effect) is y - (mu + beta_hedge + beta_upto * upto); ``noise_var`` the
    matching ``s_k^2 + sigma_run^2``. Returns the standardized effects of the shared papers and
    of the shared benchmarks (draws, columns of :class:`Grouping`), and the lone paper and lone
    benchmark effects (draws, effect; 0 where the level is shared). The shared effects come from
    their Gaussian conditional ``N(A^-1 b, A^-1)`` by perturbation, ``z = A^-1 (b + G^1/2 Z'
    D^-1/2 xi_1 + xi_2)`` (solved through the Schur complement of the smaller block, as in
    :func:`marginal_loglik`), then each effect's lone terms from their conditional given the
    rest (Matheron's rule).
    """
    n_draws, n = resid.shape
    var_p = (tau_paper**2)[:, None] * group.lone_paper
    var_b = (tau_bench**2)[:, None] * group.lone_bench
    w = 1.0 / (noise_var + var_p + var_b)
    src = resid * w + rng.standard_normal((n_draws, n)) * np.sqrt(w)
    every = slice(None)

    def scatter(values: np.ndarray, col: np.ndarray, size: int) -> np.ndarray:
        out = np.zeros((n_draws, size))
        mine = np.flatnonzero(col >= 0)
        np.add.at(out, (every, col[mine]), values[:, mine])
        return out

    blocks = {
        "paper": (tau_paper[:, None], group.paper_col, group.shared_papers.size),
        "bench": (tau_bench[:, None], group.bench_col, group.shared_benches.size),
    }
    kept, elim = sorted(blocks, key=lambda b: blocks[b][2])  # the smaller block is kept
    tau_e, col_e, n_e = blocks[elim]
    tau_k, col_k, n_k = blocks[kept]
    e_diag = 1.0 + tau_e**2 * scatter(w, col_e, n_e)
    rhs_e = tau_e * scatter(src, col_e, n_e) + rng.standard_normal((n_draws, n_e))
    z_k = np.zeros((n_draws, n_k))
    if n_k:
        rhs_k = tau_k * scatter(src, col_k, n_k) + rng.standard_normal((n_draws, n_k))
        s = np.zeros((n_draws, n_k, n_k))
        diag = np.arange(n_k)
        s[:, diag, diag] = 1.0 + tau_k**2 * scatter(w, col_k, n_k)
        x = np.zeros((n_draws, n_e, n_k))
        both = np.flatnonzero((col_e >= 0) & (col_k >= 0))
        np.add.at(x, (every, col_e[both], col_k[both]), w[:, both])
        x *= (tau_e * tau_k)[:, :, None]
        xt = np.swapaxes(x, 1, 2)
        s -= xt @ (x / e_diag[:, :, None])
        rhs = rhs_k - (xt @ (rhs_e / e_diag)[..., None])[..., 0]
        z_k = np.linalg.solve(s, rhs[..., None])[..., 0]
        rhs_e = rhs_e - (x @ z_k[..., None])[..., 0]
    z_e = rhs_e / e_diag
    shared = np.zeros((n_draws, n))
    for tau, col, z in ((tau_e, col_e, z_e), (tau_k, col_k, z_k)):
        mine = np.flatnonzero(col >= 0)
        shared[:, mine] += tau * z[:, col[mine]]
    rho = resid - shared
    a0 = np.sqrt(var_p) * rng.standard_normal((n_draws, n))
    b0 = np.sqrt(var_b) * rng.standard_normal((n_draws, n))
    n0 = np.sqrt(noise_var) * rng.standard_normal((n_draws, n))
    delta = (rho - a0 - b0 - n0) * w
    z = {elim: z_e, kept: z_k}
    return z["paper"], z["bench"], a0 + var_p * delta, b0 + var_b * delta


def _set_posterior(idata: xr.DataTree, new: Mapping[str, xr.DataArray]) -> None:
    post = idata.posterior.to_dataset()
    idata["posterior"] = xr.DataTree(post.assign(new))


def _add_pointwise(
    idata: xr.DataTree, data: ModelData, loc: np.ndarray, var: np.ndarray, shape: tuple
) -> None:
    """log_likelihood (pointwise ``log N(y_k | loc_k, sqrt(var_k))``) and observed_data groups."""
    loglik = -0.5 * (np.log(2 * np.pi * var) + (data.y[None, :] - loc) ** 2 / var)
    coords: dict[str, Any] = {"effect": list(data.effect_ids)}
    sample_coords = {
        d: idata.posterior.dataset.coords[d].values
        for d in ("chain", "draw")
        if d in idata.posterior.dataset.coords
    }
    idata["log_likelihood"] = xr.DataTree(
        xr.Dataset(
            {"y": (("chain", "draw", "effect"), loglik.reshape(*shape, -1))},
            coords=coords | sample_coords,
        )
    )
    idata["observed_data"] = xr.DataTree(xr.Dataset({"y": (("effect",), data.y)}, coords=coords))


def recover_effects(
    idata: xr.DataTree,
    data: ModelData,
    *,
    model: str = "hierarchical",
    priors: Priors | None = None,
    rng: np.random.Generator | int = 0,
    log_likelihood: bool = True,
) -> xr.DataTree:
    """Add the integrated-out effects to a fit's posterior (in place; also returned).

    ``hierarchical``: ``u_paper`` (paper), ``v_bench`` (bench) and ``theta`` (effect), one exact
    draw from their conditional posterior per posterior draw of the population parameters, so
    the draws are from the joint posterior of the model in the module docstring. ``no_pooling``:
    ``theta`` (needs ``priors`` for no_pooling_sd). With ``log_likelihood`` the observed_data
    group and the pointwise log-likelihood for PSIS-LOO (group log_likelihood) are added too:
    ``log p(y_k | population parameters, shared levels' effects)``, the terms that belong to
    effect k alone (its theta_k in no pooling; its paper's and benchmark's effects when no other
    effect shares them) integrated out. Given those parameters the y_k are independent, so
    PSIS-LOO estimates the same ``log p(y_k | y_-k)`` as with the likelihood given theta_k, but
    its importance weights no longer degenerate when theta_k follows y_k closely.
    """
    rng = np.random.default_rng(rng)
    post = idata.posterior
    shape = (int(post.sizes["chain"]), int(post.sizes["draw"]))
    noise_var = _noise_draws(idata, data)
    dims3 = ("chain", "draw")
    if model == "no_pooling":
        if priors is None:
            raise MarginaliaError("recover_effects: the no_pooling model needs its priors")
        v0 = priors.no_pooling_sd**2
        t0 = math.sqrt(v0) * rng.standard_normal(noise_var.shape)
        n0 = np.sqrt(noise_var) * rng.standard_normal(noise_var.shape)
        theta = t0 + v0 / (v0 + noise_var) * (data.y[None, :] - t0 - n0)
        new = {"theta": xr.DataArray(theta.reshape(*shape, -1), dims=(*dims3, "effect"))}
        loc, var = np.zeros_like(noise_var), v0 + noise_var
    elif model == "hierarchical":
        group = grouping(data)
        beta = _posterior_draws(idata, "beta_hedge")
        mean = (
            _posterior_draws(idata, "mu")[:, None]
            + beta[:, data.hedge_idx]
            + _posterior_draws(idata, "beta_upto")[:, None] * data.upto[None, :]
        )
        tau_paper = _posterior_draws(idata, "tau_paper")
        tau_bench = _posterior_draws(idata, "tau_bench")
        n_draws = mean.shape[0]
        u = np.zeros((n_draws, len(data.papers)))
        v = np.zeros((n_draws, len(data.benches)))
        for start in range(0, n_draws, RECOVERY_CHUNK):
            sl = slice(start, start + RECOVERY_CHUNK)
            z_p, z_b, lone_p, lone_b = draw_hierarchical_effects(
                data.y[None, :] - mean[sl], noise_var[sl], tau_paper[sl], tau_bench[sl], group, rng
            )
            u[sl][:, group.shared_papers] = tau_paper[sl, None] * z_p
            v[sl][:, group.shared_benches] = tau_bench[sl, None] * z_b
            lp = group.lone_paper > 0
            lb = group.lone_bench > 0
            u[sl][:, data.paper_idx[lp]] = lone_p[:, lp]
            v[sl][:, data.bench_idx[lb]] = lone_b[:, lb]
        theta = mean + u[:, data.paper_idx] + v[:, data.bench_idx]
        loc = (
            mean
            + u[:, data.paper_idx] * (1.0 - group.lone_paper)
            + v[:, data.bench_idx] * (1.0 - group.lone_bench)
        )
        var = (
            noise_var
            + (tau_paper**2)[:, None] * group.lone_paper
            + (tau_bench**2)[:, None] * group.lone_bench
        )
        new = {
            "u_paper": xr.DataArray(u.reshape(*shape, -1), dims=(*dims3, "paper")),
            "v_bench": xr.DataArray(v.reshape(*shape, -1), dims=(*dims3, "bench")),
            "theta": xr.DataArray(theta.reshape(*shape, -1), dims=(*dims3, "effect")),
        }
    else:
        raise MarginaliaError(f"recover_effects: nothing to recover for model {model!r}")
    coords = {"effect": list(data.effect_ids)}
    if model == "hierarchical":
        coords |= {"paper": list(data.papers), "bench": list(data.benches)}
    _set_posterior(
        idata,
        {k: a.assign_coords({d: coords[d] for d in a.dims if d in coords}) for k, a in new.items()},
    )
    if log_likelihood:
        _add_pointwise(idata, data, loc, var, shape)
    return idata


Recover = Callable[[xr.DataTree, int, bool], xr.DataTree]


def recovery(data: ModelData, kind: str, priors: Priors) -> Recover | None:
    """The ``recover`` step of :func:`sample_gated` for a model ``kind`` (None if it needs none).

    The effects are drawn with a generator seeded by the attempt's sampler seed: reproducible.
    """
    if kind not in ("hierarchical", "no_pooling"):
        return None

    def recover(idata: xr.DataTree, seed: int, log_likelihood: bool) -> xr.DataTree:
        return recover_effects(
            idata,
            data,
            model=kind,
            priors=priors,
            rng=np.random.default_rng([seed, RECOVERY_STREAM]),
            log_likelihood=log_likelihood,
        )

    return recover


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
    recover: Recover | None = None,
) -> tuple[xr.DataTree, dict[str, Any]]:
    """Sample ``model``; if the diagnostic gate fails, retry once as configured.

    ``recover(idata, seed, log_likelihood)`` completes a model whose effects are integrated out
    (:func:`recover_effects`): it runs after every attempt, before the gate, so the recovered
    ``theta`` is checked too, and adds the pointwise log-likelihood; without it the
    log-likelihood comes from ``pm.compute_log_likelihood``. The retry tunes
    ``retry.tune_factor`` times longer with ``retry.target_accept``, nutpie's
    ``retry.adaptation`` and seed + 1, reusing the compiled model. The result of the last
    attempt is returned with ``ok`` false and the reasons when it still fails: callers must
    report it, never use it silently.
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
        if recover is not None:
            idata = recover(idata, seed, log_likelihood)
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
    if log_likelihood and recover is None:  # once, for the attempt that is kept
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
    priors = settings.priors[data.family]
    model = MODEL_BUILDERS[kind](data, priors)
    log.info("fitting %s (%s): %d effects", name, kind, data.n_effects)
    idata, diag = sample_gated(
        model, settings, label=name, cores=cores, recover=recovery(data, kind, priors)
    )
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
    "random_effects": (
        "paper and benchmark effects are integrated out analytically for sampling (no funnel); "
        "u_paper, v_bench and theta are then drawn exactly from their conditional posterior for "
        "every posterior draw"
    ),
    "unnamed_benchmark": (
        "an effect with an empty benchmark is on a benchmark of its own, level "
        "unnamed@<effect_id> (one more draw from the population of benchmarks; two unnamed "
        "comparisons of a paper are not assumed to share a benchmark)"
    ),
    "empty_classes": "hedge classes without effects are not estimated (listed with n_effects 0)",
    "loo": (
        "PSIS-LOO with each effect's own terms (a theta_k of its own; a paper or benchmark "
        "effect no other comparison shares) integrated out of its pointwise likelihood: the same "
        "log p(y_k | y_-k), with stable importance weights"
    ),
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
