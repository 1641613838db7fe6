"""The power summary table: how many comparisons each flag marks, overall and per group.

:func:`summarize` turns the per-comparison table of :func:`marginalia.power.analyze` into one
row per (scope, group, flag, noise) (:data:`POWER_SUMMARY`), once for sampling error alone and
once with seed-to-seed noise added.
"""

from __future__ import annotations

import math

import pandas as pd

from marginalia.columns import POWER_SUMMARY
from marginalia.power.assess import FLAGS

__all__ = ["LABELS", "NOISE_SAMPLING", "NOISE_SEED", "summarize"]


#: Each flag in the notes' words (``within_noise``: a statement about the test at alpha).
LABELS = {
    "underpowered": "underpowered",
    "within_noise": "not distinguishable from zero at alpha",
    "below_mde": "below the minimum detectable effect",
    "exaggerated": "exaggerated",
}

NOISE_SAMPLING = "sampling"
NOISE_SEED = "sampling+seed"


def _count(df: pd.DataFrame, col: str) -> tuple[int, int]:
    s = df[col]
    known = s.notna()
    return int(s[known].astype(bool).sum()), int(known.sum())


def summarize(
    power_df: pd.DataFrame, sigma_run: float | None = None, sigma_run_source: str | None = None
) -> pd.DataFrame:
    """Counts and shares of flagged comparisons, overall, per hedge class and per benchmark.

    One row per (scope, group, flag, noise). ``denominator`` is the number of comparisons whose
    flag could be computed (a usable n; a model estimate for underpowered and exaggerated),
    ``n_usable`` those with a usable n, ``n_comparisons`` all comparisons of the group.
    ``change_vs_sampling`` (seed-noise rows) is the count with seed noise minus the count
    without; ``note`` says it in words.
    """
    if sigma_run is None:
        sigma_run = float(power_df["sigma_run"].iloc[0]) if len(power_df) else math.nan
    if sigma_run_source is None:
        sigma_run_source = str(power_df["sigma_run_source"].iloc[0]) if len(power_df) else ""
    sr, source = sigma_run, sigma_run_source
    groups: list[tuple[str, str, pd.DataFrame]] = [("overall", "all", power_df)]
    for scope, col in (
        ("hedge_local", "hedge_local"),
        ("paper_hedge", "paper_hedge"),
        ("benchmark", "benchmark"),
    ):
        keys = power_df[col].fillna("").replace("", "(none)")
        for key in sorted(keys.unique()):
            groups.append((scope, str(key), power_df[keys == key]))
    labels = LABELS
    records = []
    for scope, group, sub in groups:
        n_all, n_usable = len(sub), int(sub["assessed"].sum())
        for flag in FLAGS:
            c0, d0 = _count(sub, flag)
            c1, d1 = _count(sub, f"{flag}_total")
            for noise, c, d in ((NOISE_SAMPLING, c0, d0), (NOISE_SEED, c1, d1)):
                change = c1 - c0 if noise == NOISE_SEED else 0
                if d == 0:
                    note = f"no comparison could be judged {labels[flag]}"
                elif noise == NOISE_SAMPLING:
                    note = f"{c} of {d} {labels[flag]} with sampling error alone"
                else:
                    trend = (
                        "no change"
                        if change == 0
                        else f"{'up' if change > 0 else 'down'} from {c0}"
                    )
                    note = (
                        f"{c} of {d} {labels[flag]} with seed noise "
                        f"(sigma_run {sr:.2f} pp) added; {trend}"
                    )
                records.append(
                    {
                        "scope": scope,
                        "group": group,
                        "flag": flag,
                        "noise": noise,
                        "count": c,
                        "denominator": d,
                        "share": c / d if d else math.nan,
                        "n_comparisons": n_all,
                        "n_usable": n_usable,
                        "change_vs_sampling": change,
                        "sigma_run": sr,
                        "sigma_run_source": source,
                        "note": note,
                    }
                )
    out = pd.DataFrame.from_records(records, columns=POWER_SUMMARY)
    for c in ("count", "denominator", "n_comparisons", "n_usable", "change_vs_sampling"):
        out[c] = out[c].astype("int64")
    out["share"] = out["share"].astype("float64")
    return out
