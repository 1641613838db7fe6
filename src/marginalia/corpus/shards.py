"""Per-shard corpus files written by content: the unit of incremental re-extraction.

``merge_corpus`` (a Snakemake checkpoint) writes the merged corpus and, beside it, one Parquet
file per shard under ``results/corpus/shards/``. A shard file is rewritten only when its papers
changed, so its modification time moves only then; ``extract_shard`` reads its shard's file,
and Snakemake, re-evaluating the jobs after the checkpoint, reruns only the shards whose file is
newer than their extraction. Adding two papers to a list reruns at most two shards.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from marginalia.tables import read_table, write_table

__all__ = ["shard_path", "write_shards"]

log = logging.getLogger(__name__)


def shard_path(folder: str | Path, shard: int) -> Path:
    return Path(folder) / f"{int(shard)}.parquet"


def _same(path: Path, df: pd.DataFrame) -> bool:
    if not path.is_file():
        return False
    try:
        old = read_table(path)
    except Exception:  # unreadable or from another version: rewrite it
        return False
    return list(old.columns) == list(df.columns) and old.reset_index(drop=True).equals(
        df.reset_index(drop=True)
    )


def write_shards(corpus: pd.DataFrame, shards: int, folder: str | Path) -> list[int]:
    """Write ``corpus``'s rows of each shard 0..shards-1 to ``folder`` where they changed.

    Returns the shards rewritten. Files of shards beyond ``shards`` (a smaller setting than
    before) are removed.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for k in range(shards):
        part = corpus[corpus["shard"] == k].reset_index(drop=True)
        path = shard_path(folder, k)
        if _same(path, part):
            continue
        write_table(part, path)
        written.append(k)
    for path in folder.glob("*.parquet"):
        if path.stem.isdigit() and int(path.stem) >= shards:
            path.unlink()
    log.info("shards rewritten (their papers changed): %s", written or "none")
    return written
