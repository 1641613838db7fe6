"""The `file` corpus source: every format, normalization, identifiers, dedup and error paths."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from marginalia.columns import CORPUS
from marginalia.corpus import corpus_table, load_source
from marginalia.corpus.files import read_file_source
from marginalia.corpus.records import (
    make_paper_id,
    make_record,
    merge_records,
    normalize_arxiv_id,
    normalize_doi,
    normalize_title,
    shard_of,
)
from marginalia.errors import MarginaliaError


def src(path, **kw):
    return {"name": "test", "type": "file", "path": str(path), **kw}


# --- the embedded listing -------------------------------------------------------------------


def test_embedded_listing_has_93_papers_in_order(corpus_path):
    records = read_file_source(src(corpus_path))
    assert len(records) == 93
    assert records[0]["title"] == (
        "Rethinking Thinking Tokens: Understanding Why They Underperform in Practice"
    )
    assert records[-1]["title"] == "With Little Power Comes Great Responsibility"
    # page artefacts are kept as data
    assert any("rightarrow" in r["abstract"] for r in records)
    assert any("\\%" in r["abstract"] for r in records)
    assert all(r["paper_id"].startswith("title:") for r in records)
    assert len({r["paper_id"] for r in records}) == 93


def test_embedded_listing_matches_the_gold_titles(corpus_path, data_dir):
    records = read_file_source(src(corpus_path))
    gold = [
        json.loads(x) for x in (data_dir / "eval/dev/gold_papers.jsonl").read_text().splitlines()
    ]
    for g in gold:
        assert records[g["paper"] - 1]["title"] == g["title"]


def test_listing_chrome_and_glued_subscribe(tmp_path):
    p = tmp_path / "l.txt"
    p.write_text(
        "Get trending papers in your email inbox once a day!\n"
        "Get trending papers in your email inbox!\n"
        "SubscribeA  First\u00a0Title\n"
        "An abstract   with\tspaces.\n"
        "\n"
        "Second title\n"
        "Second abstract.\n"
    )
    records = read_file_source(src(p))
    assert [r["title"] for r in records] == ["A First Title", "Second title"]
    assert records[0]["abstract"] == "An abstract with spaces."


def test_listing_missing_abstract_names_the_line(tmp_path):
    p = tmp_path / "l.txt"
    p.write_text("Title one\nAbstract one.\nTitle two\n")
    with pytest.raises(MarginaliaError, match=r"l\.txt, line 3: title 'Title two' has no abstract"):
        read_file_source(src(p))


def test_listing_broken_alternation_names_the_line(tmp_path):
    p = tmp_path / "l.txt"
    long = "This is an abstract sentence that goes on. " * 20
    p.write_text(f"Title one\n{long}\n{long}\nTitle three\n")
    with pytest.raises(MarginaliaError, match=r"line 3: expected a title"):
        read_file_source(src(p))


def test_unreadable_encoding_names_the_line(tmp_path):
    p = tmp_path / "l.txt"
    p.write_bytes(b"Title\nAbstract\nCaf\xe9 title\nAbstract two\n")
    with pytest.raises(MarginaliaError, match=r"l\.txt, line 3: not valid utf-8"):
        read_file_source(src(p))
    # the same file declared as latin-1 reads, and text is NFC-normalized
    records = read_file_source(src(p, encoding="latin-1"))
    assert records[1]["title"] == "Caf\u00e9 title"


def test_unknown_extension_asks_for_format(tmp_path):
    p = tmp_path / "papers.xyz"
    p.write_text("x")
    with pytest.raises(MarginaliaError, match="set `format:`"):
        read_file_source(src(p))


# --- JSONL, JSON, CSV, TSV ---------------------------------------------------------------------


def test_jsonl_with_identifiers(tmp_path):
    p = tmp_path / "p.jsonl"
    rows = [
        {"title": "A", "abstract": "x", "arxiv_id": "arXiv:2301.01234v3", "year": 2023},
        {"Title": "B", "summary": "y", "doi": "https://doi.org/10.1000/ABC.1"},
        {"title": "C", "abstract": "z"},
    ]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    records = read_file_source(src(p))
    assert [r["paper_id"] for r in records] == [
        "arxiv:2301.01234",
        "doi:10.1000/abc.1",
        "title:" + hashlib.sha1(b"c").hexdigest()[:12],
    ]
    assert records[0]["year"] == 2023
    assert records[0]["url"] == "https://arxiv.org/abs/2301.01234"


def test_jsonl_errors_name_the_line(tmp_path):
    p = tmp_path / "p.jsonl"
    p.write_text('{"title": "A", "abstract": "x"}\n{"title": "B"\n')
    with pytest.raises(MarginaliaError, match=r"p\.jsonl, line 2: invalid JSON"):
        read_file_source(src(p))
    p.write_text('{"title": "A", "abstract": "x"}\n{"title": "B"}\n')
    with pytest.raises(MarginaliaError, match=r"line 2: abstract is missing"):
        read_file_source(src(p))
    p.write_text('{"title": "A", "abstract": "x"}\n[1, 2]\n')
    with pytest.raises(MarginaliaError, match=r"line 2: expected a JSON object"):
        read_file_source(src(p))


def test_json_array_and_papers_object(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(json.dumps([{"title": "A", "abstract": "x"}]))
    assert read_file_source(src(p))[0]["title"] == "A"
    p.write_text(json.dumps({"papers": [{"title": "B", "abstract": "y"}]}))
    assert read_file_source(src(p))[0]["title"] == "B"


def test_json_errors_name_the_record(tmp_path):
    p = tmp_path / "p.json"
    p.write_text(json.dumps([{"title": "A", "abstract": "x"}, {"title": "", "abstract": "y"}]))
    with pytest.raises(MarginaliaError, match=r"p\.json, record 1: title is missing"):
        read_file_source(src(p))
    p.write_text('[{"title": "A",\n "abstract": }]')
    with pytest.raises(MarginaliaError, match=r"p\.json, line 2, column \d+: invalid JSON"):
        read_file_source(src(p))
    p.write_text('{"title": "A"}')
    with pytest.raises(MarginaliaError, match="expected a JSON array"):
        read_file_source(src(p))


def test_csv_and_tsv(tmp_path):
    c = tmp_path / "p.csv"
    c.write_text('title,abstract,doi,year\n"A, with comma","x ""quoted""",10.1000/X,2020\n,,,\n')
    rec = read_file_source(src(c))
    assert len(rec) == 1
    assert rec[0]["title"] == "A, with comma"
    assert rec[0]["abstract"] == 'x "quoted"'
    assert rec[0]["paper_id"] == "doi:10.1000/x"
    t = tmp_path / "p.tsv"
    t.write_text("Title\tAbstract\nB\ty\n")
    assert read_file_source(src(t))[0]["title"] == "B"


def test_csv_errors_name_the_line(tmp_path):
    c = tmp_path / "p.csv"
    c.write_text("name_of_paper,abstract\nA,x\n")
    with pytest.raises(MarginaliaError, match=r"p\.csv, line 1: the header has no 'title'"):
        read_file_source(src(c))
    c.write_text("title,abstract\nA,x\nB,\n")
    with pytest.raises(MarginaliaError, match=r"p\.csv, line 3: abstract is missing"):
        read_file_source(src(c))
    c.write_text("title,abstract\nA,x,extra\n")
    with pytest.raises(MarginaliaError, match=r"line 2: more fields than the header"):
        read_file_source(src(c))


def test_every_bad_record_of_a_file_is_listed_not_only_the_first(tmp_path):
    p = tmp_path / "p.jsonl"
    lines = ['{"title": "A", "abstract": "x"}', '{"title": "B"}', "not json", "[1]"]
    lines += ['{"abstract": "y"}'] * 9 + ['{"title": "Z", "abstract": "z"}']
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(MarginaliaError) as info:
        read_file_source(src(p))
    message = str(info.value)
    assert message.startswith(f"{p}: 12 bad records (fix them, or set `on_error: skip`")
    assert "line 2: abstract is missing" in message
    assert "line 3: invalid JSON" in message and "line 4: expected a JSON object" in message
    assert "... and 2 more" in message  # 10 listed
    assert len(message.splitlines()) == 1 + 10 + 1


def test_on_error_skip_keeps_the_good_records_and_counts_the_rest(tmp_path, caplog):
    p = tmp_path / "p.csv"
    p.write_text("title,abstract\nA,x\nB,\nC,z,extra\nD,w\n")
    with caplog.at_level("WARNING"):
        records = read_file_source(src(p, on_error="skip"))
    assert [r["title"] for r in records] == ["A", "D"]
    warning = caplog.text
    assert "skipped 2 bad record(s)" in warning
    assert "line 3: abstract is missing" in warning and "line 4: more fields" in warning


def test_bibtex_with_unbalanced_braces_lists_each_broken_entry(tmp_path):
    p = tmp_path / "refs.bib"
    p.write_text(
        "@article{a, title={A}, abstract={x}}\n\n@article{b, title={B\n\n"
        "@article{c, title={C}, abstract={z}}\n"
    )
    with pytest.raises(MarginaliaError, match=r"refs\.bib, line 3: bad BibTeX entry"):
        read_file_source(src(p))
    kept = read_file_source(src(p, on_error="skip"))
    assert "A" in [r["title"] for r in kept]


# --- BibTeX ------------------------------------------------------------------------------------

BIB = r"""
@article{vaswani2017,
  title = {Attention Is {All} You Need},
  abstract = {The dominant sequence transduction models are based on RNNs.},
  eprint = {1706.03762v7},
  archivePrefix = {arXiv},
  year = {2017},
}

@inproceedings{other,
  title = "A DOI paper",
  abstract = "Improves accuracy by 2\%.",
  doi = {10.18653/V1/2020.ACL-MAIN.1},
  year = 2020
}
"""


def test_bibtex(tmp_path):
    p = tmp_path / "refs.bib"
    p.write_text(BIB)
    records = read_file_source(src(p))
    assert [r["paper_id"] for r in records] == [
        "arxiv:1706.03762",
        "doi:10.18653/v1/2020.acl-main.1",
    ]
    assert records[0]["title"] == "Attention Is All You Need"
    assert records[0]["year"] == 2017
    assert records[1]["abstract"] == "Improves accuracy by 2\\%."


def test_bibtex_errors_name_entry_and_line(tmp_path):
    p = tmp_path / "refs.bib"
    p.write_text("@article{a, title={A}}\n")
    with pytest.raises(
        MarginaliaError, match=r"refs\.bib, entry 'a' \(line 1\): abstract is missing"
    ):
        read_file_source(src(p))
    p.write_text("@article{a, title={A}, abstract={x}}\n\n@article{b, title={B\n")
    with pytest.raises(MarginaliaError, match=r"refs\.bib, line 3: bad BibTeX entry"):
        read_file_source(src(p))
    p.write_text("@article{a, title={A}, abstract={x}}\n@article{a, title={B}, abstract={y}}\n")
    with pytest.raises(MarginaliaError, match="duplicate entry key 'a'"):
        read_file_source(src(p))


# --- identifiers, dedup, shards ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("arXiv:2301.01234v2", "2301.01234"),
        ("https://arxiv.org/abs/1706.03762", "1706.03762"),
        ("hep-th/9901001v1", "hep-th/9901001"),
        ("no id here", None),
    ],
)
def test_normalize_arxiv_id(raw, expected):
    assert normalize_arxiv_id(raw) == expected


def test_normalize_doi_and_title():
    assert normalize_doi("https://doi.org/10.1000/ABC.") == "10.1000/abc"
    assert normalize_doi("doi:10.48550/arXiv.2301.01234") == "10.48550/arxiv.2301.01234"
    assert normalize_title("  Attention: Is ALL you   need? ") == "attention is all you need"


def test_arxiv_doi_gives_the_arxiv_id():
    rec = make_record(title="T", abstract="A", source="s", doi="10.48550/arXiv.2301.01234")
    assert rec["paper_id"] == "arxiv:2301.01234"


def test_paper_id_is_stable():
    assert make_paper_id("Attention Is All You Need") == make_paper_id("attention is all you need!")
    assert shard_of("arxiv:1706.03762", 4) == shard_of("arxiv:1706.03762", 4)
    assert {shard_of(f"title:{i}", 4) for i in range(50)} == {0, 1, 2, 3}


def test_merge_dedups_by_arxiv_doi_and_title_first_source_wins():
    a = [
        make_record(title="Paper One", abstract="first", source="a", arxiv_id="2301.00001v1"),
        make_record(title="Paper Two", abstract="second", source="a"),
    ]
    b = [
        make_record(
            title="Paper One (journal)",
            abstract="x",
            source="b",
            arxiv_id="2301.00001v2",
            doi="10.1000/one",
            year=2023,
        ),
        make_record(title="paper two", abstract="y", source="b", doi="10.1000/two"),
        make_record(title="Paper Three", abstract="z", source="b", doi="10.1000/ONE"),
    ]
    merged = merge_records([a, b], shards=4)
    assert [m["title"] for m in merged] == ["Paper One", "Paper Two"]
    assert merged[0]["year"] == 2023 and merged[0]["doi"] == "10.1000/one"
    # Paper Two borrowed the DOI of its duplicate, and its id follows
    assert merged[1]["paper_id"] == "doi:10.1000/two"


def test_a_shared_id_with_another_title_is_reported_not_silently_merged(caplog):
    a = [make_record(title="Paper One", abstract="x", source="a", arxiv_id="2301.00001")]
    b = [
        make_record(title="Paper One", abstract="x", source="b", arxiv_id="2301.00001"),
        make_record(title="Another Paper", abstract="y", source="b", arxiv_id="2301.00001v3"),
    ]
    with caplog.at_level("INFO"):
        merged = merge_records([a, b], shards=4)
    assert [m["title"] for m in merged] == ["Paper One"]
    assert "2 duplicate record(s) dropped" in caplog.text
    assert "1 record(s) share an arXiv id or DOI with an earlier record but have another" in (
        caplog.text
    )
    assert "arxiv 2301.00001: kept 'Paper One' (a), dropped 'Another Paper' (b)" in caplog.text


def test_adding_papers_keeps_existing_shards():
    base = [make_record(title=f"Paper {i}", abstract="x", source="a") for i in range(20)]
    more = base + [make_record(title=f"New {i}", abstract="y", source="a") for i in range(5)]
    before = {m["paper_id"]: m["shard"] for m in merge_records([base], 4)}
    after = {m["paper_id"]: m["shard"] for m in merge_records([more], 4)}
    assert all(after[k] == v for k, v in before.items())


def test_corpus_table_columns_and_types(corpus_path):
    df = corpus_table([load_source(src(corpus_path))], shards=4)
    assert list(df.columns) == CORPUS
    assert len(df) == 93
    assert df["year"].dtype == pd.Int64Dtype()
    assert set(df["shard"]) <= {0, 1, 2, 3}
    empty = corpus_table([[]], shards=2)
    assert list(empty.columns) == CORPUS and len(empty) == 0


# --- sizes nobody should send, handled (issue 13) ----------------------------------------------


def test_a_5_mb_abstract_is_read_up_to_its_limit_and_the_paper_kept(tmp_path, caplog):
    from marginalia.extract import MAX_ABSTRACT_CHARS, extract_corpus

    sentence = "Our method improves accuracy on GSM8K from 58.3% to 68.6%, a clear gain. "
    huge = (sentence * (5_000_000 // len(sentence) + 1))[:5_000_000]
    p = tmp_path / "p.jsonl"
    p.write_text(json.dumps({"title": "Huge", "abstract": huge}) + "\n")
    records = read_file_source(src(p))
    assert len(records) == 1 and len(records[0]["abstract"]) == len(huge.strip())
    with caplog.at_level("WARNING"):
        effects, papers = extract_corpus(corpus_table([records], shards=1))
    assert len(papers) == 1 and "comparisons and hedges are read from the first" in caplog.text
    assert len(effects) > 100 and (effects["end"] <= MAX_ABSTRACT_CHARS).all()
    abstract = records[0]["abstract"]
    assert all(abstract[r.start : r.end] == r.span for r in effects.itertuples())


def test_a_200000_line_listing_is_read_whole(tmp_path):
    p = tmp_path / "big.txt"
    lines = []
    for i in range(100_000):
        lines += [f"Paper number {i}", f"We improve accuracy by {i % 7}.{i % 10}% on MMLU."]
    p.write_text("\n".join(lines) + "\n")
    records = read_file_source(src(p))
    assert len(records) == 100_000
    assert records[-1]["title"] == "Paper number 99999"
    assert len({r["paper_id"] for r in records}) == 100_000
