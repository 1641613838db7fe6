"""Drawing the integrated-out effects after sampling, and the pointwise likelihood for LOO.

For every posterior draw of the population parameters, :func:`recover_effects` draws the paper
and benchmark effects and each comparison's true effect ``theta`` exactly from their Gaussian
conditional, and adds the pointwise log-likelihood used by PSIS-LOO (docs/model.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import xarray as xr

from marginalia.errors import MarginaliaError
from marginalia.model.crossblock import add_cross, cross_cells, summer
from marginalia.model.data import Grouping, ModelData, grouping
from marginalia.model.likelihood import HIERARCHICAL_KINDS
from marginalia.model.priors import Priors

__all__ = [
    "RECOVERY_CHUNK",
    "RECOVERY_STREAM",
    "Recover",
    "class_means",
    "draw_hierarchical_effects",
    "noise_draws",
    "posterior_draws",
    "recover_effects",
    "recovery",
    "pointwise_only",
    "thin_posterior",
]

RECOVERY_CHUNK = 256  # posterior draws per batch when recovering the integrated-out effects
RECOVERY_STREAM = 7  # second seed word of the generator of the recovered effects


def posterior_draws(idata: xr.DataTree, var: str) -> np.ndarray:
    """(chain * draw, ...) draws of ``var``."""
    values = np.asarray(idata.posterior[var].values, dtype=float)
    return values.reshape(values.shape[0] * values.shape[1], *values.shape[2:])


def noise_draws(idata: xr.DataTree, data: ModelData) -> np.ndarray:
    """(draws, effect) ``s_k^2 + sigma_run^2`` (+ a range's spread) of every posterior draw."""
    sigma_run = posterior_draws(idata, "sigma_run")[:, None]
    sigma_unknown = posterior_draws(idata, "sigma_unknown")[:, None]
    s = np.where(data.se_known[None, :], data.se_filled[None, :], sigma_unknown)
    return s**2 + sigma_run**2 * data.run_share[None, :] + data.range_var[None, :]


def draw_hierarchical_effects(
    resid: np.ndarray,
    noise_var: np.ndarray,
    tau_paper: np.ndarray,
    tau_bench: np.ndarray,
    group: Grouping,
    rng: np.random.Generator,
    tau_effect: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One exact draw of the integrated-out effects per posterior draw (NumPy).

    ``resid`` (draws, effect) is y minus its mean (mu + beta_upto * upto, and beta_hedge in the
    bound); ``noise_var`` the matching ``s_k^2 + sigma_run^2``. Returns the standardized effects
    of the shared papers and of the shared benchmarks (draws, columns of :class:`Grouping`), the
    lone paper and lone benchmark effects (draws, effect; 0 where the level is shared) and the
    effect terms ``e_k`` (draws, effect; 0 without ``tau_effect``). The shared effects come from
    their Gaussian conditional ``N(A^-1 b, A^-1)`` by perturbation, ``z = A^-1 (b + G^1/2 Z'
    D^-1/2 xi_1 + xi_2)`` (solved through the Schur complement of the smaller block, as in
    :func:`marginal_loglik`), then each effect's lone terms from their conditional given the
    rest (Matheron's rule).
    """
    n_draws, n = resid.shape
    var_p = (tau_paper**2)[:, None] * group.lone_paper
    var_b = (tau_bench**2)[:, None] * group.lone_bench
    var_e = np.zeros((n_draws, 1)) if tau_effect is None else (tau_effect**2)[:, None]
    w = 1.0 / (noise_var + var_p + var_b + var_e)
    src = resid * w + rng.standard_normal((n_draws, n)) * np.sqrt(w)

    def scatter(values: np.ndarray, col: np.ndarray, size: int) -> np.ndarray:
        return np.asarray(values @ summer(col, size))

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
        cells = cross_cells(col_e, col_k)
        if cells.n_cells:  # the cross block cell by cell, as in marginal_loglik
            tt = (tau_e * tau_k)[:, 0]
            c = scatter(w[:, cells.effects], cells.cell, cells.n_cells)
            s = add_cross(s, cells, c, 1.0 / e_diag, tt**2)
            via = c * (rhs_e / e_diag)[:, cells.cell_e]
            rhs_k = rhs_k - tt[:, None] * scatter(via, cells.cell_k, n_k)
        z_k = np.linalg.solve(s, rhs_k[..., None])[..., 0]
        if cells.n_cells:
            back = c * z_k[:, cells.cell_k]
            rhs_e = rhs_e - tt[:, None] * scatter(back, cells.cell_e, n_e)
    z_e = rhs_e / e_diag
    shared = np.zeros((n_draws, n))
    for tau, col, z in ((tau_e, col_e, z_e), (tau_k, col_k, z_k)):
        mine = np.flatnonzero(col >= 0)
        shared[:, mine] += tau * z[:, col[mine]]
    rho = resid - shared
    a0 = np.sqrt(var_p) * rng.standard_normal((n_draws, n))
    b0 = np.sqrt(var_b) * rng.standard_normal((n_draws, n))
    n0 = np.sqrt(noise_var) * rng.standard_normal((n_draws, n))
    if tau_effect is None:
        e0 = np.zeros((n_draws, n))
    else:
        e0 = np.sqrt(var_e) * rng.standard_normal((n_draws, n))
    delta = (rho - a0 - b0 - e0 - n0) * w
    z = {elim: z_e, kept: z_k}
    return z["paper"], z["bench"], a0 + var_p * delta, b0 + var_b * delta, e0 + var_e * delta


def class_means(theta: np.ndarray, data: ModelData) -> np.ndarray:
    """(draws, hedge) mean true improvement of each hedge class of ``data``, per draw.

    Claim level: the mean of ``theta_k`` over the class's comparisons. Paper level (the class
    is the paper's hedge): the mean over the class's papers of each paper's mean ``theta``, so
    that papers count equally however many comparisons they report (DESIGN.md §4).
    """
    out = np.zeros((theta.shape[0], len(data.hedges)))
    if data.analysis == "paper":
        # (paper, class) cells: the mean theta of each, then the mean over a class's papers
        n_p = len(data.papers)
        cell = data.hedge_idx * n_p + data.paper_idx
        sums = np.asarray(theta @ summer(cell, len(data.hedges) * n_p))
        counts = np.bincount(cell, minlength=len(data.hedges) * n_p)
        has = counts > 0
        per_paper = np.divide(sums, counts, out=np.zeros_like(sums), where=has[None, :])
        for h in range(len(data.hedges)):
            mine = has[h * n_p : (h + 1) * n_p]
            out[:, h] = per_paper[:, h * n_p : (h + 1) * n_p][:, mine].mean(axis=1)
        return out
    for h in range(len(data.hedges)):
        out[:, h] = theta[:, data.hedge_idx == h].mean(axis=1)
    return out


def _set_posterior(idata: xr.DataTree, new: Mapping[str, xr.DataArray]) -> None:
    post = idata.posterior.to_dataset()
    idata["posterior"] = xr.DataTree(post.assign(new))


def _add_pointwise(
    idata: xr.DataTree,
    data: ModelData,
    loc: np.ndarray,
    var: np.ndarray,
    shape: tuple,
    store: type = np.float64,
) -> None:
    """log_likelihood (pointwise ``log N(y_k | loc_k, sqrt(var_k))``, stored as ``store``) and
    observed_data groups. Computed in blocks of draws: at 200,000 comparisons one float64
    temporary of the whole (draws x comparisons) array is 1.3 GB, and the formula makes four."""
    loglik = np.empty(loc.shape, dtype=store)
    step = max(1, RECOVERY_CHUNK)
    for start in range(0, loc.shape[0], step):
        sl = slice(start, start + step)
        v = var[sl]
        loglik[sl] = -0.5 * (np.log(2 * np.pi * v) + (data.y[None, :] - loc[sl]) ** 2 / v)
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
    max_values: int | None = None,
    min_draws: int = 1,
) -> xr.DataTree:
    """Add the integrated-out effects to a fit's posterior (in place; also returned).

    With ``max_values`` (draws x effects) the posterior is first thinned within each chain to
    fit it, keeping at least ``min_draws`` per chain (:func:`thin_posterior`), and the
    recovered arrays are stored as float32.

    ``hierarchical``: ``u_paper`` (paper), ``v_bench`` (bench) and ``theta`` (effect), one exact
    draw from their conditional posterior per posterior draw of the population parameters, so
    the draws are from the joint posterior of the model in docs/model.md. ``no_pooling``:
    ``theta`` (needs ``priors`` for no_pooling_sd). With ``log_likelihood`` the observed_data
    group and the pointwise log-likelihood for PSIS-LOO (group log_likelihood) are added too:
    ``log p(y_k | population parameters, shared levels' effects)``, the terms that belong to
    effect k alone (its theta_k in no pooling; its paper's and benchmark's effects when no other
    effect shares them) integrated out. Given those parameters the y_k are independent, so
    PSIS-LOO estimates the same ``log p(y_k | y_-k)`` as with the likelihood given theta_k, but
    its importance weights no longer degenerate when theta_k follows y_k closely.
    """
    rng = np.random.default_rng(rng)
    thin = thin_posterior(idata, data.n_effects, max_values, min_draws)
    post = idata.posterior
    shape = (int(post.sizes["chain"]), int(post.sizes["draw"]))
    store = np.float32 if thin > 1 else np.float64
    noise_var = noise_draws(idata, data)
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
    elif model in HIERARCHICAL_KINDS:
        group = grouping(data)
        # shared benchmarks' effects sampled by NUTS (selection fits, many benchmarks): the
        # rest is drawn given them, with only the papers in the Gaussian conditional
        explicit = "v_bench_shared" in idata.posterior
        draw_group = group.papers_only() if explicit else group
        base = np.repeat(posterior_draws(idata, "mu")[:, None], data.n_effects, axis=1)
        if "beta_hedge" in idata.posterior:  # the hedge-in-the-mean bound
            base = base + posterior_draws(idata, "beta_hedge")[:, data.hedge_idx]
        mean = base + posterior_draws(idata, "beta_upto")[:, None] * data.upto[None, :]
        if explicit:
            v_shared = posterior_draws(idata, "v_bench_shared")
            on = group.bench_col >= 0
            shift = np.zeros_like(mean)
            shift[:, on] = v_shared[:, group.bench_col[on]]
        tau_paper = posterior_draws(idata, "tau_paper")
        tau_bench = posterior_draws(idata, "tau_bench")
        tau_effect = posterior_draws(idata, "tau_effect")
        n_draws = mean.shape[0]
        u = np.zeros((n_draws, len(data.papers)))
        v = np.zeros((n_draws, len(data.benches)))
        e = np.zeros((n_draws, data.n_effects))
        for start in range(0, n_draws, RECOVERY_CHUNK):
            sl = slice(start, start + RECOVERY_CHUNK)
            resid = data.y[None, :] - mean[sl] - (shift[sl] if explicit else 0.0)
            z_p, z_b, lone_p, lone_b, e[sl] = draw_hierarchical_effects(
                resid,
                noise_var[sl],
                tau_paper[sl],
                tau_bench[sl],
                draw_group,
                rng,
                tau_effect[sl],
            )
            u[sl][:, group.shared_papers] = tau_paper[sl, None] * z_p
            if explicit:
                v[sl][:, group.shared_benches] = v_shared[sl]
            else:
                v[sl][:, group.shared_benches] = tau_bench[sl, None] * z_b
            lp = group.lone_paper > 0
            lb = group.lone_bench > 0
            u[sl][:, data.paper_idx[lp]] = lone_p[:, lp]
            v[sl][:, data.bench_idx[lb]] = lone_b[:, lb]
        # "up to" is a maximum over noisy results: its excess is in y, not in theta
        theta = base + u[:, data.paper_idx] + v[:, data.bench_idx] + e
        loc = (
            mean
            + u[:, data.paper_idx] * (1.0 - group.lone_paper)
            + v[:, data.bench_idx] * (1.0 - group.lone_bench)
        )
        var = (
            noise_var
            + (tau_effect**2)[:, None]
            + (tau_paper**2)[:, None] * group.lone_paper
            + (tau_bench**2)[:, None] * group.lone_bench
        )
        new = {
            "u_paper": xr.DataArray(u.reshape(*shape, -1), dims=(*dims3, "paper")),
            "v_bench": xr.DataArray(v.reshape(*shape, -1), dims=(*dims3, "bench")),
            "theta": xr.DataArray(theta.reshape(*shape, -1), dims=(*dims3, "effect")),
            "class_mean": xr.DataArray(
                class_means(theta, data).reshape(*shape, -1), dims=(*dims3, "hedge")
            ),
        }
    else:
        raise MarginaliaError(f"recover_effects: nothing to recover for model {model!r}")
    coords = {"effect": list(data.effect_ids)}
    if model in HIERARCHICAL_KINDS:
        coords |= {
            "paper": list(data.papers),
            "bench": list(data.benches),
            "hedge": list(data.hedges),
        }
    _set_posterior(
        idata,
        {
            k: a.astype(store).assign_coords({d: coords[d] for d in a.dims if d in coords})
            for k, a in new.items()
        },
    )
    if log_likelihood:
        _add_pointwise(idata, data, loc, var, shape, store)
    return idata


def thin_posterior(
    idata: xr.DataTree, n_effects: int, max_values: int | None, min_draws: int = 1
) -> int:
    """Thin the posterior group in place to every t-th draw of each chain, t the smallest with
    chains x ceil(draws / t) x ``n_effects`` <= ``max_values`` but keeping at least
    ``min_draws`` draws per chain (the gate's R-hat and ESS of the recovered arrays need them,
    whatever the budget); returns t (1: left as it is).

    Only the posterior is thinned: sample_stats keeps every draw, so divergences and E-BFMI
    are still counted on all of them, and the gate checks the sampled parameters on every
    draw too (:func:`marginalia.model.diagnostics.sample_gated`). The posterior's attrs record
    ``thinned_by``.
    """
    post = idata.posterior
    chains, draws = int(post.sizes["chain"]), int(post.sizes["draw"])
    if not max_values or chains * draws * max(n_effects, 1) <= max_values:
        return 1
    thin = max(1, math.ceil(chains * draws * n_effects / max_values))
    while thin < draws and chains * math.ceil(draws / thin) * n_effects > max_values:
        thin += 1
    while thin > 1 and math.ceil(draws / thin) < min_draws:
        thin -= 1
    if thin == 1:
        return 1
    thinned = post.to_dataset().isel(draw=slice(None, None, thin))
    thinned.attrs = dict(post.attrs) | {"thinned_by": thin}
    idata["posterior"] = xr.DataTree(thinned)
    return thin


Recover = Callable[[xr.DataTree, int, bool], xr.DataTree]


def pointwise_only(
    model: Any, n_effects: int, max_values: int | None = None, min_draws: int = 1
) -> Recover:
    """The ``recover`` step of a model with nothing to recover (complete pooling): the
    posterior thinned to the budget as in :func:`recover_effects` and the pointwise
    log-likelihood of the kept draws (``pm.compute_log_likelihood``), float32 when thinned.

    Without it the log-likelihood of every draw was computed in float64: at 200,000
    comparisons and 4,000 draws 6.4 GB, and PSIS-LOO's temporaries of it ran the 100,000-paper
    model stage out of memory after every fit had passed its gate."""

    def recover(idata: xr.DataTree, seed: int, log_likelihood: bool) -> xr.DataTree:
        import pymc as pm

        thin = thin_posterior(idata, n_effects, max_values, min_draws)
        if log_likelihood:
            idata = pm.compute_log_likelihood(
                idata, model=model, extend_inferencedata=True, progressbar=False
            )
            if thin > 1:
                ll = idata.log_likelihood.to_dataset()
                idata["log_likelihood"] = xr.DataTree(ll.astype(np.float32))
        return idata

    return recover


def recovery(
    data: ModelData,
    kind: str,
    priors: Priors,
    max_values: int | None = None,
    min_draws: int = 1,
) -> Recover | None:
    """The ``recover`` step of :func:`sample_gated` for a model ``kind`` (None if it needs none);
    ``max_values`` and ``min_draws`` bound the thinning (:func:`thin_posterior`).

    The effects are drawn with a generator seeded by the attempt's sampler seed: reproducible.
    """
    if kind not in (*HIERARCHICAL_KINDS, "no_pooling"):
        return None

    def recover(idata: xr.DataTree, seed: int, log_likelihood: bool) -> xr.DataTree:
        return recover_effects(
            idata,
            data,
            model=kind,
            priors=priors,
            rng=np.random.default_rng([seed, RECOVERY_STREAM]),
            log_likelihood=log_likelihood,
            max_values=max_values,
            min_draws=min_draws,
        )

    return recover
