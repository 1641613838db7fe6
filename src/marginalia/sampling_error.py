"""Sampling standard errors of the difference between two systems scored on one test set.

The one copy of these formulas: the standardize stage uses them for its ``se`` column and the
power stage for its tests (standardize sits below power, so both import them from here).
Accuracies, correlations and their differences are fractions here (0.80, +0.02), not
percentage points; the callers rescale.

- Unpaired proportions (:func:`two_proportion_se`): the two systems are scored on the same ``n``
  items but treated as two independent samples of size ``n`` (the usual "two-proportion z test"
  of papers that report only two accuracies). This ignores the positive correlation between two
  systems' errors on the same items, so it overstates the SE of the difference.
- Paired proportions (:func:`mcnemar_se`; Card et al. 2020, "With Little Power Comes Great
  Responsibility"): the 2x2 table of [both wrong, only B right; only A right, both right] is
  fixed by the baseline accuracy ``p_A``, the difference ``delta`` and the agreement rate
  ``P_a`` (share of items both systems get right or both get wrong). The discordant
  probabilities are ``p_B_only = (1 - P_a + delta) / 2`` and ``p_A_only = (1 - P_a - delta) / 2``.
  ``P_a`` is a number or Card et al.'s regression on GLUE leaderboard predictions,
  ``P_a = 0.41422307 + 0.58187475 p_A - 0.46624237 delta``, clipped into the range the two
  accuracies allow, ``[|p_A + p_B - 1|, 1 - |delta|]``. A negative ``delta`` is handled by
  swapping the roles of the systems.
- Correlations (:func:`two_correlation_se`): Fisher z delta method, ``(1 - r^2) / sqrt(n - 3)``
  per system, for two independent estimates.
- Mean scores (:func:`mean_score_se`, MT-Bench-like metrics): ``item_sd sqrt(2 (1 - rho) / n)``
  with ``rho`` the correlation of the two systems' scores on an item (0: independent samples).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "CARD2020",
    "MAX_DISAGREEMENT",
    "Agreement",
    "card2020_agreement",
    "discordant_arrays",
    "discordant_probabilities",
    "mcnemar_se",
    "mean_score_se",
    "oriented",
    "two_correlation_se",
    "two_proportion_se",
]

# Card et al. (2020), agreement regression fitted on GLUE leaderboard predictions.
CARD2020 = (0.41422307, 0.58187475, -0.46624237)

Agreement = float | str

#: the largest disagreement rate 1 - P_a of Card et al.'s regression at a change of 0 over all
#: baselines p: P_a = a + b p is clipped below by |2p - 1|, and 1 - P_a peaks where a + b p =
#: 1 - 2p, at p = (1 - a) / (b + 2), where it is 2p (0.4538)
MAX_DISAGREEMENT = 2.0 * (1.0 - CARD2020[0]) / (CARD2020[1] + 2.0)


def _out(x: np.ndarray) -> np.ndarray | float:
    """Plain float for 0-d results, the array otherwise."""
    return float(x) if np.ndim(x) == 0 else x


def two_proportion_se(n: ArrayLike, p1: ArrayLike, p2: ArrayLike | None = None):
    """SE of the difference of two independent proportions measured on ``n`` items each.

    ``sqrt(p1 (1 - p1) / n + p2 (1 - p2) / n)``; with ``p2`` omitted, both are ``p1``. NaN where
    ``n <= 0`` or a proportion lies outside [0, 1]. Broadcasts; a float for scalar input.
    """
    n = np.asarray(n, float)
    p1 = np.asarray(p1, float)
    p2 = p1 if p2 is None else np.asarray(p2, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)
    ok = (n > 0) & (p1 >= 0) & (p1 <= 1) & (p2 >= 0) & (p2 <= 1)
    return _out(np.where(ok, se, np.nan))


def card2020_agreement(baseline_acc: ArrayLike, delta_acc: ArrayLike):
    """Card et al.'s (2020) predicted agreement rate ``P_a`` (not clipped)."""
    a, b, c = CARD2020
    return _out(a + b * np.asarray(baseline_acc, float) + c * np.asarray(delta_acc, float))


def discordant_arrays(baseline_acc: ArrayLike, delta_acc: ArrayLike, agreement: Agreement):
    """``(p_B_only, p_A_only, P_a)`` as arrays, element by element as
    :func:`discordant_probabilities` (``delta_acc >= 0``; NaNs outside [0, 1])."""
    p_a, d = np.broadcast_arrays(np.asarray(baseline_acc, float), np.asarray(delta_acc, float))
    p_b = p_a + d
    if isinstance(agreement, str):
        if agreement != "card2020":
            raise ValueError(f"agreement must be a number or 'card2020', got {agreement!r}")
        agree = np.asarray(card2020_agreement(p_a, d), float)
    else:
        agree = np.full(p_a.shape, float(agreement))
    agree = np.minimum(np.maximum(agree, np.abs(p_a + p_b - 1)), 1 - np.abs(d))
    ok = (p_a >= 0) & (p_a <= 1) & (p_b >= 0) & (p_b <= 1)
    disc = 1 - agree
    nan = np.nan
    return (
        np.where(ok, (disc + d) / 2, nan),
        np.where(ok, (disc - d) / 2, nan),
        np.where(ok, agree, nan),
    )


def discordant_probabilities(
    baseline_acc: float, delta_acc: float, agreement: Agreement = "card2020"
) -> tuple[float, float, float]:
    """``(p_B_only, p_A_only, P_a)`` for an improvement ``delta_acc >= 0``.

    ``agreement`` is a number in [0, 1] or ``"card2020"``; ``P_a`` is clipped into the range the
    accuracies allow. NaNs when the accuracies are outside [0, 1].
    """
    plus, minus, agree = discordant_arrays(float(baseline_acc), float(delta_acc), agreement)
    return float(plus), float(minus), float(agree)


def oriented(baseline_acc: ArrayLike, delta_acc: ArrayLike):
    """``(baseline, improvement)``: the systems swapped for a decline, so the change is >= 0.
    Floats for floats; arrays element by element."""
    if np.ndim(baseline_acc) == 0 and np.ndim(delta_acc) == 0:
        if delta_acc < 0:
            return baseline_acc + delta_acc, -delta_acc
        return baseline_acc, delta_acc
    b, d = np.broadcast_arrays(np.asarray(baseline_acc, float), np.asarray(delta_acc, float))
    return np.where(d < 0, b + d, b), np.abs(d)


def mcnemar_se(n: ArrayLike, baseline_acc: ArrayLike, delta_acc: ArrayLike, agreement="card2020"):
    """SE of the paired difference of accuracies: ``sqrt((disc - delta^2) / n)``."""
    n, b, d = np.broadcast_arrays(*(np.asarray(a, float) for a in (n, baseline_acc, delta_acc)))
    p_a, dd = oriented(b, d)
    p_plus, p_minus, _ = discordant_arrays(p_a, dd, agreement)
    disc = p_plus + p_minus
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(np.maximum(disc - dd * dd, 0.0) / n)
    ok = np.isfinite(b) & np.isfinite(d) & (n > 0) & np.isfinite(disc)
    return _out(np.where(ok, se, np.nan))


def two_correlation_se(n: int, r1: float, r2: float) -> float:
    """SE of the difference of two independent correlations ``r1``, ``r2`` on ``n`` items each.

    Fisher z delta method, ``se(r) = (1 - r^2) / sqrt(n - 3)`` per system:
    ``sqrt(((1 - r1^2)^2 + (1 - r2^2)^2) / (n - 3))``. Scalars (Python floats); needs ``n > 3``.
    """
    return math.sqrt(((1 - r1**2) ** 2 + (1 - r2**2) ** 2) / (n - 3))


def mean_score_se(item_sd: ArrayLike, n: ArrayLike, correlation: float = 0.0):
    """SE of the difference of two mean scores over the same ``n`` items.

    ``item_sd sqrt(2 (1 - correlation) / n)``; NaN where ``item_sd <= 0`` or ``n <= 0``.
    """
    if not -1.0 <= correlation < 1.0:
        raise ValueError(f"correlation must lie in [-1, 1), got {correlation!r}")
    sd, n = np.broadcast_arrays(np.asarray(item_sd, float), np.asarray(n, float))
    with np.errstate(invalid="ignore", divide="ignore"):
        se = sd * np.sqrt(2.0 * (1.0 - correlation) / n)
    return _out(np.where((sd > 0) & (n > 0), se, np.nan))
