"""Per-shard corpus files written by content (incremental re-extraction)."""

from __future__ import annotations

import pandas as pd

from marginalia.corpus import corpus_table
from marginalia.corpus.records import make_record
from marginalia.corpus.shards import shard_path, write_shards


def corpus(titles: list[str], shards: int = 4) -> pd.DataFrame:
    records = [make_record(title=t, abstract=f"Abstract of {t}.", source="s") for t in titles]
    return corpus_table([records], shards=shards)


def test_only_shards_whose_papers_changed_are_rewritten(tmp_path):
    titles = [f"Paper number {i}" for i in range(20)]
    df = corpus(titles)
    assert write_shards(df, 4, tmp_path) == [0, 1, 2, 3]
    stamps = {k: shard_path(tmp_path, k).stat().st_mtime_ns for k in range(4)}
    assert write_shards(corpus(titles), 4, tmp_path) == []  # same papers: nothing rewritten
    assert {k: shard_path(tmp_path, k).stat().st_mtime_ns for k in range(4)} == stamps
    grown = corpus([*titles, "A new paper"])
    new_shard = int(grown.loc[grown["title"] == "A new paper", "shard"].iloc[0])
    assert write_shards(grown, 4, tmp_path) == [new_shard]
    back = pd.read_parquet(shard_path(tmp_path, new_shard))
    assert "A new paper" in set(back["title"]) and set(back["shard"]) == {new_shard}


def test_fewer_shards_remove_the_extra_files_and_empty_shards_exist(tmp_path):
    write_shards(corpus(["Only paper"], shards=6), 6, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == [f"{k}.parquet" for k in range(6)]
    write_shards(corpus(["Only paper"], shards=2), 2, tmp_path)
    assert sorted(p.name for p in tmp_path.glob("*.parquet")) == ["0.parquet", "1.parquet"]
