"""The comparison table of the report: one record per extracted comparison.

Every number keeps the inputs it came from: a row carries its span and offsets, the standard
error and how it was derived, both posterior analyses and every power flag with the numbers it
rests on. The power settings come from :func:`marginalia.power.power_config`, the one place that
knows their defaults and checks.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from marginalia.columns import MODEL_COMPARISONS, POWER_FLAGS
from marginalia.power import power_config
from marginalia.power.design import z_crit
from marginalia.report.load import Inputs
from marginalia.report.values import anchor, boolean, fmt, integer, num, records
from marginalia.values import text

__all__ = ["ANALYSES", "FLAGS", "comparison_rows", "power_thresholds"]

#: Flags of the power stage, in display order, with their labels.
#: (the flags and their order come from marginalia.columns.POWER_FLAGS; a flag without a label
#: here fails at import)
_LABELS = {
    "underpowered": "underpowered",
    "within_noise": "not distinguishable from zero",
    "below_mde": "below MDE",
    "exaggerated": "exaggerated",
}
FLAGS = {f: _LABELS[f] for f in POWER_FLAGS}
ANALYSES = ("claim", "paper")


# --------------------------------------------------------------------------- power settings


def power_thresholds(config: dict) -> dict[str, Any]:
    """Settings of the power flags: config ``power`` with the power stage's defaults filled in.

    Raises MarginaliaError (from :func:`marginalia.power.power_config`) when the section is
    invalid.
    """
    p = power_config(dict(config.get("power") or {}))
    return {
        "alpha": num(p["alpha"]),
        "power": num(p["power"]),
        "underpowered": num(p["underpowered_threshold"]),
        "exaggerated": num(p["exaggeration_threshold"]),
        "test": text(p["test"], strip=False),
    }


# --------------------------------------------------------------------------- comparisons


def _by_effect(df: pd.DataFrame, analysis: str | None = None) -> dict[str, dict]:
    """Rows of ``df`` keyed by effect_id (optionally of one analysis; first row wins)."""
    if df.empty or "effect_id" not in df.columns:
        return {}
    if analysis is not None and "analysis" in df.columns:
        df = df[df["analysis"].astype("string") == analysis]
    out: dict[str, dict] = {}
    for r in records(df):
        key = text(r.get("effect_id"), strip=False)
        if key and key not in out:
            out[key] = r
    return out


def _posterior(r: dict | None) -> dict[str, float | None]:
    r = r or {}
    keys = MODEL_COMPARISONS[MODEL_COMPARISONS.index("theta_mean") :]
    return {k: num(r.get(k)) for k in keys if k != "holdout"}


def _flags(p: dict, y: float | None, thr: dict) -> dict[str, Any]:
    """Flags of one comparison with the numbers each rests on.

    Returns flags (set by sampling error alone), flags_total (set only once seed-to-seed noise
    is added, power columns ``*_total``), known (flags that could be computed, True/False rather
    than NA), reasons (one short line per flag naming its inputs) and narrative (the power
    stage's own explanation, column ``flag_reason``).
    """
    listed = {
        f.strip() for f in re.split(r"[,;|\s]+", text(p.get("flags"), strip=False)) if f.strip()
    }
    flags, known, flags_total = [], [], []
    for name in FLAGS:
        value = boolean(p.get(name))
        if value is not None:
            known.append(name)
        if value or name in listed:
            flags.append(name)
        elif boolean(p.get(f"{name}_total")):
            flags_total.append(name)
    narrative = text(
        p.get("flag_reason") or p.get("flag_reasons") or p.get("reasons") or p.get("reason"),
        strip=False,
    )
    mde, pw = num(p.get("mde")), num(p.get("power_plausible"))
    tm = num(p.get("type_m"))
    # the plausible effect is the model's prediction with the paper left out (power.csv); never
    # the posterior of theta, which has seen the paper's own, equally selected, results
    plausible = num(p.get("plausible_effect"))
    plausible_sd = num(p.get("plausible_sd"))
    at = f"{fmt(plausible)} ± {fmt(plausible_sd)}" if plausible_sd is not None else fmt(plausible)
    reasons: list[str] = []
    if "underpowered" in flags:
        below = f" < {fmt(thr['underpowered'])}" if thr.get("underpowered") else ""
        reasons.append(
            f"underpowered: power {fmt(pw)}{below} averaged over plausible θ {at}, "
            f"se {fmt(p.get('se'))}"
        )
    ay = fmt(abs(y) if y is not None else None)
    if "within_noise" in flags:
        se = num(p.get("se"))
        z = z_crit(thr["alpha"]) if thr.get("alpha") else None
        zse = z * se if z is not None and se is not None else None
        reasons.append(
            f"not distinguishable from zero at α {fmt(thr.get('alpha'))}: |y| {ay} < "
            f"{fmt(z)}·se {fmt(zse)}"
        )
    if "below_mde" in flags:
        reasons.append(f"below MDE: |y| {ay} < MDE {fmt(mde)}")
    if "exaggerated" in flags:
        above = thr.get("exaggerated") or 2
        reasons.append(f"exaggerated: type M {fmt(tm)} > {fmt(above, 1)} over plausible θ {at}")
    if flags_total:
        se_t = num(p.get("se_total"))
        reasons.append(
            "with seed noise (se "
            + fmt(se_t)
            + "): also "
            + ", ".join(FLAGS[f] for f in flags_total)
        )
    return {
        "flags": flags,
        "flags_total": flags_total,
        "flag_tokens": " ".join(flags + [f"{f}_seed" for f in flags_total]),
        "known": known,
        "reasons": reasons,
        "narrative": narrative,
    }


def comparison_rows(inp: Inputs, config: dict) -> list[dict]:
    """One record per extracted comparison: extraction, standardization, posterior, power."""
    effects = inp.frame("effects")
    std = inp.frame("standardized")
    base = effects if not effects.empty else std
    if base.empty or "effect_id" not in base.columns:
        return []
    if not std.empty and "effect_id" in std.columns and base is not std:
        extra = [c for c in std.columns if c not in base.columns]
        base = base.merge(std[["effect_id", *extra]], on="effect_id", how="left")
    papers = inp.frame("papers")
    paper_hedge = {}
    if not papers.empty and {"paper_id", "hedge"} <= set(papers.columns):
        paper_hedge = {
            text(r["paper_id"], strip=False): text(r["hedge"], strip=False) for r in records(papers)
        }
    corpus = inp.frame("corpus")
    titles = {}
    if not corpus.empty and {"paper_id", "title"} <= set(corpus.columns):
        titles = {
            text(r["paper_id"], strip=False): text(r["title"], strip=False) for r in records(corpus)
        }
    comps = inp.frame("comparisons")
    post = {a: _by_effect(comps, a) for a in ANALYSES}
    power = inp.frame("power")
    pw = _by_effect(power, "claim")
    if not pw and "analysis" in power.columns:
        pw = _by_effect(power)
    thr = power_thresholds(config)

    rows = []
    for i, r in enumerate(records(base)):
        eid = text(r.get("effect_id"), strip=False) or f"row-{i}"
        pid = text(r.get("paper_id"), strip=False)
        cid = text(r.get("claim_id"), strip=False) or eid  # a range's rows share one claim
        c = post["claim"].get(cid) or post["claim"].get(eid)
        p = pw.get(eid, {})
        y = num(r.get("y"))
        if y is None and c:
            y = num(c.get("y"))
        se = num(r.get("se"))
        if se is None:
            se = num(p.get("se")) if p else (num(c.get("se")) if c else None)
        claim = _posterior(c)
        paper = _posterior(post["paper"].get(cid) or post["paper"].get(eid))
        fl = _flags(p, y, thr)
        in_model = boolean(r.get("in_model"))
        if in_model is None:
            in_model = c is not None
        rows.append(
            {
                "anchor": anchor("e", eid),
                "paper_anchor": anchor("p", pid),
                "effect_id": eid,
                "paper_id": pid,
                "title": text(r.get("title"), strip=False) or titles.get(pid, ""),
                "span": text(r.get("span"), strip=False),
                "start": integer(r.get("start")),
                "end": integer(r.get("end")),
                "aspect": text(r.get("aspect"), strip=False),
                "metric": text(r.get("metric"), strip=False),
                "benchmark": text(r.get("benchmark"), strip=False),
                "baseline": num(r.get("baseline")),
                "treatment": num(r.get("treatment")),
                "delta": num(r.get("delta")),
                "unit": text(r.get("unit"), strip=False),
                "scale": text(r.get("scale"), strip=False),
                "qualifier": text(r.get("qualifier"), strip=False),
                "direction": text(r.get("direction"), strip=False),
                "hedge_local": text(r.get("hedge_local"), strip=False) or "none",
                "hedge_local_span": text(r.get("hedge_local_span"), strip=False),
                "paper_hedge": text(r.get("paper_hedge"), strip=False) or paper_hedge.get(pid, ""),
                "family": text(r.get("family"), strip=False)
                or (text(c.get("family"), strip=False) if c else ""),
                "y": y,
                "se": se,
                "se_reason": text(r.get("se_reason"), strip=False),
                "n": integer(r.get("n")) if num(r.get("n")) is not None else integer(p.get("n")),
                "in_model": bool(in_model),
                "exclusion_reason": text(r.get("exclusion_reason"), strip=False),
                "scale_note": text(r.get("scale_note"), strip=False),
                "attribution": text(r.get("attribution")) or "own",
                "claim": claim,
                "paper": paper,
                "mde": num(p.get("mde")),
                "power_reported": num(p.get("power_reported")),
                "power_plausible": num(p.get("power_plausible")),
                "type_s": num(p.get("type_s")),
                "type_m": num(p.get("type_m")),
                "plausible_effect": num(p.get("plausible_effect")),
                "se_total": num(p.get("se_total")),
                "mde_total": num(p.get("mde_total")),
                "test": text(p.get("test"), strip=False),
                "has_power": bool(p),
                **fl,
            }
        )
    return rows
