"""Whose number is it (issue 10): own results vs prior work, problem statements, hypotheticals.

Sentences are written for these tests (the kinds of error a new user met), not copied from the
evaluation sets.
"""

from __future__ import annotations

import pytest

from marginalia.extract import extract_corpus, extract_effects
from marginalia.extract.attribution import ATTRIBUTIONS, attribution
from marginalia.standardize import standardize

CASES = [
    # prior work restated as background, then the paper's own result
    (
        "Studies in the literature have reported drops of 11% to 14% under label shift. "
        "We propose ShiftGuard, which improves accuracy by 3.1 points on CIFAR-10.",
        {"11%": "prior_work", "3.1 points": "own"},
    ),
    # a problem statement with a target number
    (
        "Achieving beyond 2x acceleration remains difficult for diffusion samplers. "
        "We present CacheFlow, a caching scheme with a 3.2x speedup.",
        {"2x": "problem", "3.2x": "own"},
    ),
    # a hypothetical
    (
        "We study latency budgets of web services. Were latency to grow by 40%, most users "
        "would leave. Our scheduler cuts tail latency by 22%.",
        {"40%": "hypothetical", "22%": "own"},
    ),
    # motivation numbers in the opening sentence, before the contribution
    (
        "Current tokenizers inflate sequence length by 30% on source code. We introduce "
        "Squeeze, which reduces context use by 18%.",
        {"30%": "problem", "18%": "own"},
    ),
    # prior work inside a contrast clause
    (
        "Unlike prior work that reports a 7% gain only on English, our approach improves all "
        "languages by 4%.",
        {"7%": "prior_work", "4%": "own"},
    ),
    # comparisons against prior work are the paper's own results
    (
        "Our method outperforms the previous best by 3.2 points on GSM8K.",
        {"3.2 points": "own"},
    ),
    (
        "Our method has shown a 5% improvement over strong baselines.",
        {"5%": "own"},
    ),
    # results phrased with "were ... to", "beyond" and a contrast with prior work stay own
    (
        "We propose FooNet. Speedups were up to 3.5x over vLLM, and results were shown to "
        "improve by 5% on MATH.",
        {"3.5x": "own", "5%": "own"},
    ),
    (
        "We propose FooNet for serving. FooNet achieves speedups beyond 2x over vLLM. "
        "Unlike existing methods, FooNet also reaches a 3x memory saving.",
        {"2x": "own", "3x": "own"},
    ),
    # a finding of the paper about the models it evaluates
    (
        "We benchmark twelve LLMs on perturbed problems. Even the strongest commercial models "
        "have seen a 4%-9% accuracy drop.",
        {"4%-9%": "own"},
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_attribution_of_each_number(text, expected):
    for needle, want in expected.items():
        k = text.index(needle)
        assert attribution(text, k, k + len(needle)) == want, needle


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_effects_rows_carry_attribution(text, expected):
    rows = extract_effects("p", "t", text, None)
    assert rows, text
    assert all(r["attribution"] in ATTRIBUTIONS for r in rows)
    for needle, want in expected.items():
        k = text.index(needle)
        hits = [r for r in rows if r["start"] < k + len(needle) and k < r["end"]]
        assert hits, (needle, [r["span"] for r in rows])
        assert {r["attribution"] for r in hits} == {want}, needle


def test_no_background_number_enters_the_model():
    import pandas as pd

    corpus = pd.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(len(CASES))],
            "title": [f"Paper {i}" for i in range(len(CASES))],
            "abstract": [text for text, _ in CASES],
            "source": ["test"] * len(CASES),
            "year": [2025] * len(CASES),
        }
    )
    effects, papers = extract_corpus(corpus, None)
    assert set(effects["attribution"]) >= {"own", "prior_work", "problem", "hypothetical"}
    out = standardize(effects, papers, None, {})
    background = out[out["attribution"] != "own"]
    assert len(background) >= 5
    assert not background["in_model"].any()
    assert background["exclusion_reason"].str.contains("not the paper's own result").all()


def test_empty_text_is_own():
    assert attribution("", 0, 0) == "own"
