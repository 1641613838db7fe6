"""Adapter for rule gather_extractions: per-shard tables -> results/effects.* and papers.*."""

from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.extract import gather_tables
from marginalia.runner import run
from marginalia.tables import read_table, write_table

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    effects = gather_tables([read_table(p) for p in snakemake.input.effects])
    papers = gather_tables([read_table(p) for p in snakemake.input.papers])
    write_table(effects, snakemake.output.effects, snakemake.output.effects_csv)
    write_table(papers, snakemake.output.papers, snakemake.output.papers_csv)


run(main, snakemake.log[0])
