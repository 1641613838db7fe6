"""Turn the stage outputs into the plain records the template shows (pure functions).

Every number keeps the inputs it came from: a comparison row carries its span and offsets, the
standard error and how it was derived, both posterior analyses and every flag's inputs.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from marginalia.report.highlight import Span, highlight, locate
from marginalia.report.load import Inputs
from marginalia.report.values import (
    anchor,
    boolean,
    fmt,
    integer,
    json_list,
    num,
    pick,
    records,
    text,
)

__all__ = [
    "FLAGS",
    "ANALYSES",
    "comparison_rows",
    "paper_cards",
    "class_estimates",
    "headline",
    "diagnostics_view",
    "population_table",
    "generic_table",
    "priors_view",
    "power_thresholds",
]

#: Flags of the power stage, in display order, with their labels.
FLAGS = {
    "underpowered": "underpowered",
    "within_noise": "within noise",
    "exaggerated": "exaggerated",
}
ANALYSES = ("claim", "paper")
HEDGE_ORDER = ("marginal", "mixed", "none", "strong")


# --------------------------------------------------------------------------- power settings


def power_thresholds(config: dict) -> dict[str, Any]:
    """Settings of the power flags: config ``power`` with the power stage's defaults filled in
    (None where neither states a value)."""
    p = dict(config.get("power") or {})
    try:
        from marginalia.power import power_config

        p = power_config(dict(config.get("power") or {}))
    except Exception:  # the power package absent or the section invalid: use what is given
        pass

    def first(*keys: str) -> float | None:
        for k in keys:
            if num(p.get(k)) is not None:
                return num(p.get(k))
        return None

    return {
        "alpha": first("alpha"),
        "power": first("power", "target_power"),
        "underpowered": first(
            "underpowered_threshold", "underpowered_below", "power_threshold", "threshold"
        ),
        "exaggerated": first("exaggeration_threshold", "exaggerated_above", "type_m_threshold"),
        "test": text(p.get("test")),
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
        key = text(r.get("effect_id"))
        if key and key not in out:
            out[key] = r
    return out


def _posterior(r: dict | None) -> dict[str, float | None]:
    r = r or {}
    return {
        k: num(r.get(k))
        for k in (
            "theta_mean",
            "theta_lo",
            "theta_hi",
            "shrinkage",
            "p_positive",
            "p_meaningful",
        )
    }


def _flags(p: dict, y: float | None, theta: float | None, thr: dict) -> dict[str, Any]:
    """Flags of one comparison with the numbers each rests on.

    Returns flags (set by sampling error alone), flags_total (set only once seed-to-seed noise
    is added, power columns ``*_total``), known (flags that could be computed, True/False rather
    than NA), reasons (one short line per flag naming its inputs) and narrative (the power
    stage's own explanation, column ``flag_reason``).
    """
    listed = {f.strip() for f in re.split(r"[,;|\s]+", text(p.get("flags"))) if f.strip()}
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
        p.get("flag_reason") or p.get("flag_reasons") or p.get("reasons") or p.get("reason")
    )
    mde, pw = num(p.get("mde")), num(p.get("power_plausible"))
    tm = num(p.get("type_m"))
    plausible = num(p.get("plausible_effect"))
    if plausible is None:
        plausible = num(p.get("true_effect", p.get("theta")))
    if plausible is None:
        plausible = theta
    reasons: list[str] = []
    if "underpowered" in flags:
        below = f" < {fmt(thr['underpowered'])}" if thr.get("underpowered") else ""
        reasons.append(
            f"underpowered: power {fmt(pw)}{below} at plausible θ {fmt(plausible)}, "
            f"se {fmt(p.get('se'))}"
        )
    if "within_noise" in flags:
        reasons.append(
            f"within noise: |y| {fmt(abs(y) if y is not None else None)} < MDE {fmt(mde)}"
        )
    if "exaggerated" in flags:
        above = thr.get("exaggerated") or 2
        reasons.append(f"exaggerated: type M {fmt(tm)} > {fmt(above, 1)} at θ {fmt(plausible)}")
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
        paper_hedge = {text(r["paper_id"]): text(r["hedge"]) for r in records(papers)}
    corpus = inp.frame("corpus")
    titles = {}
    if not corpus.empty and {"paper_id", "title"} <= set(corpus.columns):
        titles = {text(r["paper_id"]): text(r["title"]) for r in records(corpus)}
    comps = inp.frame("comparisons")
    post = {a: _by_effect(comps, a) for a in ANALYSES}
    power = inp.frame("power")
    pw = _by_effect(power, "claim")
    if not pw and "analysis" in power.columns:
        pw = _by_effect(power)
    thr = power_thresholds(config)

    rows = []
    for i, r in enumerate(records(base)):
        eid = text(r.get("effect_id")) or f"row-{i}"
        pid = text(r.get("paper_id"))
        c = post["claim"].get(eid)
        p = pw.get(eid, {})
        y = num(r.get("y"))
        if y is None and c:
            y = num(c.get("y"))
        se = num(r.get("se"))
        if se is None:
            se = num(p.get("se")) if p else (num(c.get("se")) if c else None)
        claim, paper = _posterior(c), _posterior(post["paper"].get(eid))
        fl = _flags(p, y, claim["theta_mean"], thr)
        in_model = boolean(r.get("in_model"))
        if in_model is None:
            in_model = c is not None
        rows.append(
            {
                "anchor": anchor("e", eid),
                "paper_anchor": anchor("p", pid),
                "effect_id": eid,
                "paper_id": pid,
                "title": text(r.get("title")) or titles.get(pid, ""),
                "span": text(r.get("span")),
                "start": integer(r.get("start")),
                "end": integer(r.get("end")),
                "aspect": text(r.get("aspect")),
                "metric": text(r.get("metric")),
                "benchmark": text(r.get("benchmark")),
                "baseline": num(r.get("baseline")),
                "treatment": num(r.get("treatment")),
                "delta": num(r.get("delta")),
                "unit": text(r.get("unit")),
                "scale": text(r.get("scale")),
                "qualifier": text(r.get("qualifier")),
                "direction": text(r.get("direction")),
                "hedge_local": text(r.get("hedge_local")) or "none",
                "hedge_local_span": text(r.get("hedge_local_span")),
                "paper_hedge": text(r.get("paper_hedge")) or paper_hedge.get(pid, ""),
                "family": text(r.get("family")) or (text(c.get("family")) if c else ""),
                "y": y,
                "se": se,
                "se_reason": text(r.get("se_reason")),
                "n": integer(r.get("n")) if num(r.get("n")) is not None else integer(p.get("n")),
                "in_model": bool(in_model),
                "exclusion_reason": text(r.get("exclusion_reason")),
                "scale_note": text(r.get("scale_note")),
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
                "test": text(p.get("test")),
                "has_power": bool(p),
                **fl,
            }
        )
    return rows


# --------------------------------------------------------------------------- paper cards


def _effect_tooltip(row: dict) -> str:
    parts = [f"“{row['span']}”"]
    amount = fmt(row["delta"], 2, signed=row["unit"] in ("percent", "points"))
    what = f"Δ = {amount} {row['unit']}".rstrip()
    if row["scale"]:
        what += f" ({row['scale']})"
    if row["qualifier"]:
        what += f", {row['qualifier'].replace('_', ' ')}"
    parts.append(what)
    hedge = f"hedge: {row['hedge_local']}"
    if row["hedge_local_span"]:
        hedge += f" (“{row['hedge_local_span']}”)"
    parts.append(hedge)
    bench = " · ".join(x for x in (row["benchmark"], row["metric"]) if x)
    if bench:
        parts.append(bench)
    theta = row["claim"]
    if theta["theta_mean"] is not None:
        parts.append(
            f"posterior θ = {fmt(theta['theta_mean'])} "
            f"[{fmt(theta['theta_lo'])}, {fmt(theta['theta_hi'])}]"
        )
    if row["flags"]:
        parts.append("flags: " + ", ".join(FLAGS[f] for f in row["flags"]))
    parts.append(f"{row['effect_id']}, characters {row['start']}–{row['end']}")
    return "\n".join(parts)


_SENTENCE_END = re.compile(r"[.!?]\s")


def _nearest(textv: str, needle: str, start: int, end: int) -> tuple[int, int] | None:
    """The occurrence of ``needle`` that belongs to the comparison at ``[start, end)``.

    hedge_local_span has no offsets; the cue sits in the comparison's sentence, so prefer an
    occurrence in the same sentence, then the smallest gap (0 when they overlap).
    """
    hits = [m.start() for m in re.finditer(re.escape(needle), textv)] if needle else []
    if not hits:
        return None

    def rank(h: int) -> tuple[bool, int]:
        a, b = min(h, start), max(h + len(needle), end)
        crosses = bool(_SENTENCE_END.search(textv, a, b)) if start >= 0 else True
        gap = max(0, h - end, start - (h + len(needle))) if start >= 0 else h
        return crosses, gap

    best = min(hits, key=rank)
    return best, best + len(needle)


def paper_cards(inp: Inputs, rows: list[dict], limit: int | None = None) -> list[dict]:
    """One card per paper (corpus order): abstract with spans and hedge cues highlighted."""
    corpus, papers = inp.frame("corpus"), inp.frame("papers")
    info: dict[str, dict] = {}
    order: list[str] = []
    for r in records(corpus):
        pid = text(r.get("paper_id"))
        if pid and pid not in info:
            info[pid] = dict(r)
            order.append(pid)
    hedges = {text(r.get("paper_id")): r for r in records(papers)}
    for pid in hedges:
        if pid and pid not in info:
            info[pid] = {"paper_id": pid, "title": hedges[pid].get("title")}
            order.append(pid)
    by_paper: dict[str, list[dict]] = {}
    for row in rows:
        by_paper.setdefault(row["paper_id"], []).append(row)
        if row["paper_id"] not in info:
            info[row["paper_id"]] = {"paper_id": row["paper_id"], "title": row["title"]}
            order.append(row["paper_id"])

    cards = []
    for pid in order if limit is None else order[:limit]:
        c, h = info[pid], hedges.get(pid, {})
        abstract = text(c.get("abstract"))
        hedge = text(h.get("hedge"))
        spans: list[Span] = []
        warnings: list[str] = []
        local_cues: dict[str, str] = {}
        for row in by_paper.get(pid, []):
            s, e, status = locate(abstract, row["span"], row["start"], row["end"])
            if status == "found":
                warnings.append(
                    f"{row['effect_id']}: offsets {row['start']}–{row['end']} do not match the "
                    f"span; highlighted its occurrence at {s}–{e}"
                )
            elif status == "missing":
                warnings.append(f"{row['effect_id']}: span “{row['span']}” is not in the abstract")
            if s >= 0:
                row["located"] = status
                spans.append(Span(s, e, "effect", row["anchor"], _effect_tooltip(row)))
            cue = row["hedge_local_span"]
            if cue and row["hedge_local"] in ("marginal", "strong"):
                local_cues[cue] = row["hedge_local"]
                hit = _nearest(abstract, cue, s, e)
                if hit:
                    title = f"hedge cue of a comparison ({row['hedge_local']}): “{cue}”"
                    spans.append(Span(*hit, "cue", row["hedge_local"], title))
        cue_list = json_list(h.get("hedge_spans"))
        cues_missing = []
        for cue in cue_list:
            cls = local_cues.get(cue) or (hedge if hedge in ("marginal", "strong") else "paper")
            hits = [m.start() for m in re.finditer(re.escape(cue), abstract)]
            if not hits and len(abstract.lower()) == len(abstract):
                hits = [m.start() for m in re.finditer(re.escape(cue.lower()), abstract.lower())]
            if not hits:
                cues_missing.append(cue)
            for hpos in hits:
                title = f"paper hedge cue ({hedge or 'unknown'}): “{cue}”"
                spans.append(Span(hpos, hpos + len(cue), "cue", cls, title))
        effs = by_paper.get(pid, [])
        url = text(c.get("url"))
        spans = sorted(set(spans), key=lambda sp: (sp.start, sp.end, sp.kind, sp.key))
        cards.append(
            {
                "anchor": anchor("p", pid),
                "paper_id": pid,
                "title": text(c.get("title")) or text(h.get("title")) or pid,
                "year": integer(c.get("year")),
                "source": text(c.get("source")),
                "url": url if re.match(r"https?://", url) else "",
                "abstract": highlight(abstract, spans) if abstract else None,
                "hedge": hedge or "unknown",
                "hedge_spans": cue_list,
                "cues_missing": cues_missing,
                "marginal_sense": text(h.get("marginal_sense")),
                "n_effects": len(effs),
                "effects": effs,
                "warnings": warnings,
            }
        )
    return cards


# --------------------------------------------------------------------------- hedge classes


_CONTRAST = re.compile(r"(minus|diff|−|\w\s*-\s*\w|vs)", re.IGNORECASE)


def class_estimates(hc: pd.DataFrame) -> list[dict]:
    """hedge_classes.csv as records: analysis, family, label, is_contrast, mean, lo, hi, ..."""
    if hc.empty:
        return []
    label_col = pick(hc, "hedge", "hedge_class", "class", "contrast", "parameter", "term", "name")
    mean_col = pick(hc, "mean", "theta_mean", "estimate", "posterior_mean")
    lo_col = pick(hc, "eti_5", "eti_5%", "lo", "lower", "q05", "hdi_5%", "theta_lo", "ci_lo")
    hi_col = pick(hc, "eti_95", "eti_95%", "hi", "upper", "q95", "hdi_95%", "theta_hi", "ci_hi")
    kind_col = pick(hc, "kind", "type", "quantity")
    ppos_col = pick(hc, "p_positive", "p_gt_0", "prob_positive")
    plt_col = pick(hc, "p_marginal_lt_strong")
    n_col = pick(hc, "n", "n_effects", "count")
    out = []
    for r in records(hc):
        label = text(r.get(label_col)) if label_col else ""
        label = re.sub(r"^beta_hedge\[(.*)\]$", r"\1", label)
        kind = text(r.get(kind_col)).lower() if kind_col else ""
        out.append(
            {
                "analysis": text(r.get("analysis")) or "claim",
                "family": text(r.get("family")) or "pp",
                "label": label,
                "is_contrast": "contrast" in kind
                or "diff" in kind
                or bool(_CONTRAST.search(label) and label not in HEDGE_ORDER),
                "mean": num(r.get(mean_col)) if mean_col else None,
                "lo": num(r.get(lo_col)) if lo_col else None,
                "hi": num(r.get(hi_col)) if hi_col else None,
                "p_positive": num(r.get(ppos_col)) if ppos_col else None,
                "p_marginal_lt_strong": num(r.get(plt_col)) if plt_col else None,
                "n": integer(r.get(n_col)) if n_col else None,
            }
        )
    return out


def _hedge_rank(label: str) -> tuple[int, str]:
    return (HEDGE_ORDER.index(label) if label in HEDGE_ORDER else len(HEDGE_ORDER), label)


def class_table(estimates: list[dict], family: str = "pp") -> list[dict]:
    """Rows label -> {claim: est, paper: est} for one family, classes first, contrasts last."""
    table: dict[str, dict] = {}
    for e in estimates:
        if e["family"] != family:
            continue
        row = table.setdefault(e["label"], {"label": e["label"], "is_contrast": e["is_contrast"]})
        row[e["analysis"]] = e
    return sorted(table.values(), key=lambda r: (r["is_contrast"], _hedge_rank(r["label"])))


# --------------------------------------------------------------------------- headline


def headline(inp: Inputs, rows: list[dict], diag: dict) -> dict:
    corpus, papers = inp.frame("corpus"), inp.frame("papers")
    n_papers = len(corpus) if not corpus.empty else len(papers)
    with_power = [r for r in rows if "underpowered" in r["known"]]
    n_under = sum("underpowered" in r["flags"] for r in with_power)
    n_under_total = n_under + sum("underpowered" in r["flags_total"] for r in with_power)
    estimates = class_estimates(inp.frame("hedge_classes"))
    families = sorted({e["family"] for e in estimates}, key=lambda f: (f != "pp", f))
    return {
        "n_papers": n_papers,
        "n_papers_with_effects": len({r["paper_id"] for r in rows}),
        "n_comparisons": len(rows),
        "n_performance": sum(r["aspect"] == "performance" for r in rows),
        "n_in_model": sum(r["in_model"] for r in rows),
        "n_with_power": len(with_power),
        "n_underpowered": n_under,
        "n_underpowered_total": n_under_total,
        "n_noise_known": sum("within_noise" in r["known"] for r in rows),
        "share_underpowered": n_under / len(with_power) if with_power else None,
        "n_within_noise": sum("within_noise" in r["flags"] for r in rows),
        "n_exaggerated": sum("exaggerated" in r["flags"] for r in rows),
        "power_flags_known": any(r["has_power"] for r in rows),
        "classes": {f: class_table(estimates, f) for f in families},
        "estimates": estimates,
        "model_ok": diag["ok"],
    }


# --------------------------------------------------------------------------- diagnostics


_SCALAR = (str, int, float, bool, type(None))
FIT_COLUMNS = (
    "name",
    "model",
    "family",
    "analysis",
    "ok",
    "n_effects",
    "divergences",
    "max_rhat",
    "min_ess_bulk",
    "min_ess_tail",
    "min_bfmi",
    "retried",
    "sampling_seconds",
)


def _fit_dicts(diag: dict) -> list[dict]:
    """The per-fit records of diagnostics.json: a list or a mapping under "fits", else none."""
    fits = diag.get("fits")
    if isinstance(fits, list):
        return [f for f in fits if isinstance(f, dict)]
    if isinstance(fits, dict):
        out = []
        for name, f in fits.items():
            if isinstance(f, dict):
                out.append({"name": str(name), **f})
        return out
    return []


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list | tuple):
        return [text(v) for v in value if text(v)]
    return [text(value)]


def diagnostics_view(diag: dict) -> dict:
    """ok flag, reasons, headline numbers (worst over the gating fits) and a per-fit table."""
    ok_raw = diag.get("ok")
    ok = boolean(ok_raw) if ok_raw is not None else None
    fits = _fit_dicts(diag)
    gating = [f for f in fits if text(f.get("model")) in ("", "hierarchical")] or fits
    sources = gating or [diag]
    divergences = rhat = ess = None
    for f in sources:
        for key, v in f.items():
            k, x = key.lower(), num(v)
            if x is None or isinstance(v, bool):
                continue
            if "diverg" in k and "rate" not in k and "frac" not in k:
                divergences = x if divergences is None else divergences + x
            elif "rhat" in k or "r_hat" in k:
                rhat = x if rhat is None else max(rhat, x)
            elif k.startswith(("min_ess", "ess")) and "required" not in k:
                ess = x if ess is None else min(ess, x)
    columns = [c for c in FIT_COLUMNS if any(c in f for f in fits)]
    if fits and len(columns) <= 1:  # an unknown layout: show every scalar field
        columns = []
        for f in fits:
            columns += [k for k, v in f.items() if isinstance(v, _SCALAR) and k not in columns]
    fit_rows = []
    for f in fits:
        cells = []
        for c in columns:
            v = f.get(c)
            if isinstance(v, bool):
                cells.append(("yes" if v else "NO") if c == "ok" else ("yes" if v else "no"))
            elif num(v) is not None:
                digits = 0 if ("ess" in c or "diverg" in c or c.startswith("n_")) else 3
                cells.append(fmt(v, digits if c != "sampling_seconds" else 1))
            else:
                cells.append(text(v) or "–")
        fit_rows.append(
            {
                "cells": cells,
                "ok": boolean(f.get("ok")),
                "notes": _strings(f.get("reasons")) + _strings(f.get("notes")),
                "attempts": len(f["attempts"]) if isinstance(f.get("attempts"), list) else None,
            }
        )
    top = [
        (k, v)
        for k, v in diag.items()
        if isinstance(v, _SCALAR) and k not in ("ok", "sampler", "seconds")
    ]
    nested = {
        k: v
        for k, v in diag.items()
        if isinstance(v, dict) and k not in ("fits", "priors", "choices")
    }
    limits = diagnostic_limits(diag)
    return {
        "ok": ok,
        "limits": limits,
        "rhat_bad": rhat is not None and rhat > limits["rhat"],
        "ess_bad": ess is not None and ess < limits["ess"],
        "present": bool(diag),
        "reasons": _strings(diag.get("reasons")),
        "warnings": _strings(diag.get("warnings")),
        "notes": _strings(diag.get("notes")),
        "divergences": divergences,
        "max_rhat": rhat,
        "min_ess": ess,
        "sampler": text(diag.get("sampler"))
        or next((text(f.get("sampler")) for f in fits if f.get("sampler")), ""),
        "seconds": num(diag.get("seconds")),
        "top": top,
        "fit_columns": columns,
        "fits": fit_rows,
        "nested": nested,
        "choices": diag.get("choices") if isinstance(diag.get("choices"), dict) else {},
    }


def population_table(summary: pd.DataFrame, max_per_param: int = 12) -> list[dict]:
    """summary.csv without per-effect parameters (names with more than ``max_per_param`` rows)."""
    if summary.empty or "parameter" not in summary.columns:
        return records(summary)
    base = summary["parameter"].astype("string").str.replace(r"\[.*$", "", regex=True)
    keys = [c for c in ("analysis", "family") if c in summary.columns]
    counts = summary.assign(_base=base).groupby([*keys, "_base"], dropna=False)["_base"]
    size = counts.transform("size")
    return records(summary[(size <= max_per_param).to_numpy()])


def diagnostic_limits(diag: dict) -> dict[str, float]:
    """The model's own gate: max R-hat and the ESS it required (defaults 1.01 and 400)."""
    settings = diag.get("settings") if isinstance(diag.get("settings"), dict) else {}
    gate = settings.get("thresholds") if isinstance(settings.get("thresholds"), dict) else {}
    rhat = num(gate.get("max_rhat")) or 1.01
    need = [
        num(f.get(k))
        for f in _fit_dicts(diag)
        for k in ("required_ess_bulk", "required_ess_tail")
        if num(f.get(k)) is not None
    ]
    return {"rhat": rhat, "ess": min(need) if need else 400.0}


def _bad_cell(column: str, value: float, limits: dict[str, float]) -> bool:
    """Diagnostic values outside the model's gate (R-hat, ESS) or high Pareto k counts."""
    c = column.lower()
    if c in ("r_hat", "rhat", "max_rhat"):
        return value > limits.get("rhat", 1.01)
    if c.startswith(("ess", "min_ess")):
        return value < limits.get("ess", 400.0)
    if c == "n_high_pareto_k":
        return value > 0
    return False


def generic_table(df: pd.DataFrame, limits: dict[str, float] | None = None) -> dict:
    """Any table as columns + rows of cells (display text, is_number, is_bad)."""
    limits = limits or {}
    cols = [str(c) for c in df.columns]
    rows = []
    for r in records(df):
        cells = []
        for c in df.columns:
            v = r.get(c)
            x = num(v)
            if x is not None and not isinstance(v, bool):
                name = str(c).lower()
                if isinstance(v, int) or name.startswith(("ess", "min_ess", "n_", "count")):
                    shown = fmt(x, 0)
                else:
                    shown = fmt(x, 3)
                cells.append((shown, True, _bad_cell(str(c), x, limits)))
            else:
                cells.append((text(v), False, False))
        rows.append(cells)
    return {"columns": cols, "rows": rows}


def power_summary_view(df: pd.DataFrame) -> dict | None:
    """power_summary.csv (long: scope, group, flag, noise, count, denominator) pivoted to one
    row per group with "count of denominator" per flag; None when the layout is different."""
    need = {"scope", "group", "flag", "noise", "count", "denominator"}
    if df.empty or not need <= set(df.columns):
        return None
    noises = list(dict.fromkeys(text(v) for v in df["noise"]))
    flags = [f for f in FLAGS if f in set(df["flag"].astype("string"))]
    groups: dict[tuple[str, str], dict] = {}
    for r in records(df):
        key = (text(r["scope"]), text(r["group"]))
        g = groups.setdefault(key, {"scope": key[0], "group": key[1], "cells": {}, "n": None})
        if num(r.get("n_comparisons")) is not None:
            g["n"] = integer(r.get("n_comparisons"))
        c, d = integer(r.get("count")), integer(r.get("denominator"))
        share = c / d if d else None
        g["cells"][(text(r["flag"]), text(r["noise"]))] = {"count": c, "den": d, "share": share}
    scopes: dict[str, list] = {}
    for g in groups.values():
        scopes.setdefault(g["scope"], []).append(g)
    return {"flags": flags, "noises": noises, "scopes": scopes}


def priors_view(diag: dict, config: dict, module_priors: Any = None) -> list[dict]:
    """The priors as rows {family, parameter, prior, unit, note}: those diagnostics.json states
    (what the fit used), else ``module_priors`` (the model module's table for this config)."""
    for source in (diag.get("priors"), module_priors):
        rows = _prior_rows(source)
        if rows:
            return rows
    return []


def _prior_rows(source: Any) -> list[dict]:
    if source is None:
        return []
    if isinstance(source, pd.DataFrame):
        source = records(source)
    if not source:
        return []
    rows = []
    if isinstance(source, dict):
        items = list(source.items())
        if all(isinstance(v, dict) for _, v in items) and all(
            not any(isinstance(x, dict) for x in v.values()) for _, v in items
        ):
            source = [{"parameter": k, **v} for k, v in items]
        else:
            return [
                {"family": "", "parameter": str(k), "prior": text(v), "unit": "", "note": ""}
                for k, v in items
            ]
    for item in source:
        if isinstance(item, dict):
            prior = text(item.get("prior") or item.get("distribution"))
            if not prior:
                prior = ", ".join(
                    f"{k}={v}" for k, v in item.items() if k not in ("parameter", "name")
                )
            rows.append(
                {
                    "family": text(item.get("family")),
                    "parameter": text(item.get("parameter") or item.get("name")),
                    "prior": prior,
                    "unit": text(item.get("unit")),
                    "note": text(item.get("note") or item.get("rationale") or item.get("source")),
                }
            )
        else:
            rows.append(
                {"family": "", "parameter": "", "prior": text(item), "unit": "", "note": ""}
            )
    return rows
