"""The plausible true effect of a comparison with its paper left out (DESIGN.md §5).

The power stage asks how large a comparison's true effect plausibly is *without* using the
paper's own reported values (they went through the same selection as the value being judged).
For every posterior draw ``phi`` of the population parameters (mu, beta_upto, the three tau,
sigma_run, sigma_unknown) the model is Gaussian, so the predictive of ``theta_k`` given the
other papers' results is exact:

- the shared benchmark effects ``v`` given all results, ``N(m, V)``, are computed once per draw
  (precision ``I / tau_bench^2 + sum_j Z_j' Sigma_j^-1 Z_j``, where ``Sigma_j`` is paper j's
  covariance with its paper effect integrated out: a diagonal plus ``tau_paper^2 1 1'``,
  inverted by Sherman-Morrison; the sum is assembled from within-paper pairs);
- paper i's results are removed by a Gaussian downdate on the benchmarks it touches,
  ``V_-i = V + V Z' K^-1 Z V`` and ``m_-i = m + V Z' K^-1 (Z m - r_i)`` with
  ``K = Sigma_i - Z V Z'`` (positive definite: it equals ``Sigma_i (Sigma_i + Z V_-i Z')^-1
  Sigma_i``);
- ``theta_k | y_-i, phi ~ N(mu + m_-i[b(k)], tau_paper^2 + tau_effect^2 + V_-i[b(k), b(k)])``
  (a new paper effect, a new comparison term, the benchmark as the other papers know it; a
  benchmark no other paper uses keeps its prior variance tau_bench^2), and
  ``y_i | y_-i, phi ~ N(Z m_-i, Sigma_i + Z V_-i Z')`` on the residual scale.

The draws of ``phi`` come from the posterior given *all* papers; they are reweighted towards
the posterior without paper i by Pareto-smoothed importance sampling with log ratios
``-log p(y_i | y_-i, phi)`` (Vehtari et al. 2024). Where the Pareto k of a paper exceeds 0.7
the weights are unreliable: the model stage refits the model without that paper (up to
``model.holdout_refit_max`` papers) and uses the refit's draws with equal weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from marginalia.model.crossblock import cross_cells, summer
from marginalia.model.data import ModelData, grouping

__all__ = [
    "GOOD_K",
    "HOLDOUT_CHUNK",
    "Holdout",
    "draw_subset",
    "holdout_table_columns",
    "leave_paper_out",
    "holdout_moments",
    "phi_draws",
    "psis_holdout",
    "with_refit",
]

#: Pareto k above which PSIS weights are unreliable (Vehtari et al. 2024, for S > 2000 draws
#: the threshold is min(1 - 1/log10 S, 0.7) = 0.7)
GOOD_K = 0.7
HOLDOUT_CHUNK = 128  # draws per batch
PHI = ("mu", "beta_upto", "tau_paper", "tau_bench", "tau_effect", "sigma_run", "sigma_unknown")


def draw_subset(n_total: int, n_keep: int) -> np.ndarray:
    """Evenly spaced indices of ``n_keep`` of ``n_total`` flattened (chain * draw) draws."""
    if n_keep >= n_total:
        return np.arange(n_total)
    return np.unique(np.linspace(0, n_total - 1, n_keep).round().astype(np.int64))


def phi_draws(idata: xr.DataTree, index: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The population parameters of a hierarchical fit, flattened over chains (and subset)."""
    out = {}
    for name in PHI:
        values = np.asarray(idata.posterior[name].values, dtype=float).reshape(-1)
        out[name] = values if index is None else values[index]
    return out


@dataclass
class Holdout:
    """Per draw and comparison, the predictive of theta with the comparison's paper left out.

    ``mean``/``var`` (draws, effect); ``log_weight`` (draws, paper), normalized per paper;
    ``pareto_k`` and ``method`` (``psis``, ``refit`` or ``psis_high_k``) per paper.
    """

    data: ModelData
    mean: np.ndarray
    var: np.ndarray
    log_weight: np.ndarray
    pareto_k: np.ndarray
    method: np.ndarray

    def effect_weights(self) -> np.ndarray:
        """(draws, effect) normalized weights, each effect's paper's."""
        return np.exp(self.log_weight[:, self.data.paper_idx])

    def summary(self) -> tuple[np.ndarray, np.ndarray]:
        """Per effect, the mean and SD of the (weighted) predictive of theta."""
        w = self.effect_weights()
        mean = np.sum(w * self.mean, axis=0)
        second = np.sum(w * (self.var + self.mean**2), axis=0)
        return mean, np.sqrt(np.maximum(second - mean**2, 0.0))

    def to_dataset(self) -> xr.Dataset:
        d = self.data
        return xr.Dataset(
            {
                "theta_mean": (("draw", "effect"), self.mean.astype(np.float32)),
                "theta_var": (("draw", "effect"), self.var.astype(np.float32)),
                "log_weight": (("draw", "paper"), self.log_weight),
                "pareto_k": (("paper",), self.pareto_k),
                "method": (("paper",), self.method.astype(str)),
                "effect_paper": (("effect",), np.asarray(d.effect_papers, dtype=str)),
            },
            coords={"effect": list(d.effect_ids), "paper": list(d.papers)},
            attrs={
                "description": (
                    "predictive of theta_k with its paper left out, per posterior draw "
                    "(Gaussian downdate), reweighted by PSIS (log_weight, per paper) or refit "
                    "without the paper (method refit: equal weights); DESIGN.md §5"
                ),
                "family": d.family,
            },
        )


def _sherman_morrison_terms(d: np.ndarray, tau_p2: np.ndarray, paper_idx: np.ndarray, n_p: int):
    """Per draw and paper, c_j = tau_p^2 / (1 + tau_p^2 sum_j 1/d); Sigma_j^-1 = W - c_j w w'."""
    w = 1.0 / d
    sw = np.asarray(w @ summer(paper_idx, n_p))
    return w, tau_p2[:, None] / (1.0 + tau_p2[:, None] * sw)


def _paper_batches(data: ModelData, bcol: np.ndarray, papers: np.ndarray):
    """The papers in batches of equal shape: per (comparisons m, shared benchmarks u), the
    papers' effect indices (P, m), their columns among the shared benchmarks (P, m; -1 lone)
    and their sorted distinct shared benchmark columns (P, u)."""
    order = np.argsort(data.paper_idx, kind="stable")
    counts = np.bincount(data.paper_idx, minlength=len(data.papers))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    groups: dict[tuple[int, int], list[tuple[int, np.ndarray, np.ndarray]]] = {}
    for i in papers:
        mine = order[starts[i] : starts[i] + counts[i]]
        cols = bcol[mine]
        uniq = np.unique(cols[cols >= 0])
        groups.setdefault((mine.size, uniq.size), []).append((int(i), mine, uniq))
    for (m, u), items in groups.items():
        yield (
            np.array([it[0] for it in items], dtype=np.int64),
            np.stack([it[1] for it in items]).reshape(len(items), m),
            np.stack([it[2] for it in items]).reshape(len(items), u).astype(np.int64),
        )


def holdout_moments(
    data: ModelData, phi: dict[str, np.ndarray], papers: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exact per-draw leave-paper-out moments (see the module docstring).

    Returns ``mean``, ``var`` (draws, effect) of ``theta_k | y_-i(k), phi`` and ``loglik``
    (draws, paper) ``log p(y_i | y_-i, phi)``; only papers in ``papers`` (indices; default all)
    are computed, the other columns are NaN. Papers with the same number of comparisons and of
    shared benchmarks are downdated together, as one batch of small dense problems.
    """
    group = grouping(data)
    n = data.n_effects
    n_p = len(data.papers)
    papers = np.arange(n_p) if papers is None else np.asarray(papers, dtype=np.int64)
    n_draws = phi["mu"].shape[0]
    bcol = group.bench_col
    n_b = group.shared_benches.size
    lone_b = group.lone_bench
    noise_known = np.where(data.se_known, data.se_filled, 0.0)
    # within-paper pairs of effects on shared benchmarks, for the Schur terms (crossblock.py:
    # the "cells" here are single effects, the eliminated level their paper)
    shared = np.flatnonzero(bcol >= 0)
    pairs = cross_cells(data.paper_idx[shared], np.arange(shared.size))
    pk = shared[pairs.cell_k[pairs.pair_a]]
    pm = shared[pairs.cell_k[pairs.pair_b]]
    batches = list(_paper_batches(data, bcol, papers))

    mean = np.full((n_draws, n), np.nan)
    var = np.full((n_draws, n), np.nan)
    loglik = np.full((n_draws, n_p), np.nan)
    for start in range(0, n_draws, HOLDOUT_CHUNK):
        sl = slice(start, start + HOLDOUT_CHUNK)
        mu, upto = phi["mu"][sl], phi["beta_upto"][sl]
        tau_p2, tau_b2, tau_e2 = (phi[f"tau_{lv}"][sl] ** 2 for lv in ("paper", "bench", "effect"))
        s = len(mu)
        sd = np.where(data.se_known[None, :], noise_known[None, :], phi["sigma_unknown"][sl, None])
        run = phi["sigma_run"][sl, None] ** 2 * data.run_share[None, :]
        noise = sd**2 + run + data.range_var[None, :]
        d = noise + tau_e2[:, None] + tau_b2[:, None] * lone_b[None, :]
        r = data.y[None, :] - mu[:, None] - upto[:, None] * data.upto[None, :]
        w, c = _sherman_morrison_terms(d, tau_p2, data.paper_idx, n_p)
        if n_b:
            prec = np.zeros((s, n_b * n_b))
            diag = np.arange(n_b) * (n_b + 1)
            prec[:, diag] = 1.0 / tau_b2[:, None]
            prec += np.asarray(w[:, shared] @ summer(bcol[shared] * (n_b + 1), n_b * n_b))
            if pk.size:
                vals = c[:, data.paper_idx[pk]] * w[:, pk] * w[:, pm]
                prec -= np.asarray(vals @ summer(bcol[pk] * n_b + bcol[pm], n_b * n_b))
            prec = prec.reshape(s, n_b, n_b)
            wr = np.asarray((w * r) @ summer(data.paper_idx, n_p))
            contrib = w * r - c[:, data.paper_idx] * w * wr[:, data.paper_idx]
            lin = np.asarray(contrib[:, shared] @ summer(bcol[shared], n_b))
            cov = np.linalg.inv(prec)
            cov = 0.5 * (cov + np.swapaxes(cov, 1, 2))
            loc = (cov @ lin[..., None])[..., 0]
        for ids, members, uniq in batches:
            n_batch, m_i = members.shape
            u = uniq.shape[1]
            eye = np.arange(m_i)
            sig = np.broadcast_to(tau_p2[:, None, None, None], (s, n_batch, m_i, m_i)).copy()
            sig[:, :, eye, eye] += d[:, members]
            ri = r[:, members]  # (s, P, m)
            cols = bcol[members]  # (P, m)
            th_var = (tau_p2 + tau_e2)[:, None, None] + tau_b2[:, None, None] * (cols < 0)
            th_mean = np.broadcast_to(mu[:, None, None], (s, n_batch, m_i)).copy()
            if u:
                z = (cols[:, :, None] == uniq[:, None, :]).astype(float)  # (P, m, u)
                v_uu = cov[:, uniq[:, :, None], uniq[:, None, :]]  # (s, P, u, u)
                m_u = loc[:, uniq]  # (s, P, u)
                zv = z[None] @ v_uu  # (s, P, m, u)
                zt = np.swapaxes(z, 1, 2)[None]
                k_mat = sig - zv @ zt
                zvt = np.swapaxes(zv, 2, 3)
                v_out = v_uu + zvt @ np.linalg.solve(k_mat, zv)
                resid = (z[None] @ m_u[..., None])[..., 0] - ri
                m_out = m_u + (zvt @ np.linalg.solve(k_mat, resid[..., None]))[..., 0]
                pred_cov = sig + z[None] @ v_out @ zt
                pred_mean = (z[None] @ m_out[..., None])[..., 0]
                has = cols >= 0
                pos = z.argmax(axis=2)  # (P, m): each comparison's column among uniq
                rows = np.arange(n_batch)[:, None]
                th_mean += np.where(has, m_out[:, rows, pos], 0.0)
                th_var += np.where(has, v_out[:, rows, pos, pos], 0.0)
            else:
                pred_cov, pred_mean = sig, np.zeros_like(ri)
            chol = np.linalg.cholesky(pred_cov)
            x = np.linalg.solve(chol, (ri - pred_mean)[..., None])[..., 0]
            logdet = 2.0 * np.sum(np.log(np.diagonal(chol, axis1=2, axis2=3)), axis=2)
            loglik[sl, ids] = -0.5 * (m_i * math.log(2 * math.pi) + logdet + np.sum(x * x, axis=2))
            flat = members.reshape(-1)
            mean[sl, flat] = th_mean.reshape(s, -1)
            var[sl, flat] = th_var.reshape(s, -1)
    return mean, var, loglik


def psis_holdout(data: ModelData, phi: dict[str, np.ndarray]) -> Holdout:
    """Leave-paper-out predictive for every paper, PSIS-reweighted (``method`` psis, or
    ``psis_high_k`` where Pareto k > :data:`GOOD_K`; the model stage may then refit)."""
    from arviz_stats.base import array_stats

    mean, var, loglik = holdout_moments(data, phi)
    # psislw takes the log-likelihood and smooths the ratios 1 / p(y_i | y_-i, phi) itself
    log_w, k_hat = array_stats.psislw(loglik.T, r_eff=1.0, axis=-1)
    log_w = np.asarray(log_w, dtype=float).T
    k_hat = np.asarray(k_hat, dtype=float).reshape(-1)
    method = np.where(k_hat > GOOD_K, "psis_high_k", "psis").astype(object)
    return Holdout(data, mean, var, log_w, k_hat, method)


def with_refit(
    holdout: Holdout, paper: int, phi_refit: dict[str, np.ndarray], n_draws: int
) -> None:
    """Replace paper ``paper``'s columns by the exact predictive under a refit without it
    (``phi_refit``: draws of the refit, thinned to the holdout's draw count; equal weights)."""
    index = draw_subset(phi_refit["mu"].shape[0], n_draws)
    phi = {k: v[index] for k, v in phi_refit.items()}
    if phi["mu"].shape[0] != holdout.mean.shape[0]:
        raise ValueError("the refit has fewer draws than the holdout")
    mean, var, _ = holdout_moments(holdout.data, phi, np.array([paper]))
    mine = holdout.data.paper_idx == paper
    holdout.mean[:, mine] = mean[:, mine]
    holdout.var[:, mine] = var[:, mine]
    holdout.log_weight[:, paper] = -math.log(holdout.mean.shape[0])
    holdout.method[paper] = "refit"


def holdout_table_columns(holdout: Holdout) -> dict[str, Any]:
    """Per effect: predictive mean and SD, its paper's Pareto k and method (comparisons.csv)."""
    mean, sd = holdout.summary()
    k = holdout.pareto_k[holdout.data.paper_idx]
    method = holdout.method[holdout.data.paper_idx]
    return {"theta_holdout_mean": mean, "theta_holdout_sd": sd, "holdout_k": k, "holdout": method}


def leave_paper_out(
    fit: Any, std_df: Any, settings: Any, *, cores: int | None = None
) -> tuple[Holdout, dict[str, Any]]:
    """The holdout predictive of a primary claim-level fit (``fitting.HierarchicalFit``), with
    refits (``settings.holdout_refit_max``) of papers whose Pareto k exceeds :data:`GOOD_K`.

    Returns the :class:`Holdout` and a record for diagnostics.json (draws, counts per method,
    one entry per refit with its gate result).
    """
    from marginalia.model.data import prepare_data
    from marginalia.model.fitting import fit_data

    data = fit.data
    n_total = int(fit.idata.posterior.sizes["chain"] * fit.idata.posterior.sizes["draw"])
    index = draw_subset(n_total, settings.holdout_draws)
    hold = psis_holdout(data, phi_draws(fit.idata, index))
    refits = []
    high = [int(i) for i in np.argsort(-hold.pareto_k) if hold.pareto_k[i] > GOOD_K]
    for i in high[: settings.holdout_refit_max]:
        paper = data.papers[i]
        rest = std_df[std_df["paper_id"].astype(str) != paper]
        sub = prepare_data(rest, data.family, data.analysis)
        entry: dict[str, Any] = {"paper_id": paper, "pareto_k": float(hold.pareto_k[i])}
        if sub.n_effects == 0:
            entry.update(ok=False, reasons=["no other paper's effects"])
        else:
            refit = fit_data(sub, "hierarchical", settings, cores=cores)
            entry.update(ok=refit.ok, reasons=list(refit.diagnostics.get("reasons", [])))
            if refit.ok:
                n_refit = int(
                    refit.idata.posterior.sizes["chain"] * refit.idata.posterior.sizes["draw"]
                )
                with_refit(hold, i, phi_draws(refit.idata), min(index.size, n_refit))
        refits.append(entry)
    methods, counts = np.unique(hold.method.astype(str), return_counts=True)
    record = {
        "draws": int(index.size),
        "good_k": GOOD_K,
        "papers": len(data.papers),
        "methods": {str(m): int(c) for m, c in zip(methods, counts, strict=True)},
        "refits": refits,
    }
    return hold, record
