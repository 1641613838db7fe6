"""The plain normal-normal random-effects meta-analysis ("eight schools"), Bayesian and classical.

Bayesian model (:func:`build_random_effects_model`, fitted by :func:`random_effects`)::

    y_j     ~ Normal(theta_j, se_j)            se_j known
    theta_j = mu + tau * eta_j                 non-centred
    eta_j   ~ Normal(0, 1)                     dim "study"

Priors on ``mu`` and ``tau`` (argument ``prior``):

- ``"weakly_informative"`` (default): ``mu ~ Normal(0, 10 S)``, ``tau ~ HalfNormal(S)`` with
  ``S = max(sd(y), median(se))`` (``sd`` with ddof=1; ``median(se)`` alone for one study).
  ``S`` is the data's own spread, so the prior is invariant to the units of ``y``: ``mu`` is
  essentially unconstrained (sd ten times the spread, centred on "no effect"), and a
  between-study sd much beyond twice the spread of the estimates is treated as implausible.
- ``"posteriordb"``: ``mu ~ Normal(0, 5)``, ``tau ~ HalfCauchy(5)``, the priors of posteriordb's
  ``eight_schools_noncentered`` reference posterior (for reference tests).
- ``"flat"``: ``p(mu, tau) ∝ 1`` on ``tau > 0`` (``pm.Flat``/``pm.HalfFlat``); BDA3 §5.5. The
  posterior is proper for three or more studies but ``tau`` has heavy tails.
- a dict ``{"mu": {"dist": ..., ...}, "tau": {"dist": ..., ...}}``; ``mu`` dists: ``normal``
  (mu, sigma), ``student_t`` (nu, mu, sigma), ``flat``; ``tau`` dists: ``half_normal``
  (sigma), ``half_cauchy`` (beta), ``half_student_t`` (nu, sigma), ``exponential`` (lam),
  ``half_flat``. A missing ``mu`` or ``tau`` key keeps the weakly informative choice.

Classical estimators (:func:`frequentist_random_effects`): common effect (inverse variance),
DerSimonian-Laird and REML (Fisher scoring, as metafor's ``rma.uni``), with Wald intervals from
the normal distribution, Cochran's Q, I² (metafor's definition), and a prediction interval.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pymc as pm
import xarray as xr
from scipy import stats

from marginalia.errors import MarginaliaError
from marginalia.model.sampling import Sampler, compile_model, divergences, sample

__all__ = [
    "PRIORS",
    "RandomEffectsResult",
    "build_random_effects_model",
    "compile_model",
    "divergences",
    "frequentist_random_effects",
    "random_effects",
    "resolve_prior",
]

PRIORS = ("weakly_informative", "posteriordb", "flat")
DEFAULT_SEED = 20251126

_MU_DISTS = {"normal": ("mu", "sigma"), "student_t": ("nu", "mu", "sigma"), "flat": ()}
_TAU_DISTS = {
    "half_normal": ("sigma",),
    "half_cauchy": ("beta",),
    "half_student_t": ("nu", "sigma"),
    "exponential": ("lam",),
    "half_flat": (),
}


# --------------------------------------------------------------------------- inputs and priors


def _as_arrays(
    y: Sequence[float] | np.ndarray, se: Sequence[float] | np.ndarray, what: str = "se"
) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y, dtype=float).reshape(-1)
    s_arr = np.asarray(se, dtype=float).reshape(-1)
    if y_arr.size == 0:
        raise MarginaliaError("random-effects meta-analysis: y is empty; give at least one study")
    if y_arr.shape != s_arr.shape:
        raise MarginaliaError(
            f"random-effects meta-analysis: y has {y_arr.size} values but {what} has "
            f"{s_arr.size}; give one {what} per estimate"
        )
    if not np.all(np.isfinite(y_arr)):
        raise MarginaliaError("random-effects meta-analysis: y contains NaN or infinite values")
    if not np.all(np.isfinite(s_arr)) or np.any(s_arr <= 0):
        raise MarginaliaError(
            f"random-effects meta-analysis: every {what} must be a positive finite number"
        )
    return y_arr, s_arr


def _labels(labels: Sequence[Any] | None, k: int) -> list[str]:
    if labels is None:
        return [str(i) for i in range(k)]
    out = [str(label) for label in labels]
    if len(out) != k:
        raise MarginaliaError(
            f"random-effects meta-analysis: {len(out)} labels for {k} studies; give one each"
        )
    if len(set(out)) != k:
        raise MarginaliaError("random-effects meta-analysis: labels must be unique")
    return out


def data_scale(y: np.ndarray, se: np.ndarray) -> float:
    """``S = max(sd(y), median(se))``: the scale of the weakly informative prior."""
    spread = float(np.std(y, ddof=1)) if y.size > 1 else 0.0
    return max(spread, float(np.median(se)))


def resolve_prior(
    prior: str | Mapping[str, Any], y: np.ndarray, se: np.ndarray
) -> dict[str, dict[str, Any]]:
    """The prior as ``{"mu": {"dist": ..., params}, "tau": {...}}`` with numbers filled in."""
    scale = data_scale(y, se)
    weak = {
        "mu": {"dist": "normal", "mu": 0.0, "sigma": 10.0 * scale},
        "tau": {"dist": "half_normal", "sigma": scale},
    }
    if isinstance(prior, str):
        if prior == "weakly_informative":
            return weak
        if prior == "posteriordb":
            return {
                "mu": {"dist": "normal", "mu": 0.0, "sigma": 5.0},
                "tau": {"dist": "half_cauchy", "beta": 5.0},
            }
        if prior == "flat":
            return {"mu": {"dist": "flat"}, "tau": {"dist": "half_flat"}}
        raise MarginaliaError(
            f"random-effects prior {prior!r} is unknown; use one of {', '.join(PRIORS)} "
            "or a dict {'mu': {'dist': ...}, 'tau': {'dist': ...}}"
        )
    if not isinstance(prior, Mapping):
        raise MarginaliaError(f"random-effects prior must be a name or a dict, not {prior!r}")
    unknown = sorted(set(prior) - {"mu", "tau"})
    if unknown:
        raise MarginaliaError(f"random-effects prior: unknown key(s) {unknown}; use mu and tau")
    out = dict(weak)
    for key, table in (("mu", _MU_DISTS), ("tau", _TAU_DISTS)):
        if key not in prior:
            continue
        spec = dict(prior[key])
        dist = spec.get("dist")
        if dist not in table:
            raise MarginaliaError(
                f"random-effects prior {key}.dist={dist!r}: use one of {', '.join(table)}"
            )
        params = set(spec) - {"dist"}
        if params != set(table[dist]):
            raise MarginaliaError(
                f"random-effects prior {key} ({dist}) needs exactly the parameters "
                f"{list(table[dist])}, got {sorted(params)}"
            )
        for p in table[dist]:
            v = spec[p]
            ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            if not ok or (p != "mu" and v <= 0):
                raise MarginaliaError(
                    f"random-effects prior {key}.{p}={v!r}: give a finite number"
                    + ("" if p == "mu" else " > 0")
                )
            spec[p] = float(v)
        out[key] = spec
    return out


def _mu_rv(spec: Mapping[str, Any]) -> pm.Distribution:
    dist = spec["dist"]
    if dist == "normal":
        return pm.Normal("mu", mu=spec["mu"], sigma=spec["sigma"])
    if dist == "student_t":
        return pm.StudentT("mu", nu=spec["nu"], mu=spec["mu"], sigma=spec["sigma"])
    return pm.Flat("mu")


def _tau_rv(spec: Mapping[str, Any]) -> pm.Distribution:
    dist = spec["dist"]
    if dist == "half_normal":
        return pm.HalfNormal("tau", sigma=spec["sigma"])
    if dist == "half_cauchy":
        return pm.HalfCauchy("tau", beta=spec["beta"])
    if dist == "half_student_t":
        return pm.HalfStudentT("tau", nu=spec["nu"], sigma=spec["sigma"])
    if dist == "exponential":
        return pm.Exponential("tau", lam=spec["lam"])
    return pm.HalfFlat("tau")


# --------------------------------------------------------------------------- Bayesian model


def build_random_effects_model(
    y: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray,
    labels: Sequence[Any] | None = None,
    *,
    prior: str | Mapping[str, Any] = "weakly_informative",
) -> pm.Model:
    """The non-centred normal-normal random-effects model as a ``pm.Model`` (no sampling).

    Free variables ``mu``, ``tau``, ``eta`` (dim ``study``); deterministic ``theta`` (dim
    ``study``); observed ``y`` (dim ``study``) with known sd from the data variable ``se``.
    Coordinates of ``study`` are ``labels`` as strings, or "0".."k-1".
    """
    y_arr, se_arr = _as_arrays(y, se)
    study = _labels(labels, y_arr.size)
    spec = resolve_prior(prior, y_arr, se_arr)
    with pm.Model(coords={"study": study}) as model:
        se_data = pm.Data("se", se_arr, dims="study")
        mu = _mu_rv(spec["mu"])
        tau = _tau_rv(spec["tau"])
        eta = pm.Normal("eta", mu=0.0, sigma=1.0, dims="study")
        theta = pm.Deterministic("theta", mu + tau * eta, dims="study")
        pm.Normal("y", mu=theta, sigma=se_data, observed=y_arr, dims="study")
    return model


def random_effects(
    y: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray,
    labels: Sequence[Any] | None = None,
    *,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = DEFAULT_SEED,
    prior: str | Mapping[str, Any] = "weakly_informative",
    sampler: Sampler = "nutpie",
    target_accept: float = 0.9,
    cores: int | None = None,
) -> xr.DataTree:
    """Fit the Bayesian random-effects meta-analysis; returns an ArviZ DataTree.

    The posterior holds ``mu``, ``tau``, ``eta`` and ``theta`` (dims ``chain, draw[, study]``);
    ``log_likelihood`` holds ``y`` per study; ``observed_data`` and ``constant_data`` hold the
    inputs. The posterior attrs record the sampler, seed, timings, the number of divergences
    and the resolved prior (JSON). ``cores`` defaults to ``min(chains, cpu count)``.
    """
    model = build_random_effects_model(y, se, labels, prior=prior)
    idata = sample(
        model,
        sampler=sampler,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=target_accept,
        cores=cores,
    )
    y_arr, se_arr = _as_arrays(y, se)
    idata.posterior.attrs["prior"] = json.dumps(resolve_prior(prior, y_arr, se_arr))
    idata.posterior.attrs["divergences"] = divergences(idata)
    return idata


# --------------------------------------------------------------------------- classical estimators


@dataclass(frozen=True)
class RandomEffectsResult:
    """A classical (random- or common-effect) meta-analysis, as metafor's ``rma.uni`` reports it.

    ``I2`` is in percent: ``100 tau2 / (tau2 + s2)`` with metafor's typical within-study
    variance ``s2 = (k-1) sum(w) / (sum(w)^2 - sum(w^2))``; for the common-effect model, where
    tau2 is 0 by assumption, it is Higgins' ``100 max(0, (Q - df) / Q)``. The prediction
    interval is ``estimate ± z sqrt(se^2 + tau2)`` (equal to the CI for the common effect).
    """

    method: str
    k: int
    estimate: float
    se: float
    ci_lower: float
    ci_upper: float
    z: float
    p_value: float
    tau2: float
    tau: float
    I2: float
    H2: float
    Q: float
    df: int
    Q_p_value: float
    pi_lower: float
    pi_upper: float
    level: float
    iterations: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _reml_tau2(y: np.ndarray, v: np.ndarray, tol: float, max_iter: int) -> tuple[float, int]:
    """REML estimate of tau² by Fisher scoring (metafor's algorithm), started at the DL value."""
    tau2 = _dl_tau2(y, v)
    for it in range(1, max_iter + 1):
        w = 1.0 / (v + tau2)
        sw = w.sum()
        # P = W - w w' / sum(w): the REML projection for an intercept-only model.
        p_matrix = np.diag(w) - np.outer(w, w) / sw
        py = p_matrix @ y
        trace_p = np.trace(p_matrix)
        trace_pp = float(np.sum(p_matrix * p_matrix))
        step = (float(py @ py) - trace_p) / trace_pp
        new = tau2 + step
        while new < 0:  # step halving keeps tau2 >= 0, as metafor does
            step /= 2.0
            new = tau2 + step
            if abs(step) < tol:
                new = 0.0
                break
        if abs(new - tau2) < tol:
            return float(max(new, 0.0)), it
        tau2 = new
    raise MarginaliaError(
        f"REML did not converge in {max_iter} iterations (last tau2={tau2:.6g}); "
        "check the inputs or use method='DL'"
    )


def _dl_tau2(y: np.ndarray, v: np.ndarray) -> float:
    w = 1.0 / v
    mu_fe = float(np.sum(w * y) / w.sum())
    q = float(np.sum(w * (y - mu_fe) ** 2))
    c = float(w.sum() - np.sum(w**2) / w.sum())
    if c <= 0:
        return 0.0
    return max(0.0, (q - (y.size - 1)) / c)


def frequentist_random_effects(
    y: Sequence[float] | np.ndarray,
    se: Sequence[float] | np.ndarray | None = None,
    method: Literal["REML", "DL", "FE"] = "REML",
    *,
    v: Sequence[float] | np.ndarray | None = None,
    level: float = 0.95,
    tol: float = 1e-10,
    max_iter: int = 100,
) -> RandomEffectsResult:
    """Classical meta-analysis of estimates ``y`` with standard errors ``se`` (or variances ``v``).

    ``method``: ``"REML"`` (restricted maximum likelihood, Fisher scoring), ``"DL"``
    (DerSimonian-Laird moment estimator) or ``"FE"`` (common effect, inverse-variance weights).
    Intervals are Wald intervals from the standard normal (metafor's default ``test="z"``).
    """
    if (se is None) == (v is None):
        raise MarginaliaError("frequentist_random_effects: give exactly one of se or v")
    if se is not None:
        y_arr, se_arr = _as_arrays(y, se, "se")
        v_arr = se_arr**2
    else:
        y_arr, v_arr = _as_arrays(y, v, "v")
    method_u = str(method).upper()
    if method_u not in ("REML", "DL", "FE"):
        raise MarginaliaError(f"frequentist_random_effects: method {method!r}: use REML, DL or FE")
    if not 0 < level < 1:
        raise MarginaliaError(f"frequentist_random_effects: level={level!r} must be in (0, 1)")
    k = int(y_arr.size)
    df = k - 1
    w = 1.0 / v_arr
    mu_fe = float(np.sum(w * y_arr) / w.sum())
    q = float(np.sum(w * (y_arr - mu_fe) ** 2))
    q_p = float(stats.chi2.sf(q, df)) if df > 0 else math.nan

    iterations = 0
    if method_u == "FE":
        tau2 = 0.0
    elif method_u == "DL":
        tau2 = _dl_tau2(y_arr, v_arr)
    else:
        tau2, iterations = _reml_tau2(y_arr, v_arr, tol, max_iter) if k > 1 else (0.0, 0)

    ws = 1.0 / (v_arr + tau2)
    estimate = float(np.sum(ws * y_arr) / ws.sum())
    se_est = float(math.sqrt(1.0 / ws.sum()))
    zcrit = float(stats.norm.ppf(0.5 + level / 2.0))
    zval = estimate / se_est
    p_value = float(2.0 * stats.norm.sf(abs(zval)))

    if method_u == "FE":
        i2 = 100.0 * max(0.0, (q - df) / q) if q > 0 else 0.0
        h2 = q / df if df > 0 and q > 0 else 1.0
    else:
        denom = w.sum() ** 2 - np.sum(w**2)
        s2 = df * w.sum() / denom if denom > 0 else float(np.mean(v_arr))
        i2 = 100.0 * tau2 / (tau2 + s2)
        h2 = (tau2 + s2) / s2
    pi_half = zcrit * math.sqrt(se_est**2 + tau2)
    return RandomEffectsResult(
        method=method_u,
        k=k,
        estimate=estimate,
        se=se_est,
        ci_lower=estimate - zcrit * se_est,
        ci_upper=estimate + zcrit * se_est,
        z=zval,
        p_value=p_value,
        tau2=float(tau2),
        tau=float(math.sqrt(tau2)),
        I2=float(i2),
        H2=float(h2),
        Q=q,
        df=df,
        Q_p_value=q_p,
        pi_lower=estimate - pi_half,
        pi_upper=estimate + pi_half,
        level=float(level),
        iterations=iterations,
    )
