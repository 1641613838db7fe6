"""Stage 2, extract: reported comparisons and hedges of abstracts, as two tables.

Public functions:

- :func:`extract_effects` -- the comparisons of one abstract as effects rows (DESIGN.md columns);
- :func:`extract_corpus` -- effects and papers tables of a corpus table;
- :func:`effects_frame`, :func:`papers_frame` -- rows as tables with the contract's dtypes;
- :func:`gather_tables` -- concatenate per-shard tables in a stable order.

The comparison grammar is in :mod:`marginalia.extract.effects` (numbers in
:mod:`marginalia.extract.numbers`); hedge words are classified by
:mod:`marginalia.extract.hedges`.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from marginalia.columns import (
    EFFECTS,
    EFFECTS_DTYPES,
    EFFECTS_EMPTY_AS_BLANK,
    PAPERS,
    PAPERS_DTYPES,
)
from marginalia.extract.attribution import attribution, attribution_of
from marginalia.extract.effects import effects_of_quantities, find_effects
from marginalia.extract.hedge_cues import read_cues
from marginalia.extract.hedges import local_hedge, local_hedge_of, paper_hedge, paper_hedge_of
from marginalia.extract.numbers import find_quantities
from marginalia.extract.seeds import seeds_averaged
from marginalia.values import is_missing, text

if TYPE_CHECKING:
    from marginalia.registry import Registry

__all__ = ["effects_frame", "extract_corpus", "extract_effects", "gather_tables", "papers_frame"]

log = logging.getLogger(__name__)

# effects columns that extract_corpus adds to the fields of find_effects rows
_ADDED_EFFECTS = (
    "paper_id",
    "title",
    "effect_id",
    "hedge_local",
    "hedge_local_span",
    "attribution",
)
_EFFECT_NUM = re.compile(r"#(\d+)$")


def extract_effects(
    paper_id: str, title: str, abstract: str, registry: Registry | None = None
) -> list[dict[str, Any]]:
    """Reported quantitative comparisons of one abstract, one dict per effects-table row.

    Rows have the columns of :data:`marginalia.columns.EFFECTS`, in the order the comparisons
    appear in the text (a range gives two rows, ``range_low`` then ``range_high``, with the same
    span). ``abstract[start:end] == span`` for every row. ``registry`` (a
    :class:`marginalia.registry.Registry`) canonicalizes benchmark names; without it the
    benchmark stays empty.
    """
    paper_id = text(paper_id, strip=False)
    title = text(title, strip=False)
    abstract = read_part(paper_id, text(abstract, strip=False))
    rows = find_effects(abstract, registry)
    out = []
    hedged: dict[tuple[int, int], tuple[str, str | None]] = {}  # a range's two rows share it
    attributed: dict[tuple[int, int], str] = {}
    for n, row in enumerate(rows, start=1):
        key = (row["start"], row["end"])
        found = hedged.get(key)
        if found is None:
            found = hedged[key] = local_hedge(abstract, row["start"], row["end"])
        label, span = found
        whose = attributed.get(key)
        if whose is None:
            whose = attributed[key] = attribution(abstract, row["start"], row["end"])
        out.append(
            {
                "paper_id": paper_id,
                "title": title,
                "effect_id": f"{paper_id}#{n}",
                **row,
                "hedge_local": label,
                "hedge_local_span": span,
                "attribution": whose,
            }
        )
    return [{c: r[c] for c in EFFECTS} for r in out]


def effects_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Effects rows as a DataFrame with the contract's columns and dtypes."""
    return _effects_frame({c: [r[c] for r in rows] for c in EFFECTS})


def _effects_frame(cols: dict[str, list[Any]]) -> pd.DataFrame:
    """The effects table of its column lists (keys: the EFFECTS columns)."""
    data: dict[str, Any] = {}
    for c in EFFECTS:
        values = cols[c]
        if c in EFFECTS_EMPTY_AS_BLANK:
            values = [v or "" for v in values]
        data[c] = pd.array(values, dtype=EFFECTS_DTYPES[c])
    return pd.DataFrame(data, columns=EFFECTS)


def papers_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Papers rows as a DataFrame with the contract's columns and dtypes."""
    return _papers_frame({c: [r[c] for r in rows] for c in PAPERS})


def _papers_frame(cols: dict[str, list[Any]]) -> pd.DataFrame:
    """The papers table of its column lists (keys: the PAPERS columns)."""
    data: dict[str, Any] = {}
    for c in PAPERS:
        data[c] = pd.array(cols[c], dtype=PAPERS_DTYPES[c])
    return pd.DataFrame(data, columns=PAPERS)


def _column(df: pd.DataFrame, name: str) -> list[Any]:
    if name not in df.columns:
        return [None] * len(df)
    return df[name].astype(object).tolist()


def _year(value: Any) -> int | None:
    """A cell as an int year; None when missing or not convertible by ``int``."""
    if type(value) is int:  # the common case (an Int64 column): int() gives it back
        return value
    if is_missing(value):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def extract_corpus(
    corpus_df: pd.DataFrame, registry: Registry | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Effects and papers tables of a corpus table (columns of marginalia.columns.CORPUS).

    Returns ``(effects_df, papers_df)`` with the columns and dtypes of the table contracts; an
    empty corpus gives empty tables with those columns. Missing titles or abstracts count as
    empty text.
    """
    ids = [text(v, strip=False) for v in _column(corpus_df, "paper_id")]
    titles = [text(v, strip=False) for v in _column(corpus_df, "title")]
    abstracts = [
        read_part(pid, text(v, strip=False))
        for pid, v in zip(ids, _column(corpus_df, "abstract"), strict=True)
    ]
    sources = _column(corpus_df, "source")
    years = _column(corpus_df, "year")
    ecols: dict[str, list[Any]] = {c: [] for c in EFFECTS}
    pcols: dict[str, list[Any]] = {c: [] for c in PAPERS}
    # One stage at a time over a chunk of abstracts (numbers, comparisons, hedges): each
    # stage's code and patterns stay in the CPU caches from one abstract to the next, which
    # is ~15% faster than running all stages per abstract (the results are the same); the
    # chunk bounds the memory held between stages.
    for lo in range(0, len(abstracts), _CHUNK):
        hi = lo + _CHUNK
        _extract_chunk(
            ids[lo:hi],
            titles[lo:hi],
            abstracts[lo:hi],
            sources[lo:hi],
            years[lo:hi],
            registry,
            ecols,
            pcols,
        )
    return _effects_frame(ecols), _papers_frame(pcols)


_CHUNK = 2048  # abstracts per chunk in extract_corpus (bounds the memory of a stage)

#: the longest text read as one abstract: ten times arXiv's limit (1,920 characters). The
#: comparison grammar's cost grows faster than the length (a 500,000-character "abstract" took
#: 26 s, 5 MB would take most of an hour), so a longer one is read up to here only: its
#: offsets stay those of the full text, and the log names the paper.
MAX_ABSTRACT_CHARS = 20_000


def read_part(paper_id: str, abstract: str) -> str:
    """The part of ``abstract`` that is read: all of it, or its first
    :data:`MAX_ABSTRACT_CHARS` characters (with a warning naming the paper)."""
    if len(abstract) <= MAX_ABSTRACT_CHARS:
        return abstract
    log.warning(
        "paper %s: its abstract has %d characters; comparisons and hedges are read from the "
        "first %d only (an abstract is rarely above 3,000)",
        paper_id,
        len(abstract),
        MAX_ABSTRACT_CHARS,
    )
    return abstract[:MAX_ABSTRACT_CHARS]


def _extract_chunk(
    ids: list[str],
    titles: list[str],
    abstracts: list[str],
    sources: list[Any],
    years: list[Any],
    registry: Registry | None,
    ecols: dict[str, list[Any]],
    pcols: dict[str, list[Any]],
) -> None:
    """Append the effects and papers rows of some abstracts to the column lists."""
    numbers = [find_quantities(abstract) for abstract in abstracts]
    found = [
        effects_of_quantities(abstract, qs, registry)
        for abstract, qs in zip(abstracts, numbers, strict=True)
    ]
    all_rows: list[dict[str, Any]] = []  # the find_effects rows of the chunk, in order
    paper_col, title_col, id_col = ecols["paper_id"], ecols["title"], ecols["effect_id"]
    label_col, span_col = ecols["hedge_local"], ecols["hedge_local_span"]
    whose_col = ecols["attribution"]
    p_ids, p_titles, p_sources, p_years = (
        pcols[c] for c in ("paper_id", "title", "source", "year")
    )
    p_counts, p_hedges, p_spans, p_senses = (
        pcols[c] for c in ("n_effects", "hedge", "hedge_spans", "marginal_sense")
    )
    p_seeds, p_seed_spans = pcols["n_seeds"], pcols["n_seeds_span"]
    columns = zip(ids, titles, abstracts, found, sources, years, strict=True)
    for paper_id, title, abstract, rows, source, year in columns:
        # the hedge analysis of the abstract, shared by its local hedges, attributions and
        # paper hedge (what local_hedge, attribution and paper_hedge would each look up)
        doc = read_cues(abstract) if abstract else None
        hedged: dict[tuple[int, int], tuple[str, str | None, str]] = {}  # a range's rows share
        for n, row in enumerate(rows, start=1):
            key = (row["start"], row["end"])
            local = hedged.get(key)
            if local is None:
                local = hedged[key] = (
                    *local_hedge_of(doc, *key),  # (an empty abstract has no rows)
                    attribution_of(doc, key[0]),
                )
            paper_col.append(paper_id)
            title_col.append(title)
            id_col.append(f"{paper_id}#{n}")
            label_col.append(local[0])
            span_col.append(local[1])
            whose_col.append(local[2])
        all_rows.extend(rows)
        hedge, spans, sense = (
            paper_hedge_of(title, doc) if doc is not None else paper_hedge(title, abstract)
        )
        p_ids.append(paper_id)
        p_titles.append(title)
        p_sources.append(text(source, strip=False))
        p_years.append(_year(year))
        p_counts.append(len(rows))
        p_hedges.append(hedge)
        p_spans.append(_json_strings(spans))
        p_senses.append(sense)
        n_seeds, seed_span = seeds_averaged(abstract)
        p_seeds.append(n_seeds)
        p_seed_spans.append(seed_span)
    for c in EFFECTS:  # the fields of the find_effects rows
        if c not in _ADDED_EFFECTS:
            ecols[c].extend([row[c] for row in all_rows])


def _json_strings(values: list[str]) -> str:
    """``json.dumps(values, ensure_ascii=False)`` for a list of strings, built directly from
    the same string encoder (json.dumps adds an encoder object and a generic walk)."""
    return "[" + ", ".join(map(_encode_string, values)) + "]"


_encode_string = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) uses


def _effect_number(effect_id: Any) -> int:
    m = _EFFECT_NUM.search(text(effect_id, strip=False))
    return int(m.group(1)) if m else 0


def gather_tables(tables: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-shard effects or papers tables, sorted by paper_id then effect order.

    Effects tables (with ``effect_id``) keep the text order of each paper's comparisons (the
    number after ``#``); papers tables are sorted by ``paper_id``. Empty inputs give an empty
    table (with the effects columns when nothing tells which table it is).
    """
    frames = [t for t in tables if t is not None]
    non_empty = [t for t in frames if len(t)]
    if not frames:
        return effects_frame([])
    if not non_empty:
        return frames[0].iloc[0:0].reset_index(drop=True)
    df = pd.concat(non_empty, ignore_index=True) if len(non_empty) > 1 else non_empty[0].copy()
    if "effect_id" in df.columns:
        order = df["effect_id"].map(_effect_number)
        df = (
            df.assign(_order=order)
            .sort_values(["paper_id", "_order"], kind="stable")
            .drop(columns="_order")
        )
    elif "paper_id" in df.columns:
        df = df.sort_values("paper_id", kind="stable")
    return df.reset_index(drop=True)
