"""Adapter for rule extract_shard: one shard of the corpus -> its effects and papers tables."""

from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.extract import extract_corpus
from marginalia.registry import load_registry
from marginalia.runner import run
from marginalia.tables import read_table, write_table

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    # the shard's own file (written by content by the merge_corpus checkpoint)
    corpus = read_table(snakemake.input.corpus)
    shard = corpus[corpus["shard"] == int(snakemake.wildcards.shard)].reset_index(drop=True)
    registry = load_registry(snakemake.input.benchmarks)
    effects, papers = extract_corpus(shard, registry=registry)
    write_table(effects, snakemake.output.effects)
    write_table(papers, snakemake.output.papers)


run(main, snakemake.log[0])
