"""Design analysis of a normally distributed estimate (Gelman & Carlin 2014).

An estimate ``est ~ Normal(D, s)`` is called significant when ``|est| > z * s`` with
``z = Phi^-1(1 - alpha / 2)`` (a two-sided test at level ``alpha``). For a true effect ``D``:

- power  = P(significant) = Phi(D/s - z) + Phi(-z - D/s);
- type S = P(significant with the wrong sign) / power;
- type M = E(|est| | significant) / |D|, the exaggeration ratio. Closed form (Lu, Qiu & Deng
  2018) from the first moments of a normal truncated to the two rejection tails:
  E(|est|; significant) = |D| [Phi(l - z) - Phi(-z - l)] + s [phi(z - l) + phi(z + l)],
  with ``l = |D| / s``.

All functions broadcast over numpy arrays and return floats for scalar input. Invalid input
(``se <= 0``, NaN) gives NaN; ``D = 0`` gives power = alpha, type S = 0.5, type M = inf.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq
from scipy.special import ndtr, ndtri

__all__ = [
    "false_positive_rate",
    "mde",
    "normal_power",
    "retrodesign",
    "retrodesign_sim",
    "z_crit",
]

_SQRT_2PI = np.sqrt(2.0 * np.pi)


def _out(x: np.ndarray) -> np.ndarray | float:
    """Plain float for 0-d results, the array otherwise."""
    return float(x) if np.ndim(x) == 0 else x


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha!r}")


def z_crit(alpha: float = 0.05) -> float:
    """Two-sided critical value ``Phi^-1(1 - alpha / 2)``."""
    _check_alpha(alpha)
    return float(ndtri(1.0 - alpha / 2.0))


def _phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / _SQRT_2PI


def false_positive_rate(se: ArrayLike, se_total: ArrayLike, alpha: float = 0.05):
    """Rejection rate of a test at ``alpha`` that uses ``se`` when the true effect is 0 but the
    estimate varies by ``se_total`` (e.g. seed noise ignored): ``2 [1 - Phi(z se / se_total)]``."""
    z = z_crit(alpha)
    ratio = np.asarray(se, float) / np.asarray(se_total, float)
    return _out(2.0 * ndtr(-z * ratio))


def _lambda(true_effect: ArrayLike, se: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d, s = np.broadcast_arrays(np.asarray(true_effect, float), np.asarray(se, float))
    s = np.where(s > 0, s, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = np.abs(d) / s
    return d, s, lam


def normal_power(true_effect: ArrayLike, se: ArrayLike, alpha: float = 0.05):
    """Power of the two-sided z test at level ``alpha`` when the true effect is ``true_effect``."""
    z = z_crit(alpha)
    _, _, lam = _lambda(true_effect, se)
    return _out(ndtr(lam - z) + ndtr(-z - lam))


def retrodesign(true_effect: ArrayLike, se: ArrayLike, alpha: float = 0.05):
    """Power, type S error and type M (exaggeration ratio) for a true effect and its SE.

    Closed form; see the module docstring. Returns ``(power, type_s, type_m)``, each a float
    for scalar input or an array of the broadcast shape.
    """
    z = z_crit(alpha)
    d, s, lam = _lambda(true_effect, se)
    hi = ndtr(lam - z)  # significant with the correct sign
    lo = ndtr(-z - lam)  # significant with the wrong sign
    power = hi + lo
    with np.errstate(invalid="ignore", divide="ignore"):
        type_s = lo / power
        abs_mean = np.abs(d) * (hi - lo) + s * (_phi(z - lam) + _phi(z + lam))
        type_m = abs_mean / (power * np.abs(d))
    type_m = np.where((d == 0) & np.isfinite(s), np.inf, type_m)
    return _out(power), _out(type_s), _out(type_m)


def retrodesign_sim(
    true_effect: ArrayLike,
    se: ArrayLike,
    alpha: float = 0.05,
    n_sims: int = 100_000,
    seed: int | None = 0,
):
    """Monte Carlo version of :func:`retrodesign` (Gelman & Carlin's own recipe).

    Draws ``n_sims`` estimates ``D + s * eps`` (the same standard-normal draws ``eps`` for every
    element, so results are smooth in ``D`` and ``s``) and returns the share significant, the
    share of significant draws with the wrong sign, and the mean ``|estimate|`` of the
    significant draws divided by ``|D|``.
    """
    if n_sims < 1:
        raise ValueError(f"n_sims must be >= 1, got {n_sims!r}")
    z = z_crit(alpha)
    d, s, _ = _lambda(true_effect, se)
    eps = np.random.default_rng(seed).standard_normal(n_sims)
    power = np.full(d.shape, np.nan)
    type_s = np.full(d.shape, np.nan)
    type_m = np.full(d.shape, np.nan)
    for idx in np.ndindex(d.shape):
        di, si = d[idx], s[idx]
        if not (np.isfinite(di) and np.isfinite(si)):
            continue
        est = di + si * eps
        sig = np.abs(est) > z * si
        power[idx] = sig.mean()
        if not sig.any():
            continue
        sig_est = est[sig]
        type_s[idx] = np.mean(np.sign(sig_est) != np.sign(di)) if di != 0 else 0.5
        type_m[idx] = np.mean(np.abs(sig_est)) / abs(di) if di != 0 else np.inf
    return _out(power), _out(type_s), _out(type_m)


@lru_cache(maxsize=64)
def _mde_multiplier(power: float, alpha: float) -> float:
    """The ``l = D / s`` at which the two-sided test has the target power (both tails)."""
    z = z_crit(alpha)
    if not alpha < power < 1.0:
        raise ValueError(f"power must lie in (alpha, 1) = ({alpha}, 1), got {power!r}")
    return float(brentq(lambda lam: ndtr(lam - z) + ndtr(-z - lam) - power, 0.0, 60.0, xtol=1e-12))


def mde(se: ArrayLike, power: float = 0.8, alpha: float = 0.05):
    """Minimum detectable effect of a two-sided z test: the smallest ``|D|`` with that power.

    Exact for the normal model (both rejection tails counted), so slightly below the textbook
    ``(z_{1-alpha/2} + z_power) * se``; at power 0.8 and alpha 0.05 the multiplier is 2.8016.
    """
    mult = _mde_multiplier(float(power), float(alpha))
    s = np.asarray(se, float)
    return _out(np.where(s > 0, mult * s, np.nan))
