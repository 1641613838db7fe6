"""Adapter for rule analyze_power: standardized effects + model estimates -> results/power.*.

sigma_run comes from the model's summary.csv (input ``summary`` when the rule declares it, else
the summary.csv beside comparisons.csv, written by the same fit_model job); the stage falls back
to config power.sigma_run and says which was used.
"""

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import xarray as xr

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.errors import MarginaliaError
from marginalia.power import analyze, sigma_run_from_summary
from marginalia.registry import load_registry
from marginalia.runner import run
from marginalia.tables import read_csv, read_table, write_csv, write_table

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logging.getLogger("marginalia.analyze_power")


def read_optional_csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return read_csv(path)
    except pd.errors.EmptyDataError:
        return None


def main():
    standardized = read_table(snakemake.input.effects)
    comparisons = read_optional_csv(Path(snakemake.input.comparisons))
    try:
        diagnostics = json.loads(Path(snakemake.input.diagnostics).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise MarginaliaError(
            f"{snakemake.input.diagnostics}: not valid JSON ({exc}); rerun the fit_model rule"
        ) from exc
    papers = read_table(snakemake.input.papers)
    registry = load_registry(snakemake.input.benchmarks)
    summary_path = getattr(snakemake.input, "summary", None)
    summary_path = Path(summary_path or Path(snakemake.input.comparisons).with_name("summary.csv"))
    sigma_run = sigma_run_from_summary(read_optional_csv(summary_path))
    holdout = xr.load_dataset(snakemake.input.holdout)
    power_df, summary_df = analyze(
        standardized,
        comparisons,
        papers,
        registry,
        dict(snakemake.params.power),
        sigma_run,
        diagnostics=diagnostics,
        sigma_run_source=f"model posterior mean ({summary_path}, claim analysis)",
        holdout=holdout,
        threads=snakemake.threads,
    )
    if len(power_df):
        log.info("sigma_run %.3f pp: %s", power_df.sigma_run.iloc[0], power_df.sigma_run_source[0])
    log.info(
        "%d comparisons, %d with a usable n; model status: %s",
        len(power_df),
        int(power_df.assessed.sum()),
        power_df.model_status.iloc[0] if len(power_df) else "n/a",
    )
    write_table(power_df, snakemake.output.parquet, snakemake.output.csv)
    write_csv(summary_df, snakemake.output.summary)


run(main, snakemake.log[0])
