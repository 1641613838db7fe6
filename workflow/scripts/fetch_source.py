"""Adapter for rule fetch_source: one configured source -> results/corpus/sources/{source}.jsonl."""

from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.corpus import load_source
from marginalia.runner import run
from marginalia.tables import write_jsonl

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    records = load_source(dict(snakemake.params.source), dict(snakemake.params.http))
    write_jsonl(snakemake.output.records, records)


run(main, snakemake.log[0])
