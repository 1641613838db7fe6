"""Labels people read (issue 14, item 5): LaTeX and markup artefacts leave the metric and
benchmark labels; the span keeps the exact text."""

from __future__ import annotations

from pathlib import Path

import pytest

from marginalia.extract import extract_effects
from marginalia.extract.labels import clean_label
from marginalia.registry import load_registry

REGISTRY = Path(__file__).resolve().parents[1] / "config" / "benchmarks.yaml"


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("acc. \\% $\\rightarrow$ {BLEU}", "acc. % → BLEU"),
        ("success rightarrow rate", "success → rate"),
        ("\\textbf{F1}", "F1"),
        ("WER (\\%)", "WER (%)"),
        ("C\\&C score", "C&C score"),
        ("$\\times$ speed-up", "× speed-up"),
        ("pass@1", "pass@1"),
        ("top-1 accuracy", "top-1 accuracy"),
        ("arrows", "arrows"),  # a word that merely starts like one stays
        ("", ""),
        (None, ""),
    ],
)
def test_clean_label(raw, shown):
    assert clean_label(raw) == shown


def test_extracted_labels_are_clean_and_the_span_is_exact():
    text = (
        "Our method improves accuracy (\\%) on GSM8K from 58.9\\% $\\rightarrow$ 61.7\\%, "
        "a gain of 2.8 points."
    )
    rows = extract_effects("p1", "A title", text, load_registry(REGISTRY))
    assert rows, "the comparison is found"
    for row in rows:
        assert "\\" not in row["metric"] and "$" not in row["metric"]
        assert "rightarrow" not in row["metric"] and "rightarrow" not in row["benchmark"]
        assert text[row["start"] : row["end"]] == row["span"]
