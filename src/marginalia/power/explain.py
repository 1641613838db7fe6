"""The power stage's reasons in words: column ``flag_reason`` of every comparison.

Numbers in the prose are formatted here (:func:`pp`, :func:`pct`); the numbers themselves come
from :mod:`marginalia.power.assess`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from marginalia.power.design import z_crit
from marginalia.values import text

__all__ = [
    "MCNEMAR_FALLBACK",
    "NOT_DISTINGUISHABLE",
    "NO_SIZE",
    "distinguishable",
    "no_se",
    "no_test_set_size",
    "not_pp",
    "outside_range",
    "pct",
    "pp",
    "reason",
]

#: Reason of a pp comparison without a finite effect size.
NO_SIZE = "Not assessed: the comparison has no size on the pp scale."

#: Note when ``power.test: mcnemar`` cannot be used for a comparison.
MCNEMAR_FALLBACK = (
    "McNemar's paired test needs a proportion metric with a known baseline "
    "accuracy, so the unpaired test is used."
)


# --------------------------------------------------------------------------- numbers in prose


def pp(x: float) -> str:
    """A number of percentage points for prose."""
    ax = abs(x)
    if ax >= 0.95 or ax == 0:
        return f"{x:.1f} pp"
    if ax >= 0.095:
        return f"{x:.2f} pp"
    return f"{x:.2g} pp"


def pct(p: float) -> str:
    """A probability for prose, as a whole percentage."""
    if p < 0.01:
        return "under 1%"
    if p > 0.99:
        return "over 99%"
    return f"{p:.0%}"


# --------------------------------------------------------------------------- not assessed


def not_pp(family: str, exclusion_reason: str) -> str:
    """Reason of a comparison outside the percentage-point family."""
    if family == "log_ratio":
        return (
            "Not assessed: a ratio or relative change of an unbounded quantity (log-ratio "
            "family); test-set-size power applies only to percentage-point comparisons."
        )
    return "Not assessed: not a percentage-point comparison" + (
        f" ({exclusion_reason})." if exclusion_reason else "."
    )


def no_test_set_size(bench: str, info: Mapping, se_reason: str) -> str:
    """Reason of a comparison with neither a test-set size nor a sampling SE."""
    if not bench:
        out = "Not assessed: no benchmark is named, so the test-set size is unknown"
    elif not info:
        out = (
            f"Not assessed: benchmark {bench!r} is not in the registry "
            "(config/benchmarks.yaml), so its test-set size is unknown; add its n"
        )
    else:
        out = f"Not assessed: the registry gives no test-set size for {bench}; add its n"
    return out + (f" ({se_reason})." if se_reason else ".")


def outside_range(baseline: float, y: float, scale_max: float) -> str:
    """Reason of a McNemar comparison whose baseline plus change leaves the metric's range."""
    return (
        f"Not assessed: a baseline of {baseline:g} and a change of {pp(y)} leave the "
        f"0-{scale_max:g} range of the metric."
    )


def no_se(se_reason: str) -> str:
    """Reason of an unpaired comparison whose sampling SE could not be derived."""
    return "Not assessed: no sampling SE could be derived " + (
        f"({se_reason})." if se_reason else "."
    )


# --------------------------------------------------------------------------- assessed

#: How flag ``within_noise`` is worded: a statement about the test, never about the effect.
NOT_DISTINGUISHABLE = "not distinguishable from zero"


def distinguishable(abs_y: float, se: float, alpha: float) -> str:
    """Flag ``within_noise`` in words: |y| against z_{1-alpha/2} * se (no capital, no stop)."""
    z = z_crit(alpha)
    bar = f"{z:.2f} x its SE of {pp(se)} = {pp(z * se)}"
    if abs_y < z * se:
        return (
            f"the reported {pp(abs_y)} is below {bar}, so it is {NOT_DISTINGUISHABLE} at "
            f"alpha {alpha:g} (within noise; this does not show that the true effect is zero)"
        )
    return (
        f"the reported {pp(abs_y)} reaches {bar}, so it is distinguishable from zero at "
        f"alpha {alpha:g}"
    )


def _describe_set(bench: str, info: Mapping, n: int) -> str:
    split = text(info.get("split"), strip=False).split(" (")[0]
    if bench:
        name = f"{bench} {split}".strip()
        return f"{name} has {n:,} examples"
    return f"the evaluation set has {n:,} examples"


def reason(
    out: Mapping[str, Any],
    row: Mapping[str, Any],
    info: Mapping,
    bench: str,
    ctx: dict[str, Any],
    notes: list[str],
    unreachable: bool,
) -> str:
    """``flag_reason`` of an assessed comparison: its MDE, its power at the plausible effect and
    what seed-to-seed noise changes (``out`` holds the computed columns)."""
    cfg = ctx["cfg"]
    y, n = out["y"], out["n"]
    target = f"{cfg['power']:.0%} power"
    size = "gain" if y >= 0 else "decline"
    parts: list[str] = []
    if n is pd.NA:
        lead = f"Judged by its sampling SE of {pp(out['se'])} (test-set size unknown)"
    else:
        where = _describe_set(bench, info, int(n))
        lead = where[0].upper() + where[1:]
    if out["test"] == "mcnemar":
        lead += f" (paired McNemar test, agreement {out['agreement']:.1%})"
    elif out["test"] == "mean_score":
        lead += " (difference of mean scores)"
    parts.append(lead + "; " + distinguishable(abs(y), out["se"], cfg["alpha"]) + ".")
    if unreachable:
        parts.append(
            f"No {size} within the metric's range is detectable at {target}, so the reported "
            f"{pp(abs(y))} is below the minimum detectable effect."
        )
    else:
        rel = "is below it" if out["below_mde"] is True else "reaches it"
        parts.append(
            f"The smallest {size} detectable at {target} is {pp(out['mde'])}, "
            f"and the reported {pp(abs(y))} {rel}."
        )
    parts.extend(notes)

    status, status_text = ctx["model_status"], ctx["model_text"]
    theta = out["plausible_effect"]
    if np.isfinite(theta):
        k_note = (
            f"; the leave-out weights are unreliable (Pareto k {out['plausible_k']:.2f})"
            if out["plausible_method"] == "psis_high_k"
            else ""
        )
        s = (
            "Judged against what the other papers say about its true effect (the model's "
            f"prediction with this paper left out: {pp(theta)}, SD {pp(out['plausible_sd'])}"
            f"{k_note}), the comparison has {pct(out['power_plausible'])} power on average"
        )
        if out["underpowered"] is True:
            s += f", below the {cfg['underpowered_threshold']:.0%} threshold (underpowered)"
        if out["exaggerated"] is True:
            s += (
                f"; a significant result would overstate the true effect "
                f"{out['type_m']:.1f}-fold on average (type M)"
            )
        if out["type_s"] >= 0.05:
            s += f", with a {pct(out['type_s'])} chance of the wrong sign (type S)"
        parts.append(s + ".")
    elif status != "ok":
        parts.append(f"No plausible-effect analysis: {status_text}.")
    else:
        why = text(row.get("exclusion_reason"), strip=False)
        parts.append(
            "No plausible-effect analysis: the comparison is not in the model"
            + (f" ({why})." if why else ".")
        )

    changes = []
    if out["within_noise_total"] is True and out["within_noise"] is not True:
        changes.append(f"makes the reported size {NOT_DISTINGUISHABLE} at alpha {cfg['alpha']:g}")
    if out["below_mde_total"] is True and out["below_mde"] is not True:
        changes.append("puts it below the minimum detectable effect")
    if out["underpowered_total"] is True and out["underpowered"] is not True:
        changes.append("makes it underpowered")
    if out["exaggerated_total"] is True and out["exaggerated"] is not True:
        changes.append("makes a significant result exaggerated")
    seed = (
        f"With seed-to-seed noise (sigma_run {pp(ctx['sigma_run'])}, {ctx['sigma_run_short']}"
        + (
            f"; the abstract's mean over {int(out['n_seeds'])} runs divides its variance by "
            f"{int(out['n_seeds'])}"
            if out["n_seeds"] > 1
            else ""
        )
        + ") "
        f"the SE grows from {out['se']:.2f} to {out['se_total']:.2f} pp and the smallest "
        f"detectable {size} to "
        + (pp(out["mde_total"]) if np.isfinite(out["mde_total"]) else "beyond the metric's range")
    )
    if changes:
        listed = (
            changes[0] if len(changes) == 1 else ", ".join(changes[:-1]) + " and " + changes[-1]
        )
        seed += ", which " + listed + "."
    else:
        seed += "; the flags do not change."
    parts.append(seed)
    return " ".join(parts)
