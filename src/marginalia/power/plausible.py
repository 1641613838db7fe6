"""The plausible true effect as a distribution, and design analysis averaged over it.

The model stage gives, per comparison, the predictive of its true effect ``theta`` with its
paper left out: a weighted mixture of normals over posterior draws (``results/model/
holdout.nc``; :mod:`marginalia.model.holdout`). Power, type S and type M are averaged over that
distribution (DESIGN.md §5), not evaluated at one point:

- power = E_theta[P(significant | theta)];
- type S = E[P(significant with the wrong sign | theta)] / E[P(significant | theta)];
- type M = E[|y_rep| 1{significant}] / E[|theta| 1{significant}], the ratio of the expected
  exaggeration over the joint distribution of (theta, y_rep) (Gelman & Carlin 2014).

The expectation over ``theta`` is a quadrature on :data:`GRID` cells between the mixture's
1e-5 and 1 - 1e-5 quantiles (found by bisection; the tails are folded into the end cells);
given ``theta`` every term is closed form for a normal test statistic with SE ``se(theta)``:
``E[|y| 1{|y| > c}] = theta [Phi((theta - c)/se) - Phi((-theta - c)/se)] + se [phi((c - theta)
/se) + phi((c + theta)/se)]`` with ``c = z se``. Deterministic: no random draws.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy.special import ndtr, ndtri

from marginalia.power.design import z_crit

__all__ = ["GRID", "Plausible", "averaged_design"]

GRID = 241
_TAIL = 1e-5
_BLOCK = 32


@dataclass(frozen=True)
class Plausible:
    """A mixture of normals ``sum_s w_s N(mean_s, var_s)`` (weights sum to 1), with the Pareto k
    and method of its paper's leave-out weights (``psis``, ``refit``, ``psis_high_k``)."""

    mean: np.ndarray
    var: np.ndarray
    weight: np.ndarray
    pareto_k: float = math.nan
    method: str = ""

    @property
    def center(self) -> float:
        return float(np.sum(self.weight * self.mean))

    @property
    def sd(self) -> float:
        second = float(np.sum(self.weight * (self.var + self.mean**2)))
        return math.sqrt(max(second - self.center**2, 0.0))

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The mixture's CDF at the points ``x`` (1-d), in blocks of points small enough to stay
        in cache (one large temporary per call cost more than the normal CDF itself)."""
        x = np.asarray(x, float)
        inv = 1.0 / np.sqrt(np.maximum(self.var, 1e-300))
        shift = self.mean * inv
        out = np.empty(x.shape)
        block = np.empty((min(_BLOCK, x.size), self.mean.size))
        for i in range(0, x.size, _BLOCK):
            z = block[: min(_BLOCK, x.size - i)]
            np.multiply(x[i : i + _BLOCK, None], inv[None, :], out=z)
            z -= shift
            ndtr(z, out=z)
            out[i : i + _BLOCK] = z @ self.weight
        return out

    def quantiles(self, probs: tuple[float, ...], rtol: float = 1e-7) -> np.ndarray:
        """The mixture's quantiles at ``probs``, by bisection between the components' own
        quantiles (the mixture's lies between their smallest and largest), all at once, to
        ``rtol`` times the mixture's SD."""
        p = np.asarray(probs, float)
        sd = np.sqrt(np.maximum(self.var, 0.0))
        own = self.mean[None, :] + ndtri(p)[:, None] * sd[None, :]
        lo, hi = own.min(axis=1), own.max(axis=1)
        tol = rtol * max(self.sd, float(np.max(sd, initial=0.0)), 1e-300)
        for _ in range(200):
            if np.all(hi - lo <= tol):
                break
            mid = 0.5 * (lo + hi)
            below = self.cdf(mid) < p
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return 0.5 * (lo + hi)

    @cached_property
    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        a, b = (float(q) for q in self.quantiles((_TAIL, 1 - _TAIL)))
        if not b > a:
            return np.array([self.center]), np.array([1.0])
        edges = np.linspace(a, b, GRID + 1)
        cum = self.cdf(edges)
        cum[0], cum[-1] = 0.0, 1.0
        return 0.5 * (edges[1:] + edges[:-1]), np.diff(cum)

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Cell midpoints and probabilities of the quadrature (probabilities sum to 1); worked
        out once per distribution (the power stage averages over it twice)."""
        theta, prob = self._grid
        return theta.copy(), prob.copy()


def _phi(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def averaged_design(
    plausible: Plausible,
    se_at: Callable[[np.ndarray], np.ndarray],
    alpha: float = 0.05,
    power_at: Callable[[np.ndarray], np.ndarray] | None = None,
    feasible: tuple[float, float] | None = None,
) -> tuple[float, float, float]:
    """(power, type S, type M) averaged over ``plausible``.

    ``se_at(theta)`` is the SE of the reported difference at a true effect (constant for the
    normal test; McNemar's depends on theta); ``power_at(theta)`` overrides the normal power
    (e.g. the exact McNemar test). Type S/M use the normal approximation with ``se_at``.
    ``feasible`` (lo, hi): the true changes the metric allows (an accuracy cannot pass 100%);
    the distribution's mass beyond is put on the bound, for every term alike.
    """
    theta, prob = plausible.grid()
    if feasible is not None:
        theta = np.clip(theta, *feasible)
    se = np.asarray(se_at(theta), float) * np.ones_like(theta)
    ok = np.isfinite(se) & (se > 0)
    if not ok.any():
        return math.nan, math.nan, math.nan
    theta, prob, se = theta[ok], prob[ok] / prob[ok].sum(), se[ok]
    c = z_crit(alpha) * se
    upper = ndtr((theta - c) / se)
    lower = ndtr((-theta - c) / se)
    p_sig = upper + lower
    power = p_sig if power_at is None else np.asarray(power_at(theta), float)
    wrong = np.where(theta >= 0, lower, upper)
    abs_y_sig = theta * (upper - lower) + se * (_phi((c - theta) / se) + _phi((c + theta) / se))
    e_sig = float(np.sum(prob * p_sig))
    e_theta_sig = float(np.sum(prob * np.abs(theta) * p_sig))
    type_s = float(np.sum(prob * wrong)) / e_sig if e_sig > 0 else math.nan
    type_m = float(np.sum(prob * abs_y_sig)) / e_theta_sig if e_theta_sig > 0 else math.nan
    return float(np.sum(prob * power)), type_s, type_m
