"""Command line: extract a corpus file and score it against gold files.

``python -m marginalia.evaluate --corpus ... --gold ...`` (see :func:`main`); :func:`read_gold`,
:func:`read_corpus` and :func:`run_extractor` are its steps, also used by tests and benchmarks.
``--against DIR`` scores a second, independent annotation of the same papers (gold files in
``DIR``) against ``--gold`` under the same rules: how far two annotators agree, the ceiling
that label noise puts on any extractor's scores.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from marginalia.corpus import corpus_table
from marginalia.corpus.files import read_file_source
from marginalia.errors import MarginaliaError
from marginalia.evaluate.markdown import render_markdown
from marginalia.evaluate.score import score_extraction
from marginalia.extract import extract_corpus
from marginalia.registry import Registry, load_registry
from marginalia.tables import atomic_write_text, read_jsonl, write_json


def read_gold(gold_dir: str | Path) -> tuple[list[dict], list[dict]]:
    """The records of ``gold_effects.jsonl`` and ``gold_papers.jsonl`` in ``gold_dir``."""
    gold_dir = Path(gold_dir)
    out = []
    for name in ("gold_effects.jsonl", "gold_papers.jsonl"):
        path = gold_dir / name
        if not path.is_file():
            raise MarginaliaError(
                f"gold file {str(path)!r} does not exist; --gold (config key "
                "evaluation.gold_dir) must name a folder with gold_effects.jsonl and "
                "gold_papers.jsonl"
            )
        try:
            out.append(read_jsonl(path))
        except json.JSONDecodeError as exc:
            raise MarginaliaError(f"gold file {str(path)!r}, line {exc.lineno}: {exc.msg}") from exc
    return out[0], out[1]


def read_corpus(path: str | Path) -> pd.DataFrame:
    """Corpus table of a local paper list (any format the `file` source reads)."""
    source = {"name": Path(path).stem, "type": "file", "path": str(path)}
    if Path(path).suffix == ".txt":
        source["format"] = "listing"
    return corpus_table([read_file_source(source)], shards=1)


def run_extractor(corpus: pd.DataFrame, registry: Registry) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(effects, papers) of a corpus table: :func:`marginalia.extract.extract_corpus`."""
    return extract_corpus(corpus, registry=registry)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m marginalia.evaluate",
        description="Extract effects from a corpus file and score them against gold files.",
    )
    parser.add_argument("--corpus", help="paper list (listing .txt, .jsonl, ...)")
    parser.add_argument("--gold", required=True, help="folder with gold_effects/papers.jsonl")
    parser.add_argument("--benchmarks", default="config/benchmarks.yaml", help="registry YAML")
    parser.add_argument(
        "--against",
        help="score a second annotation (a folder with gold_effects/papers.jsonl) against "
        "--gold instead of running the extractor: the annotators' agreement",
    )
    parser.add_argument("--json", help="also write the full result as JSON to this path")
    parser.add_argument("--md", help="also write the markdown to this path")
    args = parser.parse_args(argv)
    if (args.corpus is None) == (args.against is None):
        parser.error("give either --corpus (score the extractor) or --against (an annotation)")
    try:
        registry = load_registry(args.benchmarks)
        gold_effects, gold_papers = read_gold(args.gold)
        if args.against is not None:
            effects, papers = read_gold(args.against)
        else:
            effects, papers = run_extractor(read_corpus(args.corpus), registry)
        result = score_extraction(effects, papers, gold_effects, gold_papers, registry)
    except MarginaliaError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    text = render_markdown(result)
    if args.json:
        write_json(args.json, result)
    if args.md:
        atomic_write_text(args.md, text)
    print(text)
    return 0
