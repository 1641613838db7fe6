"""Runs averaged (m_k of DESIGN.md §4): read from the abstract, carried to the model and power."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from marginalia.extract import extract_corpus
from marginalia.extract.seeds import seeds_averaged
from marginalia.model.data import prepare_data


@pytest.mark.parametrize(
    "sentence,n",
    [
        ("All numbers are averaged over five random seeds.", 5),
        ("Scores are the mean of 3 independent runs.", 3),
        ("Across 10 seeds, the gain holds.", 10),
        ("We report a 4-seed average on every benchmark.", 4),
        ("Means and standard deviations over 6 runs are reported.", 6),
    ],
)
def test_stated_averages_give_the_number_of_runs(sentence, n):
    got, span = seeds_averaged(f"We propose a method. {sentence} It improves accuracy by 2%.")
    assert got == n and span and span in sentence


@pytest.mark.parametrize(
    "sentence",
    [
        "Our agent succeeds in 4 of 5 runs.",  # a count of outcomes, not an average
        "We train each model with 3 seeds.",  # does not say the number is their mean
        "The mean error over 1000 trials of the simulator drops.",  # not seeds of training
        "A single run takes two hours.",
        "",
    ],
)
def test_other_mentions_of_runs_are_not_averages(sentence):
    assert seeds_averaged(sentence) == (None, "")


def test_papers_table_keeps_the_count_and_its_span_and_standardize_carries_it():
    corpus = pd.DataFrame(
        {
            "paper_id": ["p1", "p2"],
            "title": ["A", "B"],
            "abstract": [
                "Averaged over five seeds, our method improves accuracy on GSM8K from 50.0% to "
                "54.0%.",
                "Our method improves accuracy on GSM8K from 50.0% to 53.0%.",
            ],
            "source": ["t", "t"],
            "year": [2025, 2025],
        }
    )
    effects, papers = extract_corpus(corpus)
    by_id = papers.set_index("paper_id")
    assert by_id.loc["p1", "n_seeds"] == 5 and by_id.loc["p1", "n_seeds_span"] == (
        "Averaged over five seeds"
    )
    assert pd.isna(by_id.loc["p2", "n_seeds"]) and by_id.loc["p2", "n_seeds_span"] == ""
    from marginalia.standardize import standardize

    std = standardize(effects, papers, None)
    assert dict(zip(std["paper_id"], std["n_seeds"], strict=True)) == {"p1": 5, "p2": 1}
    data = prepare_data(std, "pp", "claim")
    np.testing.assert_allclose(data.run_share, [1 / 5, 1.0])


def test_power_divides_seed_noise_by_the_runs_averaged():
    from marginalia.power import analyze

    rows = pd.DataFrame(
        {
            "effect_id": ["p1#1", "p2#1"],
            "paper_id": ["p1", "p2"],
            "family": ["pp", "pp"],
            "y": [3.0, 3.0],
            "se": [1.0, 1.0],
            "n_seeds": [4, 1],
        }
    )
    df, _ = analyze(rows, None, None, None, {"test": "unpaired", "sigma_run": 2.0})
    se_total = dict(zip(df["effect_id"], df["se_total"], strict=True))
    assert se_total["p1#1"] == pytest.approx(math.sqrt(1 + 4 / 4))
    assert se_total["p2#1"] == pytest.approx(math.sqrt(1 + 4))
    assert list(df["n_seeds"]) == [4.0, 1.0]
