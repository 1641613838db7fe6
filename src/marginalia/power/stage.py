"""Stage 5, power: design analysis of every reported comparison.

:func:`analyze` takes the standardized effects table, the model's per-effect estimates, the
papers table, the benchmark registry and the ``power`` config section, and returns one row per
comparison (:data:`COLUMNS`) plus a summary table (:data:`SUMMARY_COLUMNS`).

Which test describes a comparison (column ``test``):

- ``unpaired``: the reported difference is normal with the standardized sampling SE (``se`` of
  the standardize stage: for proportions, two independent samples of ``n`` items, see
  :mod:`marginalia.power.accuracy`). MDE, power and type S/M are the normal design analysis.
- ``mcnemar`` (``power.test: mcnemar``, proportion metrics with a known baseline): the paired
  test of Card et al. (2020); power and MDE from :func:`mcnemar_power` / :func:`mcnemar_mde`
  with ``power.mcnemar_method``; type S/M from the normal approximation with the paired SE at the
  plausible effect.
- ``mean_score``: per-item-SD metrics (MT-Bench); the normal design analysis with the SE of a
  difference of means.

Effects ``y`` are percentage points of the metric's range (family ``pp``); the SE is taken from
the standardized table when present, else derived here (two independent proportions at the
baseline and baseline + y; ``item_sd * sqrt(2 / n)`` rescaled to pp of ``scale_max`` for mean
scores). Rows of other families, or without a test-set size or SE, get no flags and a reason.

The plausible true effect is the posterior mean of theta (``comparisons.csv``, analysis
``claim``); without a usable model (absent, or failed diagnostics) those columns stay empty.
Seed noise: ``se_total = sqrt(se^2 + sigma_run^2)``, and every ``*_total`` column repeats the
analysis with that SE (McNemar: the normal approximation with ``sigma_run``'s variance added under
null and alternative, so with ``mcnemar_method: exact`` the sampling-only MDE and ``mde_total``
come from different approximations and may differ slightly in either direction).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from marginalia.errors import MarginaliaError
from marginalia.power.accuracy import (
    discordant_probabilities,
    mcnemar_mde,
    mcnemar_power,
    mcnemar_se,
    two_proportion_se,
)
from marginalia.power.design import mde, normal_power, retrodesign
from marginalia.power.scores import mean_score_se

__all__ = [
    "COLUMNS",
    "DEFAULTS",
    "SUMMARY_COLUMNS",
    "analyze",
    "power_config",
    "sigma_run_from_summary",
    "summarize",
]

DEFAULTS: dict[str, Any] = {
    "power": 0.8,
    "alpha": 0.05,
    "underpowered_threshold": 0.5,
    "exaggeration_threshold": 2.0,
    "test": "unpaired",
    "agreement": "card2020",
    "mcnemar_method": "normal",
    "sigma_run": 1.0,
    "sigma_run_from_model": True,
}

COLUMNS = [
    "effect_id",
    "paper_id",
    "title",
    "span",
    "benchmark",
    "family",
    "metric_kind",
    "y",
    "n",
    "baseline",
    "se",
    "test",
    "agreement",
    "mde",
    "power_reported",
    "plausible_effect",
    "power_plausible",
    "type_s",
    "type_m",
    "sigma_run",
    "sigma_run_source",
    "se_total",
    "mde_total",
    "power_reported_total",
    "power_plausible_total",
    "type_s_total",
    "type_m_total",
    "assessed",
    "underpowered",
    "within_noise",
    "exaggerated",
    "underpowered_total",
    "within_noise_total",
    "exaggerated_total",
    "model_status",
    "flag_reason",
    "hedge_local",
    "paper_hedge",
]

_FLOATS = [
    "y",
    "baseline",
    "se",
    "agreement",
    "mde",
    "power_reported",
    "plausible_effect",
    "power_plausible",
    "type_s",
    "type_m",
    "sigma_run",
    "se_total",
    "mde_total",
    "power_reported_total",
    "power_plausible_total",
    "type_s_total",
    "type_m_total",
]
_FLAGS = ["underpowered", "within_noise", "exaggerated"]
_STRINGS = [
    "effect_id",
    "paper_id",
    "title",
    "span",
    "benchmark",
    "family",
    "metric_kind",
    "test",
    "sigma_run_source",
    "model_status",
    "flag_reason",
    "hedge_local",
    "paper_hedge",
]

SUMMARY_COLUMNS = [
    "scope",
    "group",
    "flag",
    "noise",
    "count",
    "denominator",
    "share",
    "n_comparisons",
    "n_usable",
    "change_vs_sampling",
    "sigma_run",
    "sigma_run_source",
    "note",
]

NOISE_SAMPLING = "sampling"
NOISE_SEED = "sampling+seed"


# --------------------------------------------------------------------------- configuration


def power_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``power`` config section with defaults filled in, checked; accepts the whole config.

    Raises MarginaliaError naming the key for values out of range.
    """
    section: Mapping[str, Any] = config or {}
    if isinstance(section.get("power"), Mapping):  # the whole config was given
        section = section["power"]
    unknown = sorted(set(section) - set(DEFAULTS))
    if unknown:
        raise MarginaliaError(
            f"config key power.{unknown[0]} is not a setting of the power stage; "
            f"known keys: {', '.join(DEFAULTS)} (see workflow/schemas/power.schema.yaml)"
        )
    cfg = {**DEFAULTS, **dict(section)}
    alpha, target = cfg["alpha"], cfg["power"]
    if not (isinstance(alpha, int | float) and 0 < alpha < 0.5):
        raise MarginaliaError(f"config key power.alpha must be a number in (0, 0.5), got {alpha!r}")
    if not (isinstance(target, int | float) and alpha < target < 1):
        raise MarginaliaError(
            f"config key power.power must be a number between power.alpha ({alpha}) and 1, "
            f"got {target!r}"
        )
    thr = cfg["underpowered_threshold"]
    if not (isinstance(thr, int | float) and 0 < thr < 1):
        raise MarginaliaError(
            f"config key power.underpowered_threshold must be a number in (0, 1), got {thr!r}"
        )
    ex = cfg["exaggeration_threshold"]
    if not (isinstance(ex, int | float) and ex >= 1):
        raise MarginaliaError(
            f"config key power.exaggeration_threshold must be a number >= 1, got {ex!r}"
        )
    if cfg["test"] not in ("unpaired", "mcnemar"):
        raise MarginaliaError(
            f"config key power.test must be 'unpaired' or 'mcnemar', got {cfg['test']!r}"
        )
    agree = cfg["agreement"]
    if not (agree == "card2020" or (isinstance(agree, int | float) and 0 <= agree <= 1)):
        raise MarginaliaError(
            "config key power.agreement must be 'card2020' (Card et al. 2020's regression) or "
            f"a share of items both systems agree on, in [0, 1]; got {agree!r}"
        )
    if cfg["mcnemar_method"] not in ("normal", "exact"):
        raise MarginaliaError(
            "config key power.mcnemar_method must be 'normal' or 'exact', "
            f"got {cfg['mcnemar_method']!r}"
        )
    sr = cfg["sigma_run"]
    if not (isinstance(sr, int | float) and sr >= 0):
        raise MarginaliaError(f"config key power.sigma_run must be a number >= 0, got {sr!r}")
    return cfg


def sigma_run_from_summary(summary: pd.DataFrame | None) -> float | None:
    """Posterior mean of ``sigma_run`` (claim analysis, family pp when given) or None."""
    if summary is None or summary.empty:
        return None
    need = {"analysis", "parameter", "mean"}
    if not need <= set(summary.columns):
        return None
    rows = summary[(summary["analysis"] == "claim") & (summary["parameter"] == "sigma_run")]
    if "family" in rows.columns and (rows["family"] == "pp").any():
        rows = rows[rows["family"] == "pp"]
    vals = pd.to_numeric(rows["mean"], errors="coerce").dropna()
    if vals.empty or not np.isfinite(vals.iloc[0]) or vals.iloc[0] < 0:
        return None
    return float(vals.iloc[0])


# --------------------------------------------------------------------------- small helpers


def _num(x: Any) -> float:
    """A float, NaN for missing values of any kind."""
    if x is None or x is pd.NA:
        return math.nan
    try:
        v = float(x)
    except (TypeError, ValueError):
        return math.nan
    return v


def _text(x: Any) -> str:
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(x)


def _pp(x: float) -> str:
    """A number of percentage points for prose."""
    ax = abs(x)
    if ax >= 0.95 or ax == 0:
        return f"{x:.1f} pp"
    if ax >= 0.095:
        return f"{x:.2f} pp"
    return f"{x:.2g} pp"


def _pct(p: float) -> str:
    if p < 0.01:
        return "under 1%"
    if p > 0.99:
        return "over 99%"
    return f"{p:.0%}"


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


def _model_status(comparisons: pd.DataFrame | None, diagnostics: Mapping | None) -> tuple[str, str]:
    """('ok' | 'failed' | 'absent', sentence for the reasons)."""
    if diagnostics is not None and diagnostics.get("ok") is False:
        why = "; ".join(str(r) for r in diagnostics.get("reasons", []) if r) or "no reason given"
        return "failed", f"the model fit failed its diagnostics ({why}), so it is not used"
    if comparisons is None or comparisons.empty or "theta_mean" not in comparisons.columns:
        return "absent", "the model's estimates (results/model/comparisons.csv) are absent"
    if "analysis" in comparisons.columns and not (comparisons["analysis"] == "claim").any():
        return "absent", "the model's estimates have no claim-level analysis"
    return "ok", ""


def _plausible_effects(comparisons: pd.DataFrame | None) -> dict[str, float]:
    if comparisons is None or comparisons.empty or "theta_mean" not in comparisons.columns:
        return {}
    rows = comparisons
    if "analysis" in rows.columns:
        rows = rows[rows["analysis"] == "claim"]
    vals = pd.to_numeric(rows["theta_mean"], errors="coerce")
    return {
        str(e): float(v) for e, v in zip(rows["effect_id"], vals, strict=True) if np.isfinite(v)
    }


# --------------------------------------------------------------------------- one comparison


def _empty_result() -> dict[str, Any]:
    out: dict[str, Any] = {c: math.nan for c in _FLOATS}
    out.update({c: pd.NA for c in _FLAGS})
    out.update({f"{c}_total": pd.NA for c in _FLAGS})
    out.update({"test": "", "n": pd.NA, "assessed": False})
    return out


def _describe_set(bench: str, info: Mapping, n: int) -> str:
    split = _text(info.get("split")).split(" (")[0]
    if bench:
        name = f"{bench} {split}".strip()
        return f"{name} has {n:,} examples"
    return f"the evaluation set has {n:,} examples"


def _assess(row: Mapping[str, Any], theta: float, ctx: dict[str, Any]) -> dict[str, Any]:
    """Design analysis of one comparison; returns the computed columns and flag_reason."""
    cfg = ctx["cfg"]
    out = _empty_result()
    family = _text(row.get("family"))
    bench = _text(row.get("benchmark"))
    info = _bench_info(ctx["registry"], bench)
    metric_kind = _text(row.get("metric_kind")) or _text(info.get("metric_kind"))
    out["metric_kind"] = metric_kind
    y = _num(row.get("y"))
    out["y"] = y
    if family != "pp":
        why = _text(row.get("exclusion_reason"))
        if family == "log_ratio":
            text = (
                "Not assessed: a ratio or relative change of an unbounded quantity (log-ratio "
                "family); test-set-size power applies only to percentage-point comparisons."
            )
        else:
            text = "Not assessed: not a percentage-point comparison" + (
                f" ({why})." if why else "."
            )
        out["flag_reason"] = text
        return out
    if not np.isfinite(y):
        out["flag_reason"] = "Not assessed: the comparison has no size on the pp scale."
        return out

    n = _num(row.get("n"))
    if not np.isfinite(n):
        n = _num(info.get("n"))
    scale_max = _num(info.get("scale_max"))
    if not (np.isfinite(scale_max) and scale_max > 0):
        scale_max = 100.0
    baseline = _num(row.get("baseline_level"))
    if not np.isfinite(baseline):
        baseline = _num(row.get("baseline"))
    if not np.isfinite(baseline):
        baseline = _num(info.get("typical_baseline"))
    out["baseline"] = baseline
    se = _num(row.get("se"))
    se = se if se > 0 else math.nan
    notes: list[str] = []

    if np.isfinite(n) and n >= 1:
        out["n"] = int(round(n))
    p0 = baseline / scale_max if np.isfinite(baseline) else math.nan
    proportion = metric_kind == "proportion"
    if metric_kind == "mean_score":
        test = "mean_score"
        if not np.isfinite(se):
            item_sd = _num(info.get("item_sd"))
            se = float(mean_score_se(item_sd, n)) * 100.0 / scale_max if n >= 1 else math.nan
    elif cfg["test"] == "mcnemar" and proportion and np.isfinite(n) and 0 <= p0 <= 1:
        test = "mcnemar"
    else:
        test = "unpaired"
        if cfg["test"] == "mcnemar":
            notes.append(
                "McNemar's paired test needs a proportion metric with a known baseline "
                "accuracy, so the unpaired test is used."
            )
        if not np.isfinite(se) and proportion and np.isfinite(n) and 0 <= p0 <= 1:
            p1 = min(max(p0 + y / 100.0, 0.0), 1.0)
            se = 100.0 * float(two_proportion_se(n, p0, p1))
            se = se if se > 0 else math.nan

    if not (np.isfinite(n) and n >= 1) and not np.isfinite(se):
        why = _text(row.get("se_reason"))
        if not bench:
            text = "Not assessed: no benchmark is named, so the test-set size is unknown"
        elif not info:
            text = (
                f"Not assessed: benchmark {bench!r} is not in the registry "
                "(config/benchmarks.yaml), so its test-set size is unknown; add its n"
            )
        else:
            text = f"Not assessed: the registry gives no test-set size for {bench}; add its n"
        out["flag_reason"] = text + (f" ({why})." if why else ".")
        return out

    alpha, target = cfg["alpha"], cfg["power"]
    agreement = cfg["agreement"]
    method = cfg["mcnemar_method"]
    unreachable = False
    d, direction = y / 100.0, (1 if y >= 0 else -1)
    if test == "mcnemar":
        if not 0 <= p0 + d <= 1:
            out["flag_reason"] = (
                f"Not assessed: a baseline of {baseline:g} and a change of {_pp(y)} leave the "
                f"0-{scale_max:g} range of the metric."
            )
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
            out["flag_reason"] = "Not assessed: no sampling SE could be derived " + (
                f"({_text(row.get('se_reason'))})." if _text(row.get("se_reason")) else "."
            )
            return out
        out["mde"] = float(mde(se, target, alpha))
        out["power_reported"] = float(normal_power(y, se, alpha))
    out["test"] = test
    out["se"] = se
    out["assessed"] = True

    has_theta = np.isfinite(theta)
    sigma_run = ctx["sigma_run"]
    out["se_total"] = math.sqrt(se**2 + sigma_run**2)
    unreachable_total = False
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
        if has_theta:
            dt = theta / 100.0
            out["plausible_effect"] = theta
            out["power_plausible"] = float(mcnemar_power(n, p0, dt, agreement, alpha, method))
            out["power_plausible_total"] = float(
                mcnemar_power(n, p0, dt, agreement, alpha, "normal", extra)
            )
            se_t = 100.0 * float(mcnemar_se(n, p0, dt, agreement))
            _, out["type_s"], out["type_m"] = retrodesign(theta, se_t, alpha)
            se_t_total = math.sqrt(se_t**2 + sigma_run**2)
            _, out["type_s_total"], out["type_m_total"] = retrodesign(theta, se_t_total, alpha)
    else:
        out["mde_total"] = float(mde(out["se_total"], target, alpha))
        out["power_reported_total"] = float(normal_power(y, out["se_total"], alpha))
        if has_theta:
            out["plausible_effect"] = theta
            out["power_plausible"], out["type_s"], out["type_m"] = retrodesign(theta, se, alpha)
            out["power_plausible_total"], out["type_s_total"], out["type_m_total"] = retrodesign(
                theta, out["se_total"], alpha
            )

    thr, ex = cfg["underpowered_threshold"], cfg["exaggeration_threshold"]
    out["within_noise"] = True if unreachable else _below(abs(y), out["mde"])
    out["within_noise_total"] = True if unreachable_total else _below(abs(y), out["mde_total"])
    out["underpowered"] = _below(out["power_plausible"], thr)
    out["exaggerated"] = _below(ex, out["type_m"])
    out["underpowered_total"] = _below(out["power_plausible_total"], thr)
    out["exaggerated_total"] = _below(ex, out["type_m_total"])

    out["flag_reason"] = _reason(out, row, info, bench, theta, ctx, notes, unreachable)
    return out


def _reason(
    out: Mapping[str, Any],
    row: Mapping[str, Any],
    info: Mapping,
    bench: str,
    theta: float,
    ctx: dict[str, Any],
    notes: list[str],
    unreachable: bool,
) -> str:
    cfg = ctx["cfg"]
    y, n = out["y"], out["n"]
    target = f"{cfg['power']:.0%} power"
    size = "gain" if y >= 0 else "decline"
    parts: list[str] = []
    if n is pd.NA:
        lead = f"Judged by its sampling SE of {_pp(out['se'])} (test-set size unknown)"
    else:
        where = _describe_set(bench, info, int(n))
        lead = where[0].upper() + where[1:]
    if out["test"] == "mcnemar":
        lead += f" (paired McNemar test, agreement {out['agreement']:.1%})"
    elif out["test"] == "mean_score":
        lead += " (difference of mean scores)"
    if unreachable:
        parts.append(
            f"{lead}; no {size} within the metric's range is detectable at {target}, "
            f"so the reported {_pp(y)} is within noise."
        )
    else:
        rel = "is below it" if out["within_noise"] is True else "exceeds it"
        parts.append(
            f"{lead}; the smallest {size} detectable at {target} is {_pp(out['mde'])}, "
            f"and the reported {_pp(abs(y))} {rel}."
        )
    parts.extend(notes)

    status, status_text = ctx["model_status"], ctx["model_text"]
    if np.isfinite(theta):
        s = (
            f"At the model's plausible true effect of {_pp(theta)} the comparison has "
            f"{_pct(out['power_plausible'])} power"
        )
        if out["underpowered"] is True:
            s += f", below the {cfg['underpowered_threshold']:.0%} threshold (underpowered)"
        if out["exaggerated"] is True:
            s += (
                f"; a significant result would overstate the true effect "
                f"{out['type_m']:.1f}-fold on average (type M)"
            )
        if out["type_s"] >= 0.05:
            s += f", with a {_pct(out['type_s'])} chance of the wrong sign (type S)"
        parts.append(s + ".")
    elif status != "ok":
        parts.append(f"No plausible-effect analysis: {status_text}.")
    else:
        why = _text(row.get("exclusion_reason"))
        parts.append(
            "No plausible-effect analysis: the comparison is not in the model"
            + (f" ({why})." if why else ".")
        )

    changes = []
    if out["within_noise_total"] is True and out["within_noise"] is not True:
        changes.append("puts the reported size within noise")
    if out["underpowered_total"] is True and out["underpowered"] is not True:
        changes.append("makes it underpowered")
    if out["exaggerated_total"] is True and out["exaggerated"] is not True:
        changes.append("makes a significant result exaggerated")
    seed = (
        f"With seed-to-seed noise (sigma_run {_pp(ctx['sigma_run'])}, {ctx['sigma_run_short']}) "
        f"the SE grows from {out['se']:.2f} to {out['se_total']:.2f} pp and the smallest "
        f"detectable {size} to "
        + (_pp(out["mde_total"]) if np.isfinite(out["mde_total"]) else "beyond the metric's range")
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


# --------------------------------------------------------------------------- the stage


def analyze(
    standardized_df: pd.DataFrame,
    comparisons_df: pd.DataFrame | None,
    papers_df: pd.DataFrame | None,
    registry: Any,
    config: Mapping[str, Any] | None,
    sigma_run: float | None = None,
    *,
    diagnostics: Mapping[str, Any] | None = None,
    sigma_run_source: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Design analysis of every comparison: ``(power_df, summary_df)``.

    ``config`` is the ``power`` section (or the whole config). ``sigma_run`` is the model's
    posterior mean of the seed-to-seed SD (see :func:`sigma_run_from_summary`); when it is None,
    when ``power.sigma_run_from_model`` is false, or when ``diagnostics["ok"]`` is false, the
    config value ``power.sigma_run`` is used instead. ``registry`` needs ``canonical(name)`` and
    ``get(canonical)`` (``marginalia.registry.Registry``) or is None.
    """
    cfg = power_config(config)
    required = {"effect_id", "paper_id", "family", "y"}
    missing = sorted(required - set(standardized_df.columns))
    if missing:
        raise MarginaliaError(
            f"the standardized effects table lacks column(s) {', '.join(missing)}; "
            "rerun the standardize_effects rule (results/model/effects_standardized.parquet)"
        )
    status, status_text = _model_status(comparisons_df, diagnostics)
    thetas = _plausible_effects(comparisons_df) if status == "ok" else {}

    model_sr = sigma_run if sigma_run is not None and np.isfinite(sigma_run) else None
    if status == "failed":
        sr, source = float(cfg["sigma_run"]), "config power.sigma_run (the model fit failed)"
        short = "from config; the model fit failed"
    elif model_sr is not None and cfg["sigma_run_from_model"]:
        sr = float(model_sr)
        source = sigma_run_source or "model posterior mean (results/model/summary.csv, claim)"
        short = "the model's posterior mean"
    else:
        sr = float(cfg["sigma_run"])
        why = (
            "power.sigma_run_from_model is false"
            if model_sr is not None
            else "the model gives no sigma_run"
        )
        source, short = f"config power.sigma_run ({why})", "from config"

    paper_hedge: dict[str, str] = {}
    if papers_df is not None and {"paper_id", "hedge"} <= set(papers_df.columns):
        paper_hedge = {
            str(p): _text(h) for p, h in zip(papers_df.paper_id, papers_df.hedge, strict=True)
        }

    ctx = {
        "cfg": cfg,
        "registry": registry,
        "sigma_run": sr,
        "sigma_run_short": short,
        "model_status": status,
        "model_text": status_text,
    }
    rows = []
    for row in standardized_df.to_dict("records"):
        eid = _text(row.get("effect_id"))
        res = _assess(row, thetas.get(eid, math.nan), ctx)
        if status == "failed" and res["assessed"]:
            res["flag_reason"] = (
                "The model fit failed its diagnostics: plausible-effect columns are empty. "
                + res["flag_reason"]
            )
        res.update(
            effect_id=eid,
            paper_id=_text(row.get("paper_id")),
            title=_text(row.get("title")),
            span=_text(row.get("span")),
            benchmark=_text(row.get("benchmark")),
            family=_text(row.get("family")),
            hedge_local=_text(row.get("hedge_local")) or "none",
            paper_hedge=_text(row.get("paper_hedge"))
            or paper_hedge.get(_text(row.get("paper_id")), ""),
            sigma_run=sr,
            sigma_run_source=source,
            model_status=status,
        )
        rows.append(res)
    power_df = _typed(pd.DataFrame(rows, columns=COLUMNS))
    return power_df, summarize(power_df, sr, source)


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    for c in _FLOATS:
        df[c] = pd.to_numeric(df[c], errors="coerce").astype("float64")
    for c in _FLAGS + [f"{f}_total" for f in _FLAGS]:
        df[c] = df[c].astype("boolean")
    df["assessed"] = df["assessed"].astype(bool)
    df["n"] = pd.array(df["n"].tolist(), dtype="Int64") if len(df) else df["n"].astype("Int64")
    for c in _STRINGS:
        df[c] = df[c].astype("string")
    return df


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
    labels = {
        "underpowered": "underpowered",
        "within_noise": "within noise",
        "exaggerated": "exaggerated",
    }
    records = []
    for scope, group, sub in groups:
        n_all, n_usable = len(sub), int(sub["assessed"].sum())
        for flag in _FLAGS:
            c0, d0 = _count(sub, flag)
            c1, d1 = _count(sub, f"{flag}_total")
            for noise, c, d in ((NOISE_SAMPLING, c0, d0), (NOISE_SEED, c1, d1)):
                change = c1 - c0 if noise == NOISE_SEED else 0
                if d == 0:
                    note = f"no comparison could be judged {labels[flag]}"
                elif noise == NOISE_SAMPLING:
                    note = f"{c} of {d} {labels[flag]} from sampling error alone"
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
    out = pd.DataFrame.from_records(records, columns=SUMMARY_COLUMNS)
    for c in ("count", "denominator", "n_comparisons", "n_usable", "change_vs_sampling"):
        out[c] = out[c].astype("int64")
    out["share"] = out["share"].astype("float64")
    return out
