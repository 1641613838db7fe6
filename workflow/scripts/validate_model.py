"""Adapter for rule validate_model: the per-data-set fits -> coverage, SBC, misspecification."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.model.calibration import ecdf_figure, misspecification_table, sbc_table
from marginalia.model.settings import ModelSettings
from marginalia.model.validation import coverage_table
from marginalia.runner import run
from marginalia.tables import atomic_write_text, write_csv

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    records = []
    for path in snakemake.input.fits:
        records.extend(json.loads(Path(path).read_text(encoding="utf-8"))["records"])
    df = pd.DataFrame(records)
    nominal = ModelSettings.from_config(snakemake.params.model).interval_prob
    coverage = [
        coverage_table(df[df["study"] == s], nominal).assign(study=s)
        for s in dict.fromkeys(df["study"])
    ]
    write_csv(pd.concat(coverage, ignore_index=True), snakemake.output.coverage)
    write_csv(sbc_table(df), snakemake.output.sbc)
    write_csv(misspecification_table(df), snakemake.output.misspecification)
    write_csv(df, snakemake.output.records)
    svg = ecdf_figure(df, "sbc" if (df["study"] == "sbc").any() else str(df["study"].iloc[0]))
    atomic_write_text(snakemake.output.figure, svg)


run(main, snakemake.log[0])
