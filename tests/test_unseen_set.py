"""The unseen evaluation set (tests/data/eval/unseen) stays frozen and well formed."""

from __future__ import annotations

import hashlib
import json

import pytest

PARTS = (
    "final_test",
    "development",
    "development_b",
    "development_c",
    "development_d",
    "development_e",
    "development_f",
    "development_g",
)


def _split(arxiv_id: str, part: str) -> str:
    """The part a paper belongs to: the hash rule for the first batch; the later batches
    (development_b to development_g, collected after the freeze) are development whatever
    their hash."""
    if part in (
        "development_b",
        "development_c",
        "development_d",
        "development_e",
        "development_f",
        "development_g",
    ):
        return part
    digit = int(hashlib.sha1(f"marginalia-unseen:{arxiv_id}".encode()).hexdigest()[0], 16)
    return "final_test" if digit < 6 else "development"


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture(scope="module")
def unseen(data_dir):
    return data_dir / "eval" / "unseen"


def test_final_test_files_are_frozen(unseen):
    for line in (unseen / "final_test" / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        data = (unseen / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == digest, f"{name} changed after it was frozen"


@pytest.mark.parametrize("part", PARTS)
def test_papers_sit_in_their_split_and_spans_are_exact(unseen, part):
    corpus = {p["arxiv_id"]: p for p in _lines(unseen / part / "corpus.jsonl")}
    assert corpus and all(_split(i, part) == part for i in corpus)
    papers = _lines(unseen / part / "gold_papers.jsonl")
    assert {p["arxiv_id"] for p in papers} == set(corpus)
    effects = _lines(unseen / part / "gold_effects.jsonl")
    for e in effects:
        paper = corpus[e["arxiv_id"]]
        assert e["title"] == paper["title"]
        assert e["span"] in paper["abstract"]
        assert e["attribution"] in ("own", "prior_work", "problem", "hypothetical")
    for p in papers:
        assert p["n_effects"] == sum(e["arxiv_id"] == p["arxiv_id"] for e in effects)


def test_second_annotation_covers_the_final_test_papers(unseen):
    """final_test/second_annotation: the same papers, titles as given, exact spans."""
    corpus = {p["arxiv_id"]: p for p in _lines(unseen / "final_test" / "corpus.jsonl")}
    second = unseen / "final_test" / "second_annotation"
    papers = _lines(second / "gold_papers.jsonl")
    assert sorted(p["arxiv_id"] for p in papers) == sorted(corpus)
    effects = _lines(second / "gold_effects.jsonl")
    for e in effects:
        paper = corpus[e["arxiv_id"]]
        assert e["title"] == paper["title"] and e["span"] in paper["abstract"]
        assert e["attribution"] in ("own", "prior_work", "problem", "hypothetical")
    for p in papers:
        assert p["title"] == corpus[p["arxiv_id"]]["title"]
        assert p["n_effects"] == sum(e["arxiv_id"] == p["arxiv_id"] for e in effects)
        assert all(s in corpus[p["arxiv_id"]]["abstract"] for s in p["hedge_spans"])


def test_splits_do_not_overlap_and_years_are_recent(unseen):
    ids = [set(p["arxiv_id"] for p in _lines(unseen / part / "corpus.jsonl")) for part in PARTS]
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert not a & b
    for part in PARTS:
        for p in _lines(unseen / part / "corpus.jsonl"):
            assert 2301 <= int(p["arxiv_id"][:4]) <= 2612, p["arxiv_id"]
