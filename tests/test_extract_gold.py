"""Floors of the issue on both annotated splits of the embedded corpus.

`dev` is the development gold (62 papers); `team` is the team's annotation of the other 31
papers (see tests/data/eval/team/README.md for why it is a regression guard, not a blind test).
"""

from __future__ import annotations

import pytest

from marginalia import evaluate
from marginalia.extract import extract_corpus
from marginalia.registry import load_registry

FLOORS = {
    "precision": 0.88,
    "recall": 0.88,
    "f1": 0.90,
    "direction": 0.95,
    "unit": 0.95,
    "hedge": 0.85,
    "marginal_sense": 0.90,
    "hedge_local_f1": 0.80,
}


@pytest.fixture(scope="module")
def extracted(repo_dir, corpus_path):
    registry = load_registry(repo_dir / "config" / "benchmarks.yaml")
    corpus = evaluate.read_corpus(corpus_path)
    effects, papers = extract_corpus(corpus, registry)
    return effects, papers, registry


@pytest.mark.parametrize("split", ["dev", "team"])
def test_issue_floors(extracted, data_dir, split):
    effects, papers, registry = extracted
    gold_effects, gold_papers = evaluate.read_gold(data_dir / "eval" / split)
    res = evaluate.score_extraction(effects, papers, gold_effects, gold_papers, registry)
    overall = res["effects"]["overall"]
    got = {
        "precision": overall["precision"],
        "recall": overall["recall"],
        "f1": overall["f1"],
        "direction": res["attributes"]["direction"]["accuracy"],
        "unit": res["attributes"]["unit"]["accuracy"],
        "hedge": res["papers"]["hedge"]["accuracy"],
        "marginal_sense": res["papers"]["marginal_sense"]["accuracy"],
        "hedge_local_f1": res["hedge_local"]["micro"]["f1"],
    }
    below = {k: v for k, v in got.items() if v is None or v < FLOORS[k]}
    assert not below, (below, res["misses"], res["false_positives"])


def test_embedded_performance_rows_linked_with_a_known_n(extracted):
    """Issue 10: at least 26 of the embedded corpus's performance comparisons are linked to a
    registry benchmark whose evaluated split has a known size (the power analysis needs n)."""
    effects, _, registry = extracted
    perf = effects[effects["aspect"] == "performance"]
    sizes = [
        registry.entries[canon].get("n") if (canon := registry.canonical(name)) else None
        for name in perf["benchmark"].fillna("")
    ]
    known = sum(n is not None for n in sizes)
    assert len(perf) >= 40 and known >= 26, (known, len(perf))
