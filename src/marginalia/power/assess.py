"""Design analysis of one comparison, and the columns of the per-comparison power table.

:func:`assess` picks the test (unpaired, McNemar or mean score; see :mod:`marginalia.power.stage`),
derives the SE when the standardized table has none, and computes MDE, power, type S/M and the
flags, with and without seed-to-seed noise. The words of ``flag_reason`` come from
:mod:`marginalia.power.explain`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from marginalia.columns import POWER_DTYPES, POWER_FLAGS
from marginalia.power import explain
from marginalia.power.accuracy import mcnemar_mde, mcnemar_power
from marginalia.power.design import false_positive_rate, mde, normal_power, z_crit
from marginalia.power.plausible import Plausible, averaged_design
from marginalia.sampling_error import (
    discordant_probabilities,
    mcnemar_se,
    mean_score_se,
    two_proportion_se,
)
from marginalia.values import number, text

__all__ = ["FLAGS", "assess", "typed"]


#: The flags of a comparison (sampling error alone); each also has a ``<flag>_total`` column.
#: The list and the rule of each flag: :data:`marginalia.columns.POWER_FLAGS`.
FLAGS = list(POWER_FLAGS)


def typed(df: pd.DataFrame) -> pd.DataFrame:
    """The per-comparison table (:data:`POWER`) with its column types set, in place."""
    for c, dtype in POWER_DTYPES.items():
        if dtype == "float64":
            df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
        elif c == "n":
            df[c] = pd.array(df[c].tolist(), dtype="Int64") if len(df) else df[c].astype("Int64")
        else:
            df[c] = df[c].astype(dtype)
    return df


# --------------------------------------------------------------------------- small helpers


def _below(a: float, b: float) -> bool | Any:
    """``a < b`` as a flag; NA when either side is unknown (NaN)."""
    if math.isnan(a) or math.isnan(b):
        return pd.NA
    return bool(a < b)


def _bench_info(registry: Any, name: str) -> dict:
    if registry is None or not name:
        return {}
    canon = registry.canonical(name)
    if canon is None:
        return {}
    try:
        info = registry.get(canon)
    except (KeyError, AttributeError):
        info = None
    return dict(info) if isinstance(info, Mapping) else {}


def _empty_result() -> dict[str, Any]:
    out: dict[str, Any] = {c: math.nan for c, t in POWER_DTYPES.items() if t == "float64"}
    out.update({c: pd.NA for c in FLAGS})
    out.update({f"{c}_total": pd.NA for c in FLAGS})
    out.update({"test": "", "n": pd.NA, "assessed": False, "plausible_method": ""})
    return out


# --------------------------------------------------------------------------- one comparison


def assess(
    row: Mapping[str, Any], plausible: Plausible | None, ctx: dict[str, Any]
) -> dict[str, Any]:
    """Design analysis of one comparison; returns the computed columns and flag_reason.

    ``row`` is a row of the standardized effects table, ``plausible`` the distribution of its
    plausible true effect (the model's predictive with the paper left out; None when unknown);
    power, type S and type M are averaged over it (:mod:`marginalia.power.plausible`); ``ctx``
    holds ``cfg`` (the checked ``power`` section), ``registry``,
    ``sigma_run`` and the words about it and the model (``sigma_run_short``, ``model_status``,
    ``model_text``).
    """
    cfg = ctx["cfg"]
    out = _empty_result()
    family = text(row.get("family"), strip=False)
    bench = text(row.get("benchmark"), strip=False)
    info = _bench_info(ctx["registry"], bench)
    metric_kind = text(row.get("metric_kind"), strip=False) or text(
        info.get("metric_kind"), strip=False
    )
    out["metric_kind"] = metric_kind
    y = number(row.get("y"))
    out["y"] = y
    if family != "pp":
        out["flag_reason"] = explain.not_pp(family, text(row.get("exclusion_reason"), strip=False))
        return out
    if not np.isfinite(y):
        out["flag_reason"] = explain.NO_SIZE
        return out

    n = number(row.get("n"))
    if not np.isfinite(n):
        n = number(info.get("n"))
    scale_max = number(info.get("scale_max"))
    if not (np.isfinite(scale_max) and scale_max > 0):
        scale_max = 100.0
    baseline = number(row.get("baseline_level"))
    if not np.isfinite(baseline):
        baseline = number(row.get("baseline"))
    if not np.isfinite(baseline):
        baseline = number(info.get("typical_baseline"))
    out["baseline"] = baseline
    se = number(row.get("se"))
    se = se if se > 0 else math.nan
    notes: list[str] = []

    if np.isfinite(n) and n >= 1:
        out["n"] = int(round(n))
    p0 = baseline / scale_max if np.isfinite(baseline) else math.nan
    proportion = metric_kind == "proportion"
    if metric_kind == "mean_score":
        test = "mean_score"
        if not np.isfinite(se):
            item_sd = number(info.get("item_sd"))
            se = float(mean_score_se(item_sd, n)) * 100.0 / scale_max if n >= 1 else math.nan
    elif cfg["test"] == "mcnemar" and proportion and np.isfinite(n) and 0 <= p0 <= 1:
        test = "mcnemar"
    else:
        test = "unpaired"
        if cfg["test"] == "mcnemar":
            notes.append(explain.MCNEMAR_FALLBACK)
        if not np.isfinite(se) and proportion and np.isfinite(n) and 0 <= p0 <= 1:
            p1 = min(max(p0 + y / 100.0, 0.0), 1.0)
            se = 100.0 * float(two_proportion_se(n, p0, p1))
            se = se if se > 0 else math.nan

    if not (np.isfinite(n) and n >= 1) and not np.isfinite(se):
        out["flag_reason"] = explain.no_test_set_size(
            bench, info, text(row.get("se_reason"), strip=False)
        )
        return out

    alpha, target = cfg["alpha"], cfg["power"]
    agreement = cfg["agreement"]
    method = cfg["mcnemar_method"]
    unreachable = False
    d, direction = y / 100.0, (1 if y >= 0 else -1)
    if test == "mcnemar":
        if not 0 <= p0 + d <= 1:
            out["flag_reason"] = explain.outside_range(baseline, y, scale_max)
            return out
        m = mcnemar_mde(n, p0, target, alpha, agreement, method, direction)
        unreachable = not np.isfinite(m)
        out["mde"] = 100.0 * m
        out["power_reported"] = float(mcnemar_power(n, p0, d, agreement, alpha, method))
        se = 100.0 * float(mcnemar_se(n, p0, d, agreement))
        lo_acc, gain = (p0, d) if d >= 0 else (p0 + d, -d)
        out["agreement"] = discordant_probabilities(lo_acc, gain, agreement)[2]
    else:
        if not np.isfinite(se):
            out["flag_reason"] = explain.no_se(text(row.get("se_reason"), strip=False))
            return out
        out["mde"] = float(mde(se, target, alpha))
        out["power_reported"] = float(normal_power(y, se, alpha))
    out["test"] = test
    out["se"] = se
    out["assessed"] = True

    has_theta = plausible is not None
    # seed noise of a mean over m runs: sigma_run^2 / m (the paper's n_seeds; 1 when unstated)
    m_runs = number(row.get("n_seeds"))
    m_runs = m_runs if np.isfinite(m_runs) and m_runs >= 1 else 1.0
    out["n_seeds"] = m_runs
    sigma_run = ctx["sigma_run"] / math.sqrt(m_runs)
    out["se_total"] = math.sqrt(se**2 + sigma_run**2)
    unreachable_total = False
    if has_theta:
        out["plausible_effect"] = plausible.center
        out["plausible_sd"] = plausible.sd
        out["plausible_k"] = plausible.pareto_k
        out["plausible_method"] = plausible.method
    if test == "mcnemar":
        # seed noise: the normal approximation with sigma_run's variance added under the null
        # and the alternative (reduces to the MESS formula when sigma_run = 0)
        extra = sigma_run / 100.0
        m_total = mcnemar_mde(n, p0, target, alpha, agreement, "normal", direction, extra)
        unreachable_total = not np.isfinite(m_total)
        out["mde_total"] = 100.0 * m_total
        out["power_reported_total"] = float(
            mcnemar_power(n, p0, d, agreement, alpha, "normal", extra)
        )
        # the disagreement band of the paired SE at the reported change (DESIGN.md §3): from the
        # least disagreement the two accuracies allow (|d|) to independent errors
        p1 = p0 + d
        out["se_band_lo"] = 100.0 * float(mcnemar_se(n, p0, d, 1.0))
        out["se_band_hi"] = 100.0 * float(mcnemar_se(n, p0, d, p0 * p1 + (1 - p0) * (1 - p1)))
        if has_theta:
            room = (-p0 + 1e-9, 1.0 - p0 - 1e-9)

            def frac(t: np.ndarray) -> np.ndarray:
                return np.clip(np.asarray(t, float) / 100.0, *room)

            def se_at(t: np.ndarray) -> np.ndarray:
                return 100.0 * np.asarray(mcnemar_se(n, p0, frac(t), agreement), float)

            def se_at_total(t: np.ndarray) -> np.ndarray:
                return np.sqrt(se_at(t) ** 2 + sigma_run**2)

            bounds = (100.0 * room[0], 100.0 * room[1])
            out["power_plausible"], out["type_s"], out["type_m"] = averaged_design(
                plausible,
                se_at,
                alpha,
                lambda t: mcnemar_power(n, p0, frac(t), agreement, alpha, method),
                feasible=bounds,
            )
            out["power_plausible_total"], out["type_s_total"], out["type_m_total"] = (
                averaged_design(
                    plausible,
                    se_at_total,
                    alpha,
                    lambda t: mcnemar_power(n, p0, frac(t), agreement, alpha, "normal", extra),
                    feasible=bounds,
                )
            )
    else:
        out["mde_total"] = float(mde(out["se_total"], target, alpha))
        out["power_reported_total"] = float(normal_power(y, out["se_total"], alpha))
        if has_theta:
            out["power_plausible"], out["type_s"], out["type_m"] = averaged_design(
                plausible, lambda t: se, alpha
            )
            out["power_plausible_total"], out["type_s_total"], out["type_m_total"] = (
                averaged_design(plausible, lambda t: out["se_total"], alpha)
            )

    # flags (DESIGN.md §5); power_reported (observed power) drives none of them
    thr, ex = cfg["underpowered_threshold"], cfg["exaggeration_threshold"]
    z = z_crit(alpha)
    out["within_noise"] = _below(abs(y), z * se)
    out["within_noise_total"] = _below(abs(y), z * out["se_total"])
    # a single-seed test that ignores seed noise (|y| > z se) when the true effect is 0 and y
    # varies by se_total: its false-positive rate, 2 [1 - Phi(z se / se_total)] (DESIGN.md §5)
    out["false_positive_single_seed"] = float(false_positive_rate(se, out["se_total"], alpha))
    out["below_mde"] = True if unreachable else _below(abs(y), out["mde"])
    out["below_mde_total"] = True if unreachable_total else _below(abs(y), out["mde_total"])
    out["underpowered"] = _below(out["power_plausible"], thr)
    out["exaggerated"] = _below(ex, out["type_m"])
    out["underpowered_total"] = _below(out["power_plausible_total"], thr)
    out["exaggerated_total"] = _below(ex, out["type_m_total"])

    out["flag_reason"] = explain.reason(out, row, info, bench, ctx, notes, unreachable)
    return out
