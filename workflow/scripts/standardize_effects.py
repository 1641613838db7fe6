"""Adapter for rule standardize_effects: effects + papers + registry -> effects_standardized.*."""

import logging
from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.registry import load_registry
from marginalia.runner import run
from marginalia.standardize import standardize
from marginalia.tables import read_table, write_table

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logging.getLogger("marginalia.standardize_effects")


def main():
    effects = read_table(snakemake.input.effects)
    papers = read_table(snakemake.input.papers)
    registry = load_registry(snakemake.input.benchmarks)
    df = standardize(effects, papers, registry, dict(snakemake.params.standardize))
    counts = df["family"].value_counts().to_dict()
    log.info(
        "%d effects: %s; %d pp effects with a sampling se",
        len(df),
        ", ".join(f"{k} {v}" for k, v in sorted(counts.items())),
        int(((df["family"] == "pp") & df["se"].notna()).sum()),
    )
    write_table(df, snakemake.output.parquet, snakemake.output.csv)


run(main, snakemake.log[0])
