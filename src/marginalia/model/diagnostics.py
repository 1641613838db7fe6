"""The diagnostic gate: convergence checks of a fit and sampling with one retry.

:func:`check_diagnostics` compares divergences, R-hat, bulk/tail ESS and E-BFMI with the
configured :class:`~marginalia.model.settings.Thresholds`; :func:`sample_gated` samples a model,
recovers its integrated-out effects and retries once when the gate fails (docs/model.md).
"""

from __future__ import annotations

import functools
import logging
import math
import time
import warnings
from typing import Any

import numpy as np
import pymc as pm
import xarray as xr

from marginalia.model.recovery import Recover
from marginalia.model.sampling import compile_model, divergences, sample
from marginalia.model.settings import ModelSettings, Thresholds

log = logging.getLogger(__name__)

__all__ = ["check_diagnostics", "sample_gated"]


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


#: recovered per-level arrays (theta, u_paper, v_bench) are checked on at most this many
#: evenly spaced elements each; their draws are exact conditional draws given the sampled
#: parameters, which are always checked whole
GATE_MAX_ELEMENTS = 500
RECOVERED_DIMS = ("effect", "paper", "bench")


def gate_subset(post: xr.Dataset) -> tuple[xr.Dataset, dict[str, str]]:
    """``post`` with every dimension of :data:`RECOVERED_DIMS` longer than
    :data:`GATE_MAX_ELEMENTS` cut to that many evenly spaced elements, and what was cut
    (``{"effect": "500 of 9864"}``)."""
    cut: dict[str, str] = {}
    index = {}
    for dim in RECOVERED_DIMS:
        size = int(post.sizes.get(dim, 0))
        if size > GATE_MAX_ELEMENTS:
            index[dim] = np.unique(np.linspace(0, size - 1, GATE_MAX_ELEMENTS).round().astype(int))
            cut[dim] = f"{index[dim].size} of {size}"
    return (post.isel(index) if index else post), cut


@functools.lru_cache(maxsize=32)
def chance_max_rhat(chains: int, draws: int, elements: int, reps: int = 20) -> float:
    """The largest R-hat that ``elements`` perfectly mixed arrays (independent normal draws,
    ``chains`` x ``draws``) show by chance: the maximum over ``reps`` seeded replicates, about
    the 95th percentile. With 4 x 200 draws and 500 elements it is about 1.016 (iid draws
    exceed 1.01 every time); with 4 x 500 about 1.007."""
    import arviz_stats as azs

    rng = np.random.default_rng(20261207)
    worst = 1.0
    for _ in range(reps):
        x = rng.standard_normal((chains, draws, elements))
        r = azs.rhat(xr.Dataset({"x": (("chain", "draw", "element"), x)}))["x"].values
        worst = max(worst, float(np.max(r)))
    return worst


def _recovered(post: xr.Dataset) -> list[str]:
    """The recovered per-level arrays of ``post`` (a dimension of :data:`RECOVERED_DIMS`)."""
    return [str(v) for v in post.data_vars if set(post[v].dims) & set(RECOVERED_DIMS)]


def check_diagnostics(
    idata: xr.DataTree, thresholds: Thresholds, unthinned: xr.Dataset | None = None
) -> dict[str, Any]:
    """Divergences, max R-hat, min bulk/tail ESS and min E-BFMI against ``thresholds``.

    R-hat and ESS cover every sampled parameter and derived class mean, and the recovered
    per-comparison, per-paper and per-benchmark arrays on at most :data:`GATE_MAX_ELEMENTS`
    elements each (``checked_subset`` says which were cut). Their largest R-hat is held to
    ``max_rhat`` or, if larger, to what as many perfectly mixed arrays reach by chance with
    this many draws (:func:`chance_max_rhat`; ``max_rhat_recovered_allowed``): on a thinned
    posterior of 200 draws per chain, iid draws of 500 elements always exceed 1.01.
    """
    import arviz_stats as azs

    post, cut = gate_subset(idata.posterior.dataset)
    parts = [post]
    if unthinned is not None:  # the sampled parameters on every draw, the recovered on the rest
        recovered = [v for v in post.data_vars if v not in unthinned.data_vars]
        parts = [unthinned, post[recovered]] if recovered else [unthinned]
    chains = int(post.sizes["chain"])
    n_div = divergences(idata)
    rhat, rhat_at = -np.inf, ""
    rec_rhat, rec_at, rec_shape = -np.inf, "", (0, 0, 0)
    ess_bulk, bulk_at = np.inf, ""
    ess_tail, tail_at = np.inf, ""
    with warnings.catch_warnings():
        # constant elements (the reference class's beta_hedge) divide by zero; skipped below
        warnings.simplefilter("ignore", RuntimeWarning)
        for part in parts:
            rh = azs.rhat(part)
            rec = _recovered(part)
            r, r_at = _extreme(rh[[v for v in rh.data_vars if v not in rec]], part, "max")
            if rec:
                rr, rr_at = _extreme(rh[rec], part, "max")
                if rr > rec_rhat:
                    n_el = sum(
                        int(part[v].size // (part.sizes["chain"] * part.sizes["draw"])) for v in rec
                    )
                    rec_rhat, rec_at = rr, rr_at
                    rec_shape = (int(part.sizes["chain"]), int(part.sizes["draw"]), n_el)
            b, b_at = _extreme(azs.ess(part, method="bulk"), part, "min")
            t, t_at = _extreme(azs.ess(part, method="tail"), part, "min")
            if r > rhat:
                rhat, rhat_at = r, r_at
            if b < ess_bulk:
                ess_bulk, bulk_at = b, b_at
            if t < ess_tail:
                ess_tail, tail_at = t, t_at
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
    rec_allowed = thresholds.max_rhat
    if math.isfinite(rec_rhat) and rec_rhat > thresholds.max_rhat:
        rec_allowed = max(rec_allowed, chance_max_rhat(*rec_shape))
    if not (rec_rhat <= rec_allowed or rec_at == ""):
        reasons.append(
            f"max R-hat {rec_rhat:.4f} on {rec_at} (allowed {rec_allowed:.4f}: "
            f"{thresholds.max_rhat}, or what {rec_shape[2]} mixed arrays of {rec_shape[0]} x "
            f"{rec_shape[1]} draws reach by chance)"
        )
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
        "max_rhat": _json_float(max(rhat, rec_rhat)),
        "max_rhat_parameter": rhat_at if rhat >= rec_rhat else rec_at,
        "max_rhat_recovered": _json_float(rec_rhat),
        "max_rhat_recovered_parameter": rec_at,
        "max_rhat_recovered_allowed": rec_allowed,
        "min_ess_bulk": _json_float(ess_bulk),
        "min_ess_bulk_parameter": bulk_at,
        "min_ess_tail": _json_float(ess_tail),
        "min_ess_tail_parameter": tail_at,
        "min_bfmi": _json_float(bfmi),
        "required_ess_bulk": need_bulk,
        "required_ess_tail": need_tail,
        "checked_subset": cut,
    }


def _json_float(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


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
        sampled = idata.posterior.dataset
        if recover is not None:
            idata = recover(idata, seed, log_likelihood)
        thinned = int(idata.posterior.attrs.get("thinned_by", 1)) > 1
        check = check_diagnostics(idata, settings.thresholds, sampled if thinned else None)
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
        # every t-th draw kept before recovering the effects (model.max_recovered_values)
        "thinned_by": int(idata.posterior.attrs.get("thinned_by", 1)),
    }
    if not check["ok"]:
        diag["reasons"] = [f"{label}: {r}" for r in check["reasons"]]
        log.warning("%s FAILED its diagnostic gate: %s", label, "; ".join(check["reasons"]))
    return idata, diag
