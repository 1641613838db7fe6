"""Stage 1: pull abstracts from a source and merge sources into one corpus table."""

from __future__ import annotations

import logging

import pandas as pd

from marginalia.columns import CORPUS
from marginalia.corpus.records import merge_records

log = logging.getLogger(__name__)


def load_source(source: dict, http: dict | None = None) -> list[dict]:
    """Read one configured source into normalized records (see records.make_record)."""
    if source["type"] == "file":
        from marginalia.corpus.files import read_file_source

        return read_file_source(source)
    from marginalia.corpus.remote import fetch_remote_source

    return fetch_remote_source(source, http or {})


def corpus_table(record_lists: list[list[dict]], shards: int) -> pd.DataFrame:
    """Merged, deduplicated corpus with the DESIGN.md columns."""
    merged = merge_records(record_lists, shards)
    df = pd.DataFrame(merged, columns=CORPUS)
    df["year"] = df["year"].astype("Int64")
    df["shard"] = df["shard"].astype("int64")
    for col in ("paper_id", "title", "abstract", "arxiv_id", "doi", "url", "source"):
        df[col] = df[col].astype("string")
    n_in = sum(len(r) for r in record_lists)
    log.info("merged %d records from %d sources into %d papers", n_in, len(record_lists), len(df))
    return df
