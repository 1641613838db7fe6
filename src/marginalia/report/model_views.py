"""The report's views of the model and power summaries: hedge-class estimates, the headline
numbers, the diagnostics, and the population, priors and power-summary tables."""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from marginalia.report.load import Inputs
from marginalia.report.rows import FLAGS
from marginalia.report.values import boolean, fmt, integer, num, pick, records
from marginalia.standardize.effect import AMBIGUOUS_SCALE
from marginalia.values import text

__all__ = [
    "class_estimates",
    "class_table",
    "diagnostic_limits",
    "diagnostics_view",
    "generic_table",
    "headline",
    "population_table",
    "power_summary_view",
    "priors_view",
]

HEDGE_ORDER = ("marginal", "mixed", "none", "strong")


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
        label = text(r.get(label_col), strip=False) if label_col else ""
        label = re.sub(r"^beta_hedge\[(.*)\]$", r"\1", label)
        kind = text(r.get(kind_col), strip=False).lower() if kind_col else ""
        out.append(
            {
                "analysis": text(r.get("analysis"), strip=False) or "claim",
                "family": text(r.get("family"), strip=False) or "pp",
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


def conclusion(estimates: list[dict], ok: bool | None) -> str:
    """The report's answer in one or two plain sentences, from the claim-level pp estimates.

    Empty when there is no marginal - strong estimate. The sentence says whether the data can
    tell claims called marginal from claims called strong (the 90% interval of the difference
    excludes 0 or not), with the class sizes and the assumption the estimate rests on.
    """
    pp = {e["label"]: e for e in estimates if e["family"] == "pp" and e["analysis"] == "claim"}
    diff = next((e for lbl, e in pp.items() if e["is_contrast"]), None)
    if diff is None or diff["mean"] is None or diff["lo"] is None or diff["hi"] is None:
        return ""
    n_m = (pp.get("marginal") or {}).get("n") or 0
    n_s = (pp.get("strong") or {}).get("n") or 0
    sizes = f"{n_m} comparison{'s' if n_m != 1 else ''} called marginal, {n_s} called strong"
    interval = f"{diff['lo']:.1f} to {diff['hi']:.1f}"
    if diff["lo"] <= 0 <= diff["hi"]:
        text = (
            f"On these data ({sizes}) the model cannot tell claims called marginal from claims "
            f"called strong: the difference in true improvement is {diff['mean']:.1f} pp "
            f"(90% interval {interval})."
        )
    else:
        word = "smaller" if diff["hi"] < 0 else "larger"
        text = (
            f"On these data ({sizes}) the true improvements behind claims called marginal are "
            f"{word} than those behind claims called strong, by {abs(diff['mean']):.1f} pp "
            f"(90% interval {interval})"
            + (
                "; with so few comparisons in a class this describes these comparisons, "
                "not the field."
                if min(n_m, n_s) < 10
                else "."
            )
        )
    text += (
        " It assumes authors chose their words from the numbers they report; the "
        "hedge-in-the-mean fit in the sensitivity table is the opposite bound."
    )
    if ok is not True:
        text = "Unreliable (model diagnostics not OK): " + text
    return text


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
        "n_not_own": sum(r["attribution"] != "own" for r in rows),
        "n_ambiguous_scale": sum(r["exclusion_reason"].startswith(AMBIGUOUS_SCALE) for r in rows),
        "n_with_power": len(with_power),
        "n_underpowered": n_under,
        "n_underpowered_total": n_under_total,
        "n_noise_known": sum("within_noise" in r["known"] for r in rows),
        "share_underpowered": n_under / len(with_power) if with_power else None,
        "n_within_noise": sum("within_noise" in r["flags"] for r in rows),
        "n_below_mde_known": sum("below_mde" in r["known"] for r in rows),
        "n_below_mde": sum("below_mde" in r["flags"] for r in rows),
        "n_exaggerated": sum("exaggerated" in r["flags"] for r in rows),
        "power_flags_known": any(r["has_power"] for r in rows),
        "classes": {f: class_table(estimates, f) for f in families},
        "estimates": estimates,
        "model_ok": diag["ok"],
        "conclusion": conclusion(estimates, diag["ok"]),
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
        return [text(v, strip=False) for v in value if text(v, strip=False)]
    return [text(value, strip=False)]


def diagnostics_view(diag: dict) -> dict:
    """ok flag, reasons, headline numbers (worst over the gating fits) and a per-fit table."""
    ok_raw = diag.get("ok")
    ok = boolean(ok_raw) if ok_raw is not None else None
    fits = _fit_dicts(diag)
    gating = [
        f
        for f in fits
        if text(f.get("model"), strip=False) in ("", "hierarchical")
        and not text(f.get("name"), strip=False).startswith("sensitivity_")
    ] or fits
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
                cells.append(text(v, strip=False) or "–")
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
    gating_names = {text(f.get("name"), strip=False) for f in gating}
    secondary_failed = [
        text(f.get("name"), strip=False)
        for f in fits
        if text(f.get("name"), strip=False) not in gating_names and boolean(f.get("ok")) is False
    ]
    return {
        "ok": ok,
        "n_primary": len(gating),
        "secondary_failed": secondary_failed,
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
        "sampler": text(diag.get("sampler"), strip=False)
        or next((text(f.get("sampler"), strip=False) for f in fits if f.get("sampler")), ""),
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
                cells.append((text(v, strip=False), False, False))
        rows.append(cells)
    return {"columns": cols, "rows": rows}


def power_summary_view(df: pd.DataFrame) -> dict | None:
    """power_summary.csv (long: scope, group, flag, noise, count, denominator) pivoted to one
    row per group with "count of denominator" per flag; None when the layout is different."""
    need = {"scope", "group", "flag", "noise", "count", "denominator"}
    if df.empty or not need <= set(df.columns):
        return None
    noises = list(dict.fromkeys(text(v, strip=False) for v in df["noise"]))
    flags = [f for f in FLAGS if f in set(df["flag"].astype("string"))]
    groups: dict[tuple[str, str], dict] = {}
    for r in records(df):
        key = (text(r["scope"], strip=False), text(r["group"], strip=False))
        g = groups.setdefault(key, {"scope": key[0], "group": key[1], "cells": {}, "n": None})
        if num(r.get("n_comparisons")) is not None:
            g["n"] = integer(r.get("n_comparisons"))
        c, d = integer(r.get("count")), integer(r.get("denominator"))
        share = c / d if d else None
        g["cells"][(text(r["flag"], strip=False), text(r["noise"], strip=False))] = {
            "count": c,
            "den": d,
            "share": share,
        }
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
                {
                    "family": "",
                    "parameter": str(k),
                    "prior": text(v, strip=False),
                    "unit": "",
                    "note": "",
                }
                for k, v in items
            ]
    for item in source:
        if isinstance(item, dict):
            prior = text(item.get("prior") or item.get("distribution"), strip=False)
            if not prior:
                prior = ", ".join(
                    f"{k}={v}" for k, v in item.items() if k not in ("parameter", "name")
                )
            rows.append(
                {
                    "family": text(item.get("family"), strip=False),
                    "parameter": text(item.get("parameter") or item.get("name"), strip=False),
                    "prior": prior,
                    "unit": text(item.get("unit"), strip=False),
                    "note": text(
                        item.get("note") or item.get("rationale") or item.get("source"), strip=False
                    ),
                }
            )
        else:
            rows.append(
                {
                    "family": "",
                    "parameter": "",
                    "prior": text(item, strip=False),
                    "unit": "",
                    "note": "",
                }
            )
    return rows
