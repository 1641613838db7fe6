"""Power of mean-score comparisons (MT-Bench-like metrics: a score per item, averaged).

Two systems scored on the same ``n`` items, each item's score with standard deviation
``item_sd``. With ``correlation`` the correlation between the two systems' scores on an item
(0 = treated as independent samples, the default), the SE of the difference of means is
``item_sd * sqrt(2 (1 - correlation) / n)`` (:func:`marginalia.sampling_error.mean_score_se`);
power, MDE and type S/M follow the normal design analysis of :mod:`marginalia.power.design`.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from marginalia.power.design import mde, normal_power
from marginalia.sampling_error import mean_score_se

__all__ = ["mean_score_mde", "mean_score_power"]


def mean_score_power(
    n: ArrayLike, item_sd: ArrayLike, delta: ArrayLike, alpha: float = 0.05, correlation=0.0
):
    """Power of the two-sided z test of a difference ``delta`` in mean score."""
    return normal_power(delta, mean_score_se(item_sd, n, correlation), alpha)


def mean_score_mde(
    n: ArrayLike, item_sd: ArrayLike, power: float = 0.8, alpha: float = 0.05, correlation=0.0
):
    """Smallest difference in mean score detectable with ``power`` (same units as ``item_sd``)."""
    return mde(mean_score_se(item_sd, n, correlation), power, alpha)
