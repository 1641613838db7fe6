"""Adapter for rule evaluate_extraction: effects + papers vs gold -> extraction.{json,md}."""

from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.evaluate import render_markdown, score_extraction
from marginalia.registry import load_registry
from marginalia.runner import run
from marginalia.tables import atomic_write_text, read_jsonl, read_table, write_json

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    # the registry canonicalizes benchmark names (an input of the rule when it lists one)
    registry_path = getattr(snakemake.input, "benchmarks", None)
    registry = load_registry(registry_path or snakemake.config["extract"]["benchmarks"])
    result = score_extraction(
        read_table(snakemake.input.effects),
        read_table(snakemake.input.papers),
        read_jsonl(snakemake.input.gold_effects),
        read_jsonl(snakemake.input.gold_papers),
        registry,
    )
    write_json(snakemake.output.json, result)
    atomic_write_text(snakemake.output.md, render_markdown(result))


run(main, snakemake.log[0])
