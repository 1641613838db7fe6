"""Checks that ship with every run: predictive checks, contraction and prior sensitivity.

For the primary (claim-level) fit of each modelled family, :func:`model_checks` returns one
long table (:data:`marginalia.columns.MODEL_CHECKS`), three kinds of rows:

- ``prior_predictive`` / ``posterior_predictive``: replicated data sets ``y_rep`` on the design
  of the data at hand (the same papers, benchmarks, SEs and "up to" flags), drawn from the
  priors or from the posterior; the posterior one is a mixed predictive (new paper, benchmark
  and comparison effects drawn with the posterior's spreads, so that it checks the
  hierarchical assumptions rather than refitting each y_k by its own theta_k), with two
  statistics of them against the observed ``y``: the
  spread (``sd_y``, the SD of the reported effects) and the share of large effects
  (``share_large``: |y| above ``large`` of the family, 10 pp or log 2). ``p_value`` is
  P(T(y_rep) >= T(y)): near 0 or 1 means the model does not reproduce that feature.
- ``contraction``: per population parameter, the prior and posterior SD and the contraction
  1 - var_post / var_prior (0: the data taught nothing, 1: the prior no longer matters).
- ``power_scaling``: priorsense-style sensitivity (Kallioinen et al. 2024) of each parameter's
  posterior to power-scaling the prior and the likelihood (``arviz_stats.psense_summary``; the
  log prior of each draw is computed here from the priors), with ArviZ's diagnosis.

The prior draws come from :func:`prior_draws`, the generative process of the priors written
out in NumPy (the model's likelihood is a Potential, which PyMC cannot draw from).
"""

from __future__ import annotations

import logging
import math
import warnings

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from marginalia.columns import MODEL_CHECKS
from marginalia.model.data import ModelData
from marginalia.model.priors import Priors
from marginalia.model.recovery import posterior_draws

__all__ = ["LARGE", "POPULATION", "model_checks", "prior_draws", "replicate"]

#: |y| above which an effect counts as large, per family (10 pp; a factor of 2)
LARGE = {"pp": 10.0, "log_ratio": math.log(2.0)}
#: population parameters of the primary model, as stored in the posterior
POPULATION = (
    "mu",
    "beta_upto",
    "tau_total",
    "tau_paper",
    "tau_bench",
    "tau_effect",
    "sigma_run",
    "sigma_unknown",
)


def prior_draws(priors: Priors, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` draws of the population parameters from the priors (the model's own process)."""
    total = np.abs(priors.tau_total_scale * rng.standard_t(3, size=n))
    shares = rng.dirichlet([priors.tau_share_concentration] * 3, size=n)
    return {
        "mu": rng.normal(priors.mu_mean, priors.mu_sd, size=n),
        "beta_upto": rng.normal(0.0, priors.beta_upto_sd, size=n),
        "tau_total": total,
        "tau_paper": total * np.sqrt(shares[:, 0]),
        "tau_bench": total * np.sqrt(shares[:, 1]),
        "tau_effect": total * np.sqrt(shares[:, 2]),
        "sigma_run": np.exp(
            rng.normal(math.log(priors.sigma_run_median), priors.sigma_run_log_sd, size=n)
        ),
        "sigma_unknown": np.exp(
            rng.normal(math.log(priors.sigma_unknown_median), priors.sigma_unknown_log_sd, size=n)
        ),
    }


def replicate(
    params: dict[str, np.ndarray], data: ModelData, rng: np.random.Generator
) -> np.ndarray:
    """(draws, effect) replicated ``y`` on ``data``'s design for each parameter draw."""
    n = params["mu"].shape[0]
    u = params["tau_paper"][:, None] * rng.standard_normal((n, len(data.papers)))
    v = params["tau_bench"][:, None] * rng.standard_normal((n, len(data.benches)))
    e = params["tau_effect"][:, None] * rng.standard_normal((n, data.n_effects))
    theta = params["mu"][:, None] + u[:, data.paper_idx] + v[:, data.bench_idx] + e
    s = np.where(data.se_known[None, :], data.se_filled[None, :], params["sigma_unknown"][:, None])
    run = params["sigma_run"][:, None] ** 2 * data.run_share[None, :]
    sd = np.sqrt(s**2 + run + data.range_var[None, :])
    mean = theta + params["beta_upto"][:, None] * data.upto[None, :]
    return mean + sd * rng.standard_normal(sd.shape)


def _statistics(y: np.ndarray, large: float) -> dict[str, np.ndarray]:
    y = np.atleast_2d(y)
    return {"sd_y": y.std(axis=1, ddof=1), "share_large": (np.abs(y) > large).mean(axis=1)}


#: most values of replicated y held at once: above it the draws are replicated in blocks (at
#: 200,000 comparisons 4,000 prior draws made 6.4 GB per array and the stage ran out of 24 GB).
#: One block, as on any corpus below 5,000 comparisons, draws the same numbers as before.
MAX_REPLICATE_VALUES = 20_000_000


def replicated_statistics(
    params: dict[str, np.ndarray], data: ModelData, rng: np.random.Generator, large: float
) -> dict[str, np.ndarray]:
    """:func:`_statistics` of :func:`replicate`'s draws, in blocks of draws that hold at most
    :data:`MAX_REPLICATE_VALUES` values."""
    n = params["mu"].shape[0]
    step = max(1, MAX_REPLICATE_VALUES // max(data.n_effects, 1))
    parts = [
        _statistics(replicate({k: v[lo : lo + step] for k, v in params.items()}, data, rng), large)
        for lo in range(0, n, step)
    ]
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


def _predictive_rows(
    check: str, params: dict[str, np.ndarray], data: ModelData, prob: float, rng
) -> list[dict[str, object]]:
    large = LARGE.get(data.family, 10.0)
    observed = _statistics(data.y, large)
    replicated = replicated_statistics(params, data, rng, large)
    q = ((1 - prob) / 2, (1 + prob) / 2)
    rows = []
    for name, obs in observed.items():
        rep = replicated[name]
        rows.append(
            {
                "check": check,
                "quantity": name,
                "observed": float(obs[0]),
                "mean": float(rep.mean()),
                "lo": float(np.quantile(rep, q[0])),
                "hi": float(np.quantile(rep, q[1])),
                "p_value": float((rep >= obs[0]).mean()),
                "note": f"|y| > {large:.3g}" if name == "share_large" else "SD of y",
            }
        )
    return rows


def _log_prior(post: dict[str, np.ndarray], priors: Priors) -> dict[str, np.ndarray]:
    """Per draw the log prior density of each free parameter (for power-scaling)."""
    conc = priors.tau_share_concentration
    shares = np.stack([post["tau_paper"], post["tau_bench"], post["tau_effect"]], axis=-1) ** 2
    shares = shares / np.maximum(post["tau_total"][..., None] ** 2, 1e-300)
    shares = np.clip(shares, 1e-12, 1.0)
    shares = shares / shares.sum(axis=-1, keepdims=True)
    return {
        "mu": stats.norm.logpdf(post["mu"], priors.mu_mean, priors.mu_sd),
        "beta_upto": stats.norm.logpdf(post["beta_upto"], 0.0, priors.beta_upto_sd),
        "tau_total": stats.t.logpdf(post["tau_total"], 3, 0.0, priors.tau_total_scale)
        + math.log(2.0),
        "tau_shares": stats.dirichlet.logpdf(
            np.moveaxis(shares, -1, 0).reshape(3, -1), [conc] * 3
        ).reshape(post["mu"].shape),
        "sigma_run": stats.lognorm.logpdf(
            post["sigma_run"], priors.sigma_run_log_sd, scale=priors.sigma_run_median
        ),
        "sigma_unknown": stats.lognorm.logpdf(
            post["sigma_unknown"], priors.sigma_unknown_log_sd, scale=priors.sigma_unknown_median
        ),
    }


def _power_scaling_rows(idata: xr.DataTree, priors: Priors) -> list[dict[str, object]]:
    import arviz_stats as azs

    post = {v: np.asarray(idata.posterior[v].values, float) for v in POPULATION}
    logp = _log_prior(post, priors)
    dims = ("chain", "draw")
    tree = idata.copy()
    tree["log_prior"] = xr.DataTree(
        xr.Dataset({k: (dims, v) for k, v in logp.items()}, coords=idata.posterior.coords)
    )
    psense_log = logging.getLogger("arviz_stats.psense")
    level = psense_log.level
    psense_log.setLevel(logging.ERROR)  # its "potential issues" notice: the table says which
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pareto k of the power-scaling weights
            table = azs.psense_summary(tree, var_names=list(POPULATION), round_to=6)
    finally:
        psense_log.setLevel(level)
    rows = []
    for name, r in table.iterrows():
        rows.append(
            {
                "check": "power_scaling",
                "quantity": str(name),
                "prior_sensitivity": float(r["prior"]),
                "likelihood_sensitivity": float(r["likelihood"]),
                "note": str(r["diagnosis"]),
            }
        )
    return rows


def _contraction_rows(idata: xr.DataTree, prior: dict[str, np.ndarray]) -> list[dict[str, object]]:
    rows = []
    for name in POPULATION:
        sd_post = float(posterior_draws(idata, name).std(ddof=1))
        sd_prior = float(np.std(prior[name], ddof=1))
        # heavy-tailed priors (half-t3) have a huge sample SD: use the IQR-based scale for both
        iqr_post = float(np.subtract(*np.quantile(posterior_draws(idata, name), [0.75, 0.25])))
        iqr_prior = float(np.subtract(*np.quantile(prior[name], [0.75, 0.25])))
        rows.append(
            {
                "check": "contraction",
                "quantity": name,
                "prior_sd": sd_prior,
                "posterior_sd": sd_post,
                "contraction": 1.0 - (iqr_post / iqr_prior) ** 2 if iqr_prior > 0 else np.nan,
                "note": "1 - (posterior IQR / prior IQR)^2",
            }
        )
    return rows


def model_checks(
    idata: xr.DataTree,
    data: ModelData,
    priors: Priors,
    *,
    prob: float = 0.9,
    n_prior: int = 4000,
    seed: int = 0,
) -> pd.DataFrame:
    """The checks table of one primary fit (columns :data:`MODEL_CHECKS`)."""
    rng = np.random.default_rng([seed, 11])
    prior = prior_draws(priors, n_prior, rng)
    rows = _predictive_rows("prior_predictive", prior, data, prob, rng)
    post = {v: posterior_draws(idata, v) for v in POPULATION}
    rows += _predictive_rows("posterior_predictive", post, data, prob, rng)
    rows += _contraction_rows(idata, prior)
    rows += _power_scaling_rows(idata, priors)
    out = pd.DataFrame(rows)
    out.insert(0, "analysis", data.analysis)
    out.insert(0, "family", data.family)
    for col in MODEL_CHECKS:
        if col not in out:
            out[col] = np.nan
    return out[MODEL_CHECKS]
