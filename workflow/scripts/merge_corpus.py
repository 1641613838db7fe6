"""Adapter for rule merge_corpus: all source records -> results/corpus/papers.{parquet,csv}."""

from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.corpus import corpus_table
from marginalia.corpus.shards import write_shards
from marginalia.runner import run
from marginalia.tables import read_jsonl, write_table

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    record_lists = [read_jsonl(path) for path in snakemake.input.sources]
    df = corpus_table(record_lists, shards=snakemake.params.shards)
    write_table(df, snakemake.output.parquet, snakemake.output.csv)
    write_shards(df, snakemake.params.shards, snakemake.params.shard_dir)


run(main, snakemake.log[0])
