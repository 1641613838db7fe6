"""build_report: inputs -> context -> HTML (Jinja2, autoescaped)."""

from __future__ import annotations

import logging
import math
import os
import time
from datetime import datetime
from importlib import resources
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from marginalia.config import section_defaults, section_settings
from marginalia.errors import MarginaliaError
from marginalia.model import priors as model_priors
from marginalia.report import figures
from marginalia.report.cards import paper_cards
from marginalia.report.load import load_inputs
from marginalia.report.model_views import (
    diagnostics_view,
    generic_table,
    headline,
    population_table,
    power_summary_view,
    priors_view,
)
from marginalia.report.provenance import config_yaml, provenance
from marginalia.report.rows import FLAGS, comparison_rows, power_thresholds
from marginalia.report.values import fmt, num, visible_controls

__all__ = ["DEFAULTS", "build_report", "report_options", "render"]

log = logging.getLogger(__name__)

#: Defaults of config section ``report``, read from its schema (the one copy).
DEFAULTS: dict[str, Any] = section_defaults("report")


def report_options(config: dict) -> dict[str, Any]:
    """Config section ``report`` with defaults filled in and checked by its schema."""
    return section_settings("report", config.get("report"))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("marginalia", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # outside text cannot act: controls and bidi overrides shown, not obeyed (HTML is
        # escaped by autoescape; Markup is built by our code, which does the same per piece)
        finalize=lambda v: visible_controls(v) if type(v) is str else v,
    )
    env.filters["num"] = fmt
    env.filters["pct"] = lambda x, d=0: "–" if x is None else f"{100 * x:.{d}f}%"
    env.filters["sortv"] = lambda x: "" if x is None else f"{float(x):.10g}"
    # a log ratio as the factor it stands for: 1.31 -> "×3.71"
    env.filters["factor"] = lambda x: "–" if x is None else f"×{math.exp(float(x)):.2f}"
    env.filters["yaml"] = config_yaml
    return env


def _asset(name: str) -> Markup:
    """A template-folder file (CSS or JS) inlined verbatim; it is ours, not external text."""
    return Markup(resources.files("marginalia").joinpath("templates", name).read_text("utf-8"))


def _module_priors(config: dict) -> tuple[Any, str]:
    """The model module's prior table for ``config`` and its explanatory text.

    Used when diagnostics.json does not state the priors; marginalia.model.priors is light
    (no PyMC import). Priors the model stage would reject (config ``model.priors`` not a
    mapping, an unknown key, a value that is not a positive number) leave the table out; the
    section then says the priors are not stated.
    """
    text = model_priors.__doc__ or ""
    try:
        overrides = (config.get("model") or {}).get("priors") or {}
        tables = [
            model_priors.prior_table(model_priors.priors_for(f, overrides.get(f)), f)
            for f in model_priors.FAMILIES
        ]
    except (MarginaliaError, AttributeError, TypeError, ValueError):
        # MarginaliaError: priors_for's checks; AttributeError: a section that is not a
        # mapping; TypeError/ValueError: an override that float() cannot read
        return None, text
    return pd.concat(tables, ignore_index=True), text


def _seed_noise(power: pd.DataFrame) -> dict | None:
    """The seed-to-seed SD the power stage used, and where it came from (first row)."""
    if power.empty or "sigma_run" not in power.columns:
        return None
    row = power.iloc[0]
    source = row["sigma_run_source"] if "sigma_run_source" in power.columns else ""
    return {"sigma_run": num(row["sigma_run"]), "source": "" if pd.isna(source) else str(source)}


def render(context: dict) -> str:
    env = _environment()
    return env.get_template("report.html.j2").render(
        css=_asset("report.css"), js=_asset("report.js"), **context
    )


def build_report(
    inputs: dict[str, str | os.PathLike], config: dict, *, now: datetime | None = None
) -> str:
    """The HTML report of one run (see DESIGN.md §6); ``now`` fixes the timestamp in tests."""
    t0 = time.perf_counter()
    opts = report_options(config)
    inp = load_inputs(inputs)
    diag = diagnostics_view(inp.diagnostics)
    rows = comparison_rows(inp, config)
    cards, n_papers = paper_cards(inp, rows, opts["max_paper_cards"] or None)
    # the table lists the comparisons of the papers shown as cards (every one when every
    # paper has a card), so each highlighted span links to its row and the file stays small
    shown = {c["paper_id"] for c in cards}
    table_rows = rows if len(cards) == n_papers else [r for r in rows if r["paper_id"] in shown]
    max_points = opts["max_figure_points"]
    head = headline(inp, rows, diag)
    estimates = head["estimates"]
    families = [f for f in ("pp", "log_ratio") if any(r["family"] == f for r in rows)]
    warn = (
        None if diag["ok"] is True else "MODEL DIAGNOSTICS NOT OK: posterior shown for inspection"
    )
    forest = {}
    for fam in families:
        svg, dropped = figures.forest_figure(rows, opts["max_forest_rows"], fam, warn=warn)
        if svg:
            forest[fam] = {"svg": Markup(svg), "dropped": dropped}
    hedge_svg, hedge_sample = figures.hedge_figure(rows, estimates, "pp", warn, max_points)
    power_svg, power_x, power_sample = figures.power_figure(rows, "pp", max_points)
    funnel_svg, funnel_sample = figures.funnel_figure(rows, "pp", max_points)
    module_priors, priors_text = _module_priors(config)
    power_cols = set(inp.frame("power").columns)
    expected_power = ["effect_id", "mde", "power_reported", "power_plausible", "type_s", "type_m"]
    expected_power += list(FLAGS)
    context = {
        "title": opts["title"],
        "opts": opts,
        "problems": inp.problems,
        "files": inp.files,
        "diag": diag,
        "head": head,
        "rows": table_rows,
        "n_rows_total": len(rows),
        "cards": cards,
        "n_cards_total": n_papers,
        "flags": FLAGS,
        "hedge_colors": figures.HEDGE_COLORS,
        "figs": {
            "hedge": Markup(hedge_svg) if hedge_svg else None,
            "forest": forest,
            "power": Markup(power_svg) if power_svg else None,
            "power_x": power_x,
            "funnel": Markup(funnel_svg) if funnel_svg else None,
            "sample": {"hedge": hedge_sample, "power": power_sample, "funnel": funnel_sample},
        },
        "power_missing": [c for c in expected_power if c not in power_cols],
        "power_summary": power_summary_view(inp.frame("power_summary")),
        "power_summary_raw": generic_table(inp.frame("power_summary")),
        "thresholds": power_thresholds(config),
        "seed_noise": _seed_noise(inp.frame("power")),
        "population": generic_table(_frame(population_table(inp.frame("summary"))), diag["limits"]),
        "loo": generic_table(inp.frame("loo")),
        "sensitivity": generic_table(inp.frame("sensitivity")),
        "checks": generic_table(inp.frame("checks")),
        "hedge_table": generic_table(inp.frame("hedge_classes")),
        "priors": priors_view(inp.diagnostics, config, module_priors),
        "priors_text": priors_text,
        "priors_source": "diagnostics.json"
        if priors_view(inp.diagnostics, config)
        else "marginalia.model.priors",
        "model_yaml": config_yaml(config.get("model") or {}),
        "prov": provenance(inp.frame("corpus"), config, now),
    }
    html = render(context)
    log.info(
        "report: %d comparisons (%d in the table), %d paper cards, %.0f kB, built in %.1f s",
        len(rows),
        len(table_rows),
        len(cards),
        len(html.encode("utf-8")) / 1024,
        time.perf_counter() - t0,
    )
    return html


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows)
