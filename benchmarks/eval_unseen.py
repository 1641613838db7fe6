"""Score the extractor on every part of the unseen evaluation set, in one table.

Runs the scorer of ``python -m marginalia.evaluate`` (:func:`marginalia.evaluate.score_extraction`)
on each part of ``tests/data/eval/unseen/`` (the frozen final test and the development parts) and
prints one markdown row per part: papers, gold comparisons, P / R / F1, strict F1, benchmark
linked where the gold names one, attribution, paper hedge and local-hedge F1. With
``--agreement`` it also scores the final test's second annotation against its first (the
annotators' agreement; no extractor run).

The final test is the one number that counts (README, "What the numbers mean"): it is scored
here like the others, so do not read its errors to write rules. ``--skip-final`` leaves it out.

    .venv/bin/python benchmarks/eval_unseen.py                 # every part
    .venv/bin/python benchmarks/eval_unseen.py --skip-final --json parts.json
    .venv/bin/python benchmarks/eval_unseen.py --agreement

Not part of the test gate (pytest collects tests/ only).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
UNSEEN = REPO / "tests" / "data" / "eval" / "unseen"


def parts(skip_final: bool) -> list[Path]:
    """The folders of the unseen set holding a corpus and gold files, final test first."""
    found = sorted(p for p in UNSEEN.iterdir() if (p / "corpus.jsonl").is_file())
    found.sort(key=lambda p: (p.name != "final_test", p.name))
    return [p for p in found if not (skip_final and p.name == "final_test")]


def row(name: str, result: dict[str, Any]) -> dict[str, Any]:
    """The figures of one scored part."""
    eff, att = result["effects"], result["attributes"]
    bench, whose = att["benchmark"], att["attribution"]
    return {
        "part": name,
        "papers": result["counts"]["gold_papers"],
        "comparisons": result["counts"]["gold_effects"],
        "precision": eff["overall"]["precision"],
        "recall": eff["overall"]["recall"],
        "f1": eff["overall"]["f1"],
        "strict_f1": eff["strict"]["f1"],
        "benchmark": f"{bench['correct']}/{bench['n']}",
        "attribution": f"{whose['correct']}/{whose['n']}",
        "paper_hedge": result["papers"]["hedge"]["accuracy"],
        "hedge_local_f1": result["hedge_local"]["micro"]["f1"],
    }


def _fmt(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


def markdown(rows: list[dict[str, Any]]) -> str:
    head = (
        "| part | papers | comparisons | P | R | F1 | strict F1 | benchmark | attribution "
        "| paper hedge | local hedge F1 |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        lines.append("| " + " | ".join(_fmt(v) for v in r.values()) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmarks", default=str(REPO / "config" / "benchmarks.yaml"))
    parser.add_argument("--skip-final", action="store_true", help="leave the final test out")
    parser.add_argument(
        "--agreement",
        action="store_true",
        help="also score the final test's second annotation against its first",
    )
    parser.add_argument("--json", help="also write the rows as JSON to this path")
    args = parser.parse_args(argv)

    from marginalia.evaluate import score_extraction
    from marginalia.evaluate.cli import read_corpus, read_gold, run_extractor
    from marginalia.registry import load_registry

    registry = load_registry(args.benchmarks)
    rows = []
    for part in parts(args.skip_final):
        gold_effects, gold_papers = read_gold(part)
        effects, papers = run_extractor(read_corpus(part / "corpus.jsonl"), registry)
        result = score_extraction(effects, papers, gold_effects, gold_papers, registry)
        rows.append(row(part.name, result))
    second = UNSEEN / "final_test" / "second_annotation"
    if args.agreement and second.is_dir():
        gold_effects, gold_papers = read_gold(UNSEEN / "final_test")
        other_effects, other_papers = read_gold(second)
        result = score_extraction(other_effects, other_papers, gold_effects, gold_papers, registry)
        rows.append(row("final_test: second annotation vs first", result))
    print(markdown(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
