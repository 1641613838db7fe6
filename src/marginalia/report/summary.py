"""The answer of a finished run in a few lines, for the terminal (issue 14, item 2).

Printed by the workflow's ``onsuccess`` handler and by ``python -m marginalia summary
[OUTDIR]``: papers, comparisons in the model, the per-class result in one plain sentence (the
report's own, :func:`marginalia.report.model_views.conclusion`), counts of flags, and the path
of the report. Everything is read from the run's output folder; nothing is recomputed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import yaml

from marginalia.columns import POWER_FLAGS
from marginalia.errors import MarginaliaError
from marginalia.report.model_views import class_estimates, conclusion
from marginalia.tables import read_csv

__all__ = ["report_path", "run_summary"]

_FLAG_WORDS = {
    "underpowered": "underpowered",
    "within_noise": "within noise",
    "below_mde": "below their MDE",
    "exaggerated": "likely exaggerated",
}


def _table(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path) if path.suffix == ".parquet" else read_csv(path)
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return None


def _count_true(df: pd.DataFrame, column: str) -> int:
    return int(df[column].fillna(False).astype(bool).sum()) if column in df else 0


def run_summary(outdir: str | Path = "results") -> str:
    """A few lines saying what the run in ``outdir`` found and where its report is."""
    out = Path(outdir)
    report = out / "report.html"
    papers = _table(out / "papers.parquet")
    effects = _table(out / "effects.parquet")
    if papers is None and effects is None and not report.is_file():
        raise MarginaliaError(
            f"{out}: no finished run here (no papers.parquet, effects.parquet or report.html); "
            "run the workflow first, or name the run's output folder"
        )
    std = _table(out / "model" / "effects_standardized.parquet")
    n_papers = len(papers) if papers is not None else 0
    n_effects = len(effects) if effects is not None else 0
    n_model = _count_true(std, "in_model") if std is not None else 0
    lines = [
        f"marginalia: {n_papers} papers, {n_effects} comparisons extracted, {n_model} in the model."
    ]

    diag_path = out / "model" / "diagnostics.json"
    try:
        diag = json.loads(diag_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        diag = None
    hedges = _table(out / "model" / "hedge_classes.csv")
    sentence = (
        conclusion(class_estimates(hedges), diag.get("ok")) if diag and hedges is not None else ""
    )
    if diag is None:
        lines.append("Model: not run yet.")
    elif diag.get("status") != "fitted":
        why = "; ".join(str(r) for r in diag.get("reasons", [])) or "no reason recorded"
        lines.append(f"Model: not fitted ({why}).")
    elif sentence:
        lines.append(f"Result: {sentence}")
    elif not diag.get("ok"):
        lines.append("Model: its diagnostics FAILED; see the report's first screen.")
    else:
        lines.append("Result: too few comparisons called marginal and strong to compare them.")

    power = _table(out / "power.parquet")
    if power is not None and "assessed" in power:
        assessed = power[power["assessed"].fillna(False).astype(bool)]
        counts = ", ".join(
            f"{_count_true(assessed, flag)} {_FLAG_WORDS[flag]}" for flag in POWER_FLAGS
        )
        lines.append(f"Flags, of {len(assessed)} comparisons with a known test-set size: {counts}.")
    lines.append(f"Report: {report.resolve()}" if report.is_file() else "Report: not written yet.")
    return "\n".join(lines)


def report_path(configs: list[str]) -> Path:
    """The report of the run the config files describe: their ``outdir`` (the last file that
    sets it wins, as Snakemake lays them over each other) / report.html, which must exist."""
    outdir = "results"
    for name in configs:
        path = Path(name)
        if not path.is_file():
            raise MarginaliaError(f"{path}: config file not found")
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict) and isinstance(data.get("outdir"), str):
            outdir = data["outdir"]
    report = Path(outdir) / "report.html"
    if not report.is_file():
        raise MarginaliaError(f"no report yet at {report}: run the workflow first (make run)")
    return report.resolve()
