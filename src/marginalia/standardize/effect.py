"""One effect onto its model scale: family (pp, log_ratio, excluded), ``y``, ``se`` and notes.

:func:`standardize_effect` applies the rules of :mod:`marginalia.standardize` to one row of the
effects table; :class:`Lookup` finds the row's benchmark in the registry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marginalia.errors import MarginaliaError
from marginalia.registry import Registry, registry_from_mapping
from marginalia.standardize.classify import (
    is_level,
    level_factor,
    metric_class,
    sign_note,
    sign_of,
)
from marginalia.standardize.se import fmt, pp_se
from marginalia.values import flag, number, text


@dataclass(frozen=True)
class Standardized:
    """The columns :func:`marginalia.standardize.standardize` adds to one effect."""

    family: str
    y: float = math.nan
    se: float = math.nan
    se_reason: str = ""
    se_kind: str = ""
    se_unpaired: float = math.nan
    n: int | None = None
    baseline_level: float = math.nan
    metric_kind: str | None = None
    in_model: bool = False
    exclusion_reason: str = ""
    scale_note: str = ""
    scale_used: str = ""


#: exclusion_reason of a bare percent whose scale (points or relative) the text does not say
AMBIGUOUS_SCALE = "ambiguous_scale"


class Lookup:
    """Registry access for a :class:`marginalia.registry.Registry`, a mapping, or None."""

    def __init__(self, registry: Any):
        if registry is None or isinstance(registry, Registry):
            self._reg = registry
        elif isinstance(registry, Mapping):
            data = registry if "benchmarks" in registry else {"benchmarks": dict(registry)}
            self._reg = registry_from_mapping(data, "<registry dict>")
        else:
            raise MarginaliaError(
                f"standardize: registry must be a registry.Registry or a mapping, "
                f"not {type(registry).__name__}"
            )

    def entry(self, benchmark: str) -> tuple[str | None, dict[str, Any] | None]:
        """(canonical name, registry entry) of a benchmark, or (None, None) when unknown."""
        if not benchmark or self._reg is None:
            return None, None
        canon = self._reg.canonical(benchmark)
        if canon is None:
            return None, None
        return canon, dict(self._reg.get(canon))


def _excluded(reason: str, kind: str | None = None, note: str = "") -> Standardized:
    return Standardized(
        family="excluded",
        se_reason="excluded: " + reason,
        metric_kind=kind,
        exclusion_reason=reason,
        scale_note=note,
    )


def _log_ratio(factor: float, sign: int, kind: str | None, note: str) -> Standardized:
    if not (math.isfinite(factor) and factor > 0):
        return _excluded(f"factor {fmt(factor)} is not positive: no log ratio", kind, note)
    y = sign * abs(math.log(factor))
    return Standardized(
        family="log_ratio",
        scale_used="relative",
        y=y + 0.0,
        se_reason=(
            "no sampling model for log ratios (speedups, relative changes): se left empty; "
            "the model estimates their noise"
        ),
        metric_kind=kind,
        in_model=True,
        scale_note="; ".join(
            filter(None, [note, "y = ±ln(factor), > 0: the paper's method is better"])
        ),
    )


def standardize_effect(
    row: Mapping[str, Any], lookup: Lookup, cfg: Mapping[str, Any]
) -> Standardized:
    """Family, model-scale ``y``, ``se`` and notes of one effect (a row of the effects table)."""
    aspect = text(row.get("aspect")).lower()
    unit = text(row.get("unit")).lower()
    scale = text(row.get("scale")).lower()
    direction = text(row.get("direction")).lower()
    lib = flag(row.get("lower_is_better"))
    delta = number(row.get("delta"))
    base = number(row.get("baseline"))
    treat = number(row.get("treatment"))
    span = text(row.get("span"))
    metric = text(row.get("metric"))
    bench = text(row.get("benchmark"))
    whose = text(row.get("attribution")).lower() or "own"  # tables made before it: own

    canon, entry = lookup.entry(bench)
    named = metric_class(metric)
    efficiency = aspect == "efficiency"
    if efficiency or named == "unbounded":
        kind: str | None = None
    elif named is not None:
        kind = named
    elif entry is not None:
        kind = entry["metric_kind"]
    else:
        kind = None
    notes: list[str] = []

    if whose != "own":
        return _excluded(
            f"not the paper's own result (attribution: {whose}); only own results enter the model",
            kind,
        )
    if not math.isfinite(delta):
        return _excluded("no numeric delta", kind)
    if unit not in ("percent", "points", "ratio", "fraction"):
        return _excluded(f"unknown unit {unit!r}", kind)
    if efficiency and cfg["efficiency"] == "exclude":
        return _excluded(
            "efficiency comparison (time, compute, data, size, cost); standardize.efficiency "
            "is 'exclude'",
            kind,
        )

    # ---- levels: fractions and percent-of-reference
    if is_level(unit, scale, delta, span, lib, direction):
        factor = level_factor(unit, delta)
        what = f"a level of {fmt(factor)} times the reference"
        if cfg["levels"] == "exclude":
            return _excluded(
                f"fraction / percent-of-reference level ({what}), not a change; kept out of "
                "the pp and log_ratio models (standardize.levels: exclude)",
                kind,
            )
        sign = sign_of(direction, factor - 1.0, lib)
        if sign is None:
            return _excluded("direction unknown (no direction, polarity unknown)", kind)
        return _log_ratio(factor, sign, kind, f"{what}, read as the factor {fmt(factor)}")

    unbounded = efficiency or named == "unbounded"

    # ---- ratios
    if unit == "ratio":
        # A stated factor is a magnitude ("10x fewer" is 10): only `direction` gives its sign.
        if direction not in ("better", "worse"):
            return _excluded("ratio without a direction: its sign is unknown", kind)
        return _log_ratio(delta, 1 if direction == "better" else -1, kind, "stated factor")

    # ---- percent changes of unbounded quantities (and efficiency): factor 1 + d/100
    if unit == "percent" and (unbounded or (scale == "relative" and kind is None)):
        sign = sign_of(direction, delta, lib)
        if sign is None:
            return _excluded("direction unknown (no direction, polarity unknown)", kind)
        if unbounded:
            note = "percent change of an unbounded quantity"
            if scale != "relative":
                note += f" (scale '{scale}' read as relative)"
        else:
            note = "relative percent change of a metric of unknown range, read as a factor"
        note = "; ".join(filter(None, [note, sign_note(direction, delta, lib)]))
        return _log_ratio(1.0 + delta / 100.0, sign, kind, note)

    # ---- points on unbounded metrics: a ratio when both levels are stated
    if unit == "points" and unbounded:
        if math.isfinite(base) and math.isfinite(treat) and base > 0 and treat > 0:
            change = treat - base
            sign = sign_of(direction, change, lib)
            if sign is None:
                return _excluded("direction unknown (no direction, polarity unknown)", kind)
            note = f"levels {fmt(base)} -> {fmt(treat)} of an unbounded metric, as a ratio"
            return _log_ratio(treat / base, sign, kind, note)
        return _excluded(
            f"additive change of an unbounded metric ({metric or 'unnamed'}) without both "
            "levels: neither percentage points nor a ratio",
            kind,
        )

    # ---- pp family: the scale of the stated levels, the change in pp
    scale_max = float(entry["scale_max"]) if entry is not None else 100.0
    if unit == "percent":
        to_pp = 1.0  # the metric is reported in percent
        level_scale = 100.0
        if scale == "ambiguous" and not (math.isfinite(base) or math.isfinite(treat)):
            return _excluded(
                f"{AMBIGUOUS_SCALE}: a bare percent with no stated baseline or treatment; it may "
                "be percentage points or a relative change, so it is left out of the primary fit",
                kind,
            )
        if scale == "relative":
            b = base
            how = "stated baseline"
            if not math.isfinite(b) and math.isfinite(treat) and delta > -100:
                b = treat / (1.0 + delta / 100.0)
                how = "baseline from the stated treatment"
            if not math.isfinite(b):
                return _excluded(
                    "relative change of a bounded metric without a stated baseline: cannot be "
                    "put in percentage points",
                    kind,
                )
            # the level's own scale: the registry's scale_max (MT-Bench 0-10), else 0-1 when
            # the stated level of a proportion-like metric is at most 1, else 0-100
            if entry is not None:
                level_scale = scale_max  # the registry knows the reported scale
            elif (
                kind in ("proportion", "correlation", "score")
                and abs(b) <= 1.0
                and not (math.isfinite(treat) and abs(treat) > 1.0)
            ):
                level_scale = 1.0
            base_pp = b * 100.0 / level_scale
            change_pp = base_pp * delta / 100.0
            on = "" if level_scale == 100.0 else f" on a 0-{fmt(level_scale)} scale"
            notes.append(f"relative {fmt(delta)}% of the {how} {fmt(b)}{on} = {fmt(change_pp)} pp")
        else:
            change_pp = delta
            base_pp = base if math.isfinite(base) else treat - delta
            if scale == "ambiguous":
                notes.append("ambiguous percent with a stated level, read as percentage points")
            elif scale != "absolute":
                notes.append(f"scale {scale!r} read as absolute percentage points")
    else:  # points
        levels = [v for v in (base, treat) if math.isfinite(v)]
        if kind is None:
            inside = levels and all(0.0 <= v <= 100.0 for v in levels)
            if not (cfg["unknown_scale_points"] and inside):
                return _excluded(
                    f"points on a metric of unknown range ({metric or 'unnamed'}) without "
                    "stated levels inside 0-100",
                    kind,
                )
            level_scale = 100.0
            notes.append("metric range unknown; stated levels within 0-100 read as points")
        elif (
            kind in ("proportion", "correlation", "score")
            and levels
            and all(abs(v) <= 1.0 for v in levels)
            and abs(delta) <= 1.0
        ):
            level_scale = 1.0
            notes.append("levels on a 0-1 scale, x 100")
        else:
            level_scale = scale_max
            if level_scale != 100.0:
                notes.append(f"rescaled from 0-{fmt(level_scale)} to 0-100")
        to_pp = 100.0 / level_scale
        change_pp = delta * to_pp
        base_pp = (base if math.isfinite(base) else treat - delta) * to_pp

    sign = sign_of(direction, change_pp, lib)
    if sign is None:
        return _excluded("direction unknown (no direction, polarity unknown)", kind)
    contradiction = sign_note(direction, change_pp, lib)
    if contradiction:
        notes.append(contradiction)
    y = sign * abs(change_pp) + 0.0
    if abs(y) > cfg["max_abs_pp"]:
        return _excluded(
            f"|y| = {fmt(abs(y))} pp exceeds standardize.max_abs_pp = {fmt(cfg['max_abs_pp'])}",
            kind,
            "; ".join(notes),
        )
    notes.append("y > 0: the paper's method is better")

    se, se_reason, n, baseline_level, se_kind, se_unpaired = pp_se(
        kind, canon, bench, entry, base_pp, change_pp, level_scale, cfg
    )
    if not se > 0 and math.isfinite(se):
        se, se_reason = math.nan, f"sampling variance is 0 at the stated levels ({se_reason})"
        se_kind = ""
    return Standardized(
        family="pp",
        y=y,
        se=se,
        se_reason=se_reason,
        se_kind=se_kind,
        se_unpaired=se_unpaired if se_unpaired > 0 else math.nan,
        n=n,
        baseline_level=baseline_level,
        metric_kind=kind,
        in_model=True,
        scale_note="; ".join(notes),
        scale_used="relative" if unit == "percent" and scale == "relative" else "absolute",
    )
