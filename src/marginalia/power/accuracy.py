"""Power of accuracy comparisons: unpaired two-proportion tests and the paired McNemar test.

Accuracies and differences here are fractions (0.80, +0.02), not percentage points.

Unpaired: the two systems are scored on the same ``n`` items but treated as two independent
samples of size ``n`` (the usual "two-proportion z test" of papers that report only two
accuracies). This ignores the positive correlation between two systems' errors on the same
items, so it overstates the SE of the difference and understates power compared with a paired
test; use McNemar (``test: mcnemar``) for the paired view.

Paired (Card et al. 2020, "With Little Power Comes Great Responsibility"): the discordant
probabilities follow from the baseline accuracy, the difference and the agreement rate ``P_a``
(a number or Card et al.'s regression); that model and the SEs of both views are in
:mod:`marginalia.sampling_error`.

Power of the paired test means: significant at level ``alpha`` (two-sided) *with the correct
sign*. A negative ``delta`` is handled by swapping the roles of the systems.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats
from scipy.optimize import brentq
from scipy.special import ndtr

from marginalia.power.design import _out, z_crit
from marginalia.sampling_error import (
    Agreement,
    discordant_arrays,
    discordant_probabilities,
    oriented,
)

__all__ = [
    "mcnemar_mde",
    "mcnemar_power",
    "two_proportion_mde",
    "two_proportion_power",
]


def two_proportion_power(n: ArrayLike, baseline: ArrayLike, delta: ArrayLike, alpha: float = 0.05):
    """Power of the two-sided two-proportion z test, ``n`` items per system (unpaired).

    The textbook formula of R's ``power.prop.test(strict = TRUE)``: pooled variance under the
    null, unpooled under the alternative, both rejection tails counted.
    """
    z = z_crit(alpha)
    n, p1, d = np.broadcast_arrays(*(np.asarray(a, float) for a in (n, baseline, delta)))
    p2 = p1 + d
    pbar = (p1 + p2) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        null_sd = np.sqrt(2 * pbar * (1 - pbar))
        alt_sd = np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
        shift = np.sqrt(n) * np.abs(d)
        power = ndtr((shift - z * null_sd) / alt_sd) + ndtr((-shift - z * null_sd) / alt_sd)
    ok = (n > 0) & (p1 >= 0) & (p1 <= 1) & (p2 >= 0) & (p2 <= 1) & (alt_sd > 0)
    return _out(np.where(ok, power, np.nan))


def two_proportion_mde(n: float, baseline: float, power: float = 0.8, alpha: float = 0.05):
    """Smallest improvement ``delta > 0`` the unpaired two-proportion test detects with ``power``.

    Root of :func:`two_proportion_power`; NaN when no improvement up to accuracy 1 reaches it.
    """
    if not (n > 0 and 0 <= baseline < 1):
        return float("nan")
    upper = 1.0 - baseline - 1e-9

    def f(d: float) -> float:
        return float(two_proportion_power(n, baseline, d, alpha)) - power

    if upper <= 1e-9 or f(upper) < 0:
        return float("nan")
    return float(brentq(f, 1e-9, upper, xtol=1e-10))


def _mcnemar_exact(n: int, p_plus: float, p_minus: float, alpha: float) -> float:
    """Exact McNemar power: sum over m discordant pairs of P(m) * P(exact binomial test rejects
    with the correct sign | m). Rejects when the two-sided exact p-value
    ``min(1, 2 P(B <= min(b, m - b)))`` is <= alpha, as statsmodels' ``mcnemar(exact=True)``."""
    disc = p_plus + p_minus
    if disc <= 0 or n < 1:
        return 0.0
    q = p_plus / disc
    lo = int(stats.binom.ppf(1e-13, n, disc))
    hi = int(stats.binom.isf(1e-13, n, disc))
    m = np.arange(max(lo, 1), min(hi, n) + 1)
    if m.size == 0:
        return 0.0
    # smallest k with P(B > k | m, 1/2) <= alpha/2: the upper tail b >= k + 1 rejects
    k = stats.binom.ppf(1 - alpha / 2, m, 0.5)
    conditional = stats.binom.sf(k, m, q)
    return float(np.sum(stats.binom.pmf(m, n, disc) * conditional))


def _mcnemar_normal(
    n: float, p_plus: float, p_minus: float, alpha: float, extra_sd: float = 0.0
) -> float:
    """MESS ``power_mcnemar_test(method = "normal")``, written without dividing by the smaller
    discordant probability: ``Phi((|d| - z sqrt(disc / n)) / sqrt((disc - d^2) / n))``.

    ``extra_sd`` (a fraction, e.g. seed-to-seed noise) adds its variance under the null and the
    alternative: ``Phi((|d| - z sqrt(disc / n + e^2)) / sqrt((disc - d^2) / n + e^2))``.
    """
    z = z_crit(alpha)
    disc, d = p_plus + p_minus, abs(p_plus - p_minus)
    e2 = extra_sd * extra_sd
    if n <= 0 or (disc <= 0 and e2 == 0):
        return 0.0
    null_var = disc / n + e2
    alt_var = max(disc - d * d, 0.0) / n + e2
    if alt_var <= 0:
        return 1.0 if d > 0 else 0.0
    return float(ndtr((d - z * np.sqrt(null_var)) / np.sqrt(alt_var)))


def _mcnemar_normal_arrays(
    n: np.ndarray,
    baseline_acc: np.ndarray,
    delta_acc: np.ndarray,
    agreement: Agreement,
    alpha: float,
    extra_sd: float,
) -> np.ndarray:
    """:func:`_mcnemar_normal` over arrays (what :func:`_mcnemar_power1` does element by element
    for ``method="normal"``), for the quadrature grids of the power stage."""
    z = z_crit(alpha)
    finite = np.isfinite(n) & np.isfinite(baseline_acc) & np.isfinite(delta_acc) & (n >= 1)
    p_a, d = oriented(baseline_acc, delta_acc)
    p_plus, p_minus, _ = discordant_arrays(p_a, d, agreement)
    disc, gap = p_plus + p_minus, np.abs(p_plus - p_minus)
    e2 = extra_sd * extra_sd
    with np.errstate(invalid="ignore", divide="ignore"):
        null_var = disc / n + e2
        alt_var = np.maximum(disc - gap * gap, 0.0) / n + e2
        power = ndtr((gap - z * np.sqrt(null_var)) / np.sqrt(alt_var))
    power = np.where(alt_var > 0, power, np.where(gap > 0, 1.0, 0.0))
    power = np.where((disc <= 0) & (e2 == 0), 0.0, power)
    return np.where(finite & np.isfinite(p_plus), power, np.nan)


def _mcnemar_power1(
    n: float,
    baseline_acc: float,
    delta_acc: float,
    agreement: Agreement,
    alpha: float,
    method: str,
    extra_sd: float = 0.0,
) -> float:
    if method not in ("exact", "normal"):
        raise ValueError(f"method must be 'exact' or 'normal', got {method!r}")
    if method == "exact" and extra_sd:
        raise ValueError("extra_sd needs method='normal' (the exact test has no extra noise)")
    if not (np.isfinite(n) and np.isfinite(baseline_acc) and np.isfinite(delta_acc)) or n < 1:
        return float("nan")
    p_a, d = oriented(float(baseline_acc), float(delta_acc))
    p_plus, p_minus, _ = discordant_probabilities(p_a, d, agreement)
    if not np.isfinite(p_plus):
        return float("nan")
    if method == "exact":
        return _mcnemar_exact(int(round(n)), p_plus, p_minus, alpha)
    return _mcnemar_normal(n, p_plus, p_minus, alpha, extra_sd)


def mcnemar_power(
    n: ArrayLike,
    baseline_acc: ArrayLike,
    delta_acc: ArrayLike,
    agreement: Agreement = "card2020",
    alpha: float = 0.05,
    method: str = "exact",
    extra_sd: float = 0.0,
):
    """Power of McNemar's test (significant at ``alpha``, two-sided, with the correct sign).

    ``method="exact"`` enumerates the number of discordant pairs and applies the exact binomial
    test; ``"normal"`` is the MESS normal approximation, which also accepts ``extra_sd``, an
    additional SD of the difference (as a fraction; e.g. seed-to-seed noise). Broadcasts.
    """
    z_crit(alpha)
    n, b, d = np.broadcast_arrays(*(np.asarray(a, float) for a in (n, baseline_acc, delta_acc)))
    if method == "normal" and n.size > 1:
        return _out(_mcnemar_normal_arrays(n, b, d, agreement, alpha, extra_sd))
    out = np.empty(n.shape)
    for idx in np.ndindex(n.shape):
        out[idx] = _mcnemar_power1(n[idx], b[idx], d[idx], agreement, alpha, method, extra_sd)
    return _out(out)


def mcnemar_mde(
    n: float,
    baseline_acc: float,
    power: float = 0.8,
    alpha: float = 0.05,
    agreement: Agreement = "card2020",
    method: str = "normal",
    direction: int = 1,
    extra_sd: float = 0.0,
) -> float:
    """Smallest change that McNemar's test detects with ``power`` (root finding); positive.

    ``direction=1`` searches improvements ``delta`` in (0, 1 - baseline_acc), as Card et al. do
    with the normal approximation; ``direction=-1`` searches declines in (0, baseline_acc).
    NaN when even the largest possible change stays below the target power. With
    ``method="exact"`` power is saw-toothed in ``delta`` (the test is discrete) and the root is
    one crossing near the smallest. ``extra_sd`` as in :func:`mcnemar_power`.
    """
    if direction not in (1, -1):
        raise ValueError(f"direction must be 1 or -1, got {direction!r}")
    if not (np.isfinite(n) and n >= 1 and np.isfinite(baseline_acc) and 0 <= baseline_acc <= 1):
        return float("nan")

    def f(d: float) -> float:
        p = _mcnemar_power1(n, baseline_acc, direction * d, agreement, alpha, method, extra_sd)
        return p - power

    room = 1.0 - baseline_acc if direction == 1 else baseline_acc
    lo, hi = 1e-6, room - 1e-6
    if hi <= lo or f(hi) < 0:
        return float("nan")
    if f(lo) >= 0:
        return lo
    return float(brentq(f, lo, hi, xtol=1e-9))
