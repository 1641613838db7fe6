"""The models as PyMC models: the hierarchical model and the two comparison models.

The paper and benchmark effects are integrated out of the hierarchical model
(:func:`marginal_loglik`; with many shared benchmarks, and in the selection fits, the shared
benchmarks' effects are sampled instead and only the papers integrated out), and each effect's
own true value out of the no-pooling model; they are drawn after sampling by
:mod:`marginalia.model.recovery`. Equations and the reasons for
this parameterisation: docs/model.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from marginalia.errors import MarginaliaError
from marginalia.model.crossblock import cross_cells
from marginalia.model.data import NO_EFFECTS, Grouping, ModelData, grouping
from marginalia.model.priors import Priors

#: model kinds with paper, benchmark and effect terms (recovered after sampling)
HIERARCHICAL_KINDS = (
    "hierarchical",
    "hedge_in_mean",
    "selection_1",
    "selection_0.5",
    "selection_0.2",
)
#: the one-sided cut of the selection sensitivity, y/se (Vevea & Woods 2005)
SELECTION_Z = 1.959963984540054
#: the fixed weights of the non-significant side in the selection sensitivity fits
SELECTION_WEIGHTS = (0.5, 0.2)
#: a shared benchmark with at least this many comparisons gets a centred effect when benchmark
#: effects are sampled explicitly (its data outweigh the prior); the others are non-centred
CENTRED_MIN_EFFECTS = 20

__all__ = [
    "CENTRED_MIN_EFFECTS",
    "HIERARCHICAL_KINDS",
    "SELECTION_WEIGHTS",
    "SELECTION_Z",
    "MODEL_BUILDERS",
    "build_hedge_in_mean_model",
    "build_complete_pooling_model",
    "build_hierarchical_model",
    "build_no_pooling_model",
    "explicit_benches",
    "selection_model",
    "marginal_loglik",
    "structure_signature",
]


def likelihood_arrays(group: Grouping) -> tuple[dict[str, Any], tuple[bool, ...]]:
    """The grouping as the arrays :func:`marginal_loglik` reads, and its layout.

    The larger shared block (papers, usually) is eliminated in closed form and the smaller one
    kept (its Schur complement gets a Cholesky factor). ``e_*``/``k_*``: the effects with a
    shared level of the eliminated/kept block, their columns and the number of columns;
    ``cell_*``/``pair_*``: the cross block's cells and within-level cell pairs
    (:func:`marginalia.model.crossblock.cross_cells`). The layout, ``(papers eliminated, any
    eliminated column, any kept column, any cross cell)``, is all of the grouping the graph
    holds as constants; everything else goes in as ``pm.Data``, so fits of other comparisons
    with the same layout share one compiled model.
    """
    papers_first = group.shared_papers.size >= group.shared_benches.size
    (col_e, n_e), (col_k, n_k) = sorted(
        [(group.paper_col, group.shared_papers.size), (group.bench_col, group.shared_benches.size)],
        key=lambda b: -b[1],
    )
    e_eff, k_eff = np.flatnonzero(col_e >= 0), np.flatnonzero(col_k >= 0)
    cells = cross_cells(col_e, col_k)
    a, b = cells.pair_a, cells.pair_b
    arrays = {
        "lone_paper": group.lone_paper,
        "lone_bench": group.lone_bench,
        "e_effects": e_eff,
        "e_cols": col_e[e_eff],
        "e_levels": np.int64(n_e),
        "k_effects": k_eff,
        "k_cols": col_k[k_eff],
        "k_levels": np.int64(n_k),
        "cell_effects": cells.effects,
        "cell_of": cells.cell,
        "n_cells": np.int64(cells.n_cells),
        "cell_e": cells.cell_e,
        "cell_k": cells.cell_k,
        "pair_a": a,
        "pair_b": b,
        "pair_e": cells.cell_e[a],
        "pair_ka": cells.cell_k[a],
        "pair_kb": cells.cell_k[b],
    }
    layout = (bool(papers_first), bool(n_e), bool(n_k), bool(n_e and cells.n_cells))
    # the sizes as Python ints (PyTensor takes a 0-d array for a shape only as a tensor)
    return {k: np.asarray(v) if np.ndim(v) else int(v) for k, v in arrays.items()}, layout


def marginal_loglik(
    resid: Any,
    noise_var: Any,
    tau_paper: Any,
    tau_bench: Any,
    group: Grouping,
    tau_effect: Any = 0.0,
    *,
    as_data: bool = False,
) -> Any:
    """log N(resid | 0, Sigma) with the paper, benchmark and effect terms integrated out.

    ``Sigma = D + tau_paper^2 Z_p Z_p' + tau_bench^2 Z_b Z_b'`` with ``D = diag(noise_var +
    tau_effect^2)`` (PyTensor). Lone levels go into the diagonal too, ``d_k = noise_var_k +
    tau_effect^2 + tau_paper^2 [lone paper] + tau_bench^2 [lone benchmark]``; shared levels by
    the Woodbury identity and the matrix
    determinant lemma on ``A = I + G^1/2 Z' D^-1 Z G^1/2``. Within the paper block and within
    the benchmark block ``A`` is diagonal (an effect has one paper and one benchmark), so the
    larger block is eliminated in closed form and only the Schur complement of the smaller one
    (``S >= I``: well conditioned even at tau = 0) needs a Cholesky factor.

    ``as_data`` (inside a model) puts the grouping's arrays in as ``pm.Data`` (``lik_index``,
    ``lik_lone``; :func:`_packed_data`) instead of constants (:func:`likelihood_arrays`).
    """
    arrays, layout = likelihood_arrays(group)
    if as_data:
        arrays = _packed_data(arrays)
    return _integrated(resid, noise_var, tau_paper, tau_bench, tau_effect, arrays, layout)


def _packed_data(arrays: dict[str, Any]) -> dict[str, Any]:
    """The grouping's arrays as two ``pm.Data`` (``lik_lone``: the two per-effect float rows;
    ``lik_index``: every integer array and size, after a table of offsets) and views into
    them. nutpie hands every shared variable to its compiled C callbacks one by one, and their
    compile time grows with each (about half a second apiece): two instead of sixteen."""
    names = [k for k in arrays if k not in ("lone_paper", "lone_bench")]
    parts = [np.atleast_1d(np.asarray(arrays[k], dtype=np.int64)) for k in names]
    offsets = np.cumsum([len(names) + 1] + [p.size for p in parts])
    packed = pm.Data("lik_index", np.concatenate([offsets, *parts]).astype(np.int64))
    lone = pm.Data("lik_lone", np.stack([arrays["lone_paper"], arrays["lone_bench"]]))
    out: dict[str, Any] = {"lone_paper": lone[0], "lone_bench": lone[1]}
    for i, name in enumerate(names):
        view = packed[packed[i] : packed[i + 1]]
        out[name] = view[0] if np.ndim(arrays[name]) == 0 else view
    return out


def _integrated(
    resid: Any,
    noise_var: Any,
    tau_paper: Any,
    tau_bench: Any,
    tau_effect: Any,
    g: dict[str, Any],
    layout: tuple[bool, ...],
) -> Any:
    """:func:`marginal_loglik` on its arrays ``g`` (constants or ``pm.Data``) and layout."""
    papers_first, has_e, has_k, has_cells = layout
    d = (
        noise_var
        + pt.sqr(tau_effect)
        + pt.sqr(tau_paper) * g["lone_paper"]
        + pt.sqr(tau_bench) * g["lone_bench"]
    )
    w = 1.0 / d
    rw = resid * w
    quad = pt.sum(resid * rw)
    logdet = pt.sum(pt.log(d))
    tau_e, tau_k = (tau_paper, tau_bench) if papers_first else (tau_bench, tau_paper)

    def scatter(values: Any, block: str) -> Any:  # sum over the effects of each shared column
        return pt.zeros(g[f"{block}_levels"])[g[f"{block}_cols"]].inc(values[g[f"{block}_effects"]])

    if has_e:
        d_e = 1.0 + pt.sqr(tau_e) * scatter(w, "e")
        q_e = tau_e * scatter(rw, "e")
        quad = quad - pt.sum(pt.sqr(q_e) / d_e)
        logdet = logdet + pt.sum(pt.log(d_e))
    if has_k:
        n_k = g["k_levels"]
        q_k = tau_k * scatter(rw, "k")
        s = pt.diag(1.0 + pt.sqr(tau_k) * scatter(w, "k"))
        if has_cells:
            # the cross block, cell by cell (crossblock.py): sum_j c_j c_j' / d_j over the
            # pairs of cells within an eliminated level, never a dense (levels x B) matrix
            c = pt.zeros(g["n_cells"])[g["cell_of"]].inc(w[g["cell_effects"]])
            ginv = 1.0 / d_e
            pair = c[g["pair_a"]] * c[g["pair_b"]] * ginv[g["pair_e"]]
            cross = pt.zeros((n_k, n_k))[g["pair_ka"], g["pair_kb"]].inc(pair)
            s = s - pt.sqr(tau_e * tau_k) * cross
            lin = pt.zeros(n_k)[g["cell_k"]].inc(c * (q_e * ginv)[g["cell_e"]])
            q_k = q_k - tau_e * tau_k * lin
        chol = pt.linalg.cholesky(s)
        y = pt.linalg.solve_triangular(chol, q_k, lower=True)
        quad = quad - pt.sum(pt.sqr(y))
        logdet = logdet + 2.0 * pt.sum(pt.log(pt.diag(chol)))
    n = pt.shape(g["lone_paper"])[0]
    return -0.5 * (n * math.log(2.0 * math.pi) + logdet + quad)


def _noise_variance(data: ModelData, sigma_run: Any, sigma_unknown: Any) -> Any:
    """Per effect ``s_k^2 + sigma_run^2 / m_k`` (+ a range's spread), ``s_k`` = se_k or
    sigma_unknown where unknown, ``m_k`` the runs averaged."""
    se = pm.Data("se", data.se_filled, dims="effect")
    known = pm.Data("se_known", data.se_known.astype(np.int8), dims="effect")
    s = pt.switch(pt.eq(known, 1), se, sigma_unknown)
    # one shared variable for both rows (see _packed_data)
    extra = pm.Data("noise_terms", np.stack([data.run_share, data.range_var]))
    return pt.sqr(s) + pt.sqr(sigma_run) * extra[0] + extra[1]


def _prior_data(priors: Priors) -> Any:
    """The priors' numbers as one ``pm.Data`` vector (``prior_values``, in the order of the
    fields of :class:`Priors`), read as ``priors.<field>``: the pp and log_ratio fits, and runs
    with other priors, share one compiled model."""
    fields = [f.name for f in dataclasses.fields(priors)]
    values = pm.Data("prior_values", np.array([float(getattr(priors, f)) for f in fields]))
    return SimpleNamespace(**{f: values[i] for i, f in enumerate(fields)})


def _noise_priors(priors: Any) -> tuple[Any, Any]:
    sigma_run = pm.LogNormal(
        "sigma_run", mu=pt.log(priors.sigma_run_median), sigma=priors.sigma_run_log_sd
    )
    sigma_unknown = pm.LogNormal(
        "sigma_unknown",
        mu=pt.log(priors.sigma_unknown_median),
        sigma=priors.sigma_unknown_log_sd,
    )
    return sigma_run, sigma_unknown


def _variance_priors(priors: Any) -> tuple[Any, Any, Any, Any]:
    """tau_paper, tau_bench, tau_effect and sigma_run with the priors of DESIGN.md §4 (total SD
    half-t3, Dirichlet variance shares, log-normal sigma_run as in :func:`_noise_priors`),
    sampled in coordinates the likelihood separates (docs/model.md, "The variance ridge").

    Given everything else, the marginal likelihood sees ``sigma_run^2 / m_k + tau_effect^2``
    (its diagonal), and with no stated seed counts only their sum ``V``: with thousands of
    comparisons ``V`` is pinned to a few percent while the split follows the priors, a thin
    curved ridge in (log sigma_run, log tau_total, shares) on which NUTS needs many small steps
    (ESS 150-200 of 2,000 draws at 10,000 comparisons). NUTS samples ``log tau_paper``,
    ``log tau_bench``, ``log V`` and ``logit rho`` (``rho = sigma_run^2 / V``) instead, under
    the same prior density: the priors' density in the variances (``x_i = tau_i^2``:
    ``p_T(T) / (2T) Dir(x / T^2) / T^4``; ``x_s = sigma_run^2``: ``p_sigma / (2 sigma)``) times
    the Jacobians ``V`` of ``(x_e, x_s) -> (V, rho)`` and ``2 x_p 2 x_b V rho (1 - rho)`` of
    the unconstrained coordinates.
    """
    a = priors.tau_share_concentration
    scale = priors.tau_total_scale
    log_tp = pm.Flat("log_tau_paper")
    log_tb = pm.Flat("log_tau_bench")
    log_v = pm.Flat("log_var_effect_run")
    logit_rho = pm.Flat("logit_run_share")
    x_p, x_b = pt.exp(2.0 * log_tp), pt.exp(2.0 * log_tb)
    log_rho = -pt.softplus(-logit_rho)  # log sigmoid, stable at both ends
    log_1m_rho = -pt.softplus(logit_rho)
    x_e = pt.exp(log_1m_rho + log_v)
    t2 = x_p + x_b + x_e
    log_t = 0.5 * pt.log(t2)
    # half-Student-t(3, 0, scale) at T, per unit of T
    log_p_t = (
        math.log(2.0)
        + math.lgamma(2.0)
        - math.lgamma(1.5)
        - 0.5 * math.log(3.0 * math.pi)
        - pt.log(scale)
        - 2.0 * pt.log1p(t2 / (3.0 * scale**2))
    )
    log_x_e = log_1m_rho + log_v  # not log(x_e): exp underflows at extreme logit rho
    log_shares = [2.0 * log_tp - 2.0 * log_t, 2.0 * log_tb - 2.0 * log_t, log_x_e - 2.0 * log_t]
    log_dir = pt.gammaln(3.0 * a) - 3.0 * pt.gammaln(a) + (a - 1.0) * sum(log_shares)
    log_sigma = 0.5 * (log_rho + log_v)
    mu_s, sd_s = pt.log(priors.sigma_run_median), priors.sigma_run_log_sd
    log_p_sigma = (
        -log_sigma
        - pt.log(sd_s)
        - 0.5 * math.log(2.0 * math.pi)
        - 0.5 * pt.sqr((log_sigma - mu_s) / sd_s)
    )
    log_density = (
        log_p_t
        - math.log(2.0)
        - log_t  # p_{T^2}(T^2) = p_T(T) / (2 T)
        + log_dir
        - 4.0 * log_t  # 1 / T^4: (T^2, shares) -> variances
        + log_p_sigma
        - math.log(2.0)
        - log_sigma  # p_{sigma^2}
        + log_v  # (x_e, x_s) -> (V, rho)
        + math.log(4.0)
        + 2.0 * log_tp
        + 2.0 * log_tb  # log tau -> x_p, x_b
        + log_v
        + log_rho
        + log_1m_rho  # log V, logit rho -> V, rho
    )
    pm.Potential("variance_prior", log_density)
    pm.Deterministic("tau_total", pt.sqrt(t2))
    pm.Deterministic("tau_shares", pt.stack([x_p, x_b, x_e]) / t2, dims="level")
    tau_paper = pm.Deterministic("tau_paper", pt.exp(log_tp))
    tau_bench = pm.Deterministic("tau_bench", pt.exp(log_tb))
    tau_effect = pm.Deterministic("tau_effect", pt.exp(0.5 * log_x_e))
    sigma_run = pm.Deterministic("sigma_run", pt.exp(log_sigma))
    return tau_paper, tau_bench, tau_effect, sigma_run


def _explicit_bench_effects(group: Grouping, tau_bench: Any, mu: Any) -> Any:
    """The shared benchmarks' effects as NUTS parameters, ``v_bench_shared`` (dims
    shared_bench): where a benchmark has at least :data:`CENTRED_MIN_EFFECTS` comparisons,
    centred on mu (NUTS samples the benchmark's mean ``m_b ~ N(mu, tau_bench)``, ``v = m_b -
    mu``: with ``v`` itself mu and every ``v`` trade off along one direction and mu's ESS
    drops sixfold); elsewhere non-centred (``v = tau_bench z``)."""
    n_b = group.shared_benches.size
    counts = np.bincount(group.bench_col[group.bench_col >= 0], minlength=n_b)
    centred = counts >= CENTRED_MIN_EFFECTS
    parts, order = [], []
    names = np.asarray(pm.modelcontext(None).coords["shared_bench"], dtype=object)
    if centred.any():
        pm.modelcontext(None).add_coord("bench_centred", list(names[centred]))
        m = pm.Normal("m_bench_centred", mu, tau_bench, dims="bench_centred")
        parts.append(m - mu)
        order.append(np.flatnonzero(centred))
    if not centred.all():
        pm.modelcontext(None).add_coord("bench_noncentred", list(names[~centred]))
        z = pm.Normal("z_bench", 0.0, 1.0, dims="bench_noncentred")
        parts.append(tau_bench * z)
        order.append(np.flatnonzero(~centred))
    back = np.argsort(np.concatenate(order))
    return pm.Deterministic("v_bench_shared", pt.concatenate(parts)[back], dims="shared_bench")


def explicit_benches(group: Grouping, selection: bool, explicit_above: int | None) -> bool:
    """Whether a hierarchical model samples its shared benchmarks' effects explicitly: always
    in the selection fits (their reporting probability is conditional on them), and when there
    are more than ``explicit_above`` shared benchmarks (the B^3 Schur complement per gradient
    would dominate; docs/model.md "At scale")."""
    n_b = int(group.shared_benches.size)
    if not n_b:
        return False
    return selection or (explicit_above is not None and n_b > explicit_above)


def build_hierarchical_model(
    data: ModelData,
    priors: Priors,
    *,
    hedge_in_mean: bool = False,
    selection_weight: float | None = None,
    explicit_above: int | None = None,
) -> pm.Model:
    """The hierarchical model of DESIGN.md §4 for ``data`` (pure: builds, never samples).

    ``y_k ~ N(theta_k + beta_upto [up to], s_k^2 + sigma_run^2)``, ``theta_k = mu + u_i + v_b +
    e_k``: the hedge class is not in ``theta``'s mean (authors choose the size word after seeing
    ``y``); the mean true improvement of a class is the per-draw mean of ``theta`` over the
    class, computed after sampling (:func:`recover_effects`). ``hedge_in_mean`` builds the
    opposite bound, ``theta_k = mu + beta_hedge[h(k)] + ...`` (a sensitivity fit).
    The free parameters are the population-level ones (mu, beta_upto, the total SD and its
    shares, sigma_run, sigma_unknown; beta_hedge in the bound); the paper, benchmark and effect
    terms are integrated out (potential ``y_marginal``) and drawn after sampling. With
    ``selection_weight`` (always) or more than ``explicit_above`` shared benchmarks, the shared
    benchmarks' effects are free parameters too (:func:`explicit_benches`) and only the papers
    are integrated out. The
    grouping (which effects share a paper or benchmark) is fixed when the model is built; the
    index arrays are also stored as ``pm.Data`` for the record (constant_data group).
    """
    if data.n_effects == 0:
        raise MarginaliaError(f"{NO_EFFECTS}: family {data.family} has no effects in the model")
    group = grouping(data)
    explicit = explicit_benches(group, selection_weight is not None, explicit_above)
    coords = data.coords() | {"shared_bench": [data.benches[i] for i in group.shared_benches]}
    with pm.Model(coords=coords) as model:
        prior = _prior_data(priors)
        pm.Data("paper_idx", data.paper_idx, dims="effect")
        pm.Data("bench_idx", data.bench_idx, dims="effect")
        hedge_idx = pm.Data("hedge_idx", data.hedge_idx, dims="effect")
        upto = pm.Data("upto", data.upto, dims="effect")
        # the reported values as data, not constants: fits of one design with other values (the
        # validation data sets) compile to the same graph, which numba caches on disk
        y_obs = pm.Data("y_obs", data.y, dims="effect")

        mu = pm.Normal("mu", mu=prior.mu_mean, sigma=prior.mu_sd)
        mean = mu + pm.Normal("beta_upto", 0.0, prior.beta_upto_sd) * upto
        if hedge_in_mean:
            if len(data.hedges) > 1:
                free = pm.Normal("beta_hedge_free", 0.0, prior.beta_hedge_sd, dims="hedge_free")
                beta_values = pt.concatenate([pt.zeros(1), free])
            else:
                beta_values = pt.zeros(1)
            beta_hedge = pm.Deterministic("beta_hedge", beta_values, dims="hedge")
            mean = mean + beta_hedge[hedge_idx]
        tau_paper, tau_bench, tau_effect, sigma_run = _variance_priors(prior)
        sigma_unknown = pm.LogNormal(
            "sigma_unknown",
            mu=pt.log(prior.sigma_unknown_median),
            sigma=prior.sigma_unknown_log_sd,
        )
        noise_var = _noise_variance(data, sigma_run, sigma_unknown)
        lik_group = group
        if explicit:  # the shared benchmarks' effects sampled, papers still integrated out
            v_shared = _explicit_bench_effects(group, tau_bench, mu)
            bench_col = pm.Data("shared_bench_col", group.bench_col, dims="effect")
            mean = mean + pt.concatenate([v_shared, pt.zeros(1)])[bench_col]
            lik_group = group.papers_only()
        # the grouping's arrays once, for the likelihood and for the digest's layout (the cross
        # cells cost a sort of every comparison)
        lik_arrays, layout = likelihood_arrays(lik_group)
        pm.Potential(
            "y_marginal",
            _integrated(
                y_obs - mean,
                noise_var,
                tau_paper,
                tau_bench,
                tau_effect,
                _packed_data(lik_arrays),
                layout,
            ),
        )
        if selection_weight is not None:
            # Vevea & Woods (2005) with a fixed weight: a comparison with y/se below 1.96 is
            # reported with relative probability omega. The likelihood of each y_k is divided
            # by its probability of being reported given its shared benchmark's effect (in
            # mean_k), with its paper's, a lone benchmark's and its own term integrated out
            # (in v_k): exact for comparisons that share no paper. Integrating the shared
            # benchmarks out as well would let a fit lower mu and raise every benchmark's
            # effect, which costs one prior term per benchmark but makes every comparison
            # "unlikely to be reported" (docs/model.md, "Selection fits").
            var = (
                noise_var
                + pt.sqr(tau_effect)
                + pt.sqr(tau_paper)
                + pt.sqr(tau_bench) * model["lik_lone"][1]
            )
            se = pt.switch(pt.eq(model["se_known"], 1), model["se"], 1.0)
            z = (SELECTION_Z * se - mean) / pt.sqrt(var)
            below = 0.5 * pt.erfc(-z / math.sqrt(2.0))  # P(y_k < 1.96 se_k)
            # omega as data: the fits with omega 1, 0.5 and 0.2 share one compiled model
            omega = pm.Data("selection_omega", float(selection_weight))
            reported = (1.0 - below) + omega * below
            pm.Potential("selection", -pt.sum(pt.log(reported)))
    model.marginalia_signature = structure_signature(
        model="hierarchical",
        hedges=tuple(data.hedges),
        layout=layout,
        hedge_in_mean=hedge_in_mean,
        selection=selection_weight is not None,
        explicit_benches=explicit,
        # the explicit form's benchmarks are parameters: their number, which are centred, and
        # their names (nutpie keeps a compiled model's coordinates) are part of the graph
        shared_benches=_explicit_layout(group, coords["shared_bench"]) if explicit else (),
    )
    return model


def _explicit_layout(group: Grouping, names: list) -> tuple:
    """The shared benchmarks' names and which of them are centred (explicit form)."""
    counts = np.bincount(group.bench_col[group.bench_col >= 0], minlength=len(names))
    return tuple(names), tuple(bool(c) for c in counts >= CENTRED_MIN_EFFECTS)


def structure_signature(**flags: Any) -> str:
    """A digest of everything a model's graph holds as constants, given as ``flags``: the model
    kind and, for the hierarchical models, the hedge classes, the model flags and the
    likelihood's layout (which block is eliminated; :func:`likelihood_arrays`).

    Two models with the same digest differ only in their ``pm.Data`` values (``y_obs``, ``se``,
    ``se_known``, ``upto``, ``noise_terms``, the grouping's ``lik_index`` and ``lik_lone``, the
    priors' ``prior_values``, the indices, ``selection_omega``), whatever their numbers of
    comparisons, papers and benchmarks, so one compiled model serves both
    (:func:`marginalia.model.sampling.compile_model`): the claim fit, its sensitivity fits on
    other comparisons, the leave-paper-out refits and the other family's fit compile once.
    """
    return hashlib.sha256(repr(sorted(flags.items())).encode()).hexdigest()


def selection_model(omega: float) -> Callable[..., pm.Model]:
    """Builder of the selection sensitivity fit with a fixed weight ``omega`` (known SEs only)."""

    def build(data: ModelData, priors: Priors, explicit_above: int | None = None) -> pm.Model:
        if not data.se_known.all():
            raise MarginaliaError("the selection sensitivity fit needs a known se for every effect")
        return build_hierarchical_model(data, priors, selection_weight=omega)

    return build


def build_hedge_in_mean_model(
    data: ModelData, priors: Priors, explicit_above: int | None = None
) -> pm.Model:
    """The bound of DESIGN.md §4: the hedge class shifts the prior mean of ``theta``."""
    return build_hierarchical_model(data, priors, hedge_in_mean=True, explicit_above=explicit_above)


def build_complete_pooling_model(
    data: ModelData, priors: Priors, explicit_above: int | None = None
) -> pm.Model:
    """Comparison model: one mean for every effect (no hedge, paper or benchmark terms)."""
    with pm.Model(coords={"effect": list(data.effect_ids)}) as model:
        prior = _prior_data(priors)
        mu = pm.Normal("mu", mu=prior.mu_mean, sigma=prior.mu_sd)
        sigma_run, sigma_unknown = _noise_priors(prior)
        sd = pt.sqrt(_noise_variance(data, sigma_run, sigma_unknown))
        y_obs = pm.Data("y_obs", data.y, dims="effect")
        pm.Normal("y", mu=mu, sigma=sd, observed=y_obs, dims="effect")
    model.marginalia_signature = structure_signature(model="complete_pooling")
    return model


def build_no_pooling_model(
    data: ModelData, priors: Priors, explicit_above: int | None = None
) -> pm.Model:
    """Comparison model: an independent true effect per comparison with a wide prior.

    ``theta_k ~ Normal(0, no_pooling_sd)`` is integrated out (``y_k ~ Normal(0,
    sqrt(no_pooling_sd^2 + s_k^2 + sigma_run^2))``) and drawn after sampling.
    """
    with pm.Model(coords={"effect": list(data.effect_ids)}) as model:
        prior = _prior_data(priors)
        sigma_run, sigma_unknown = _noise_priors(prior)
        noise = _noise_variance(data, sigma_run, sigma_unknown)
        total = pt.sqrt(pt.sqr(prior.no_pooling_sd) + noise)
        y_obs = pm.Data("y_obs", data.y, dims="effect")
        pm.Potential("y_marginal", pm.logp(pm.Normal.dist(0.0, total), y_obs).sum())
    model.marginalia_signature = structure_signature(model="no_pooling")
    return model


MODEL_BUILDERS = {
    "hierarchical": build_hierarchical_model,
    "hedge_in_mean": build_hedge_in_mean_model,
    **{f"selection_{w:g}": selection_model(w) for w in (1.0, *SELECTION_WEIGHTS)},
    "complete_pooling": build_complete_pooling_model,
    "no_pooling": build_no_pooling_model,
}
