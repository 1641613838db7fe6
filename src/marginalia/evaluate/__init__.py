"""Score extracted effects and paper hedges against hand-annotated gold files.

The scoring rules are those of the gold standard's README (``../shared/eval/README.md``):

- ``match``: papers matched by normalized title; extracted rows matched one-to-one to gold rows
  of the same paper by ``delta`` (within 0.01, or 1% relative for ratios and fractions).
- ``score``: :func:`score_extraction`, precision/recall/F1 of the rows, accuracy of the
  attributes of matched rows, ``hedge_local``, and the paper ``hedge`` and ``marginal_sense``;
  a JSON-serializable dict.
- ``markdown``: :func:`render_markdown` turns that dict into tables.
- ``cli``: ``python -m marginalia.evaluate --corpus ... --gold ...`` extracts a corpus and
  scores it (:func:`main`, :func:`read_gold`, :func:`read_corpus`, :func:`run_extractor`).
"""

from __future__ import annotations

from marginalia.evaluate.cli import main, read_corpus, read_gold, run_extractor
from marginalia.evaluate.markdown import render_markdown
from marginalia.evaluate.score import score_extraction

__all__ = [
    "main",
    "read_corpus",
    "read_gold",
    "render_markdown",
    "run_extractor",
    "score_extraction",
]
