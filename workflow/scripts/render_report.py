"""Adapter for rule render_report: the stage outputs -> results/report.html (self-contained)."""

from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.report import build_report
from marginalia.runner import run
from marginalia.tables import atomic_write_text

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    inputs = dict(snakemake.input.items())
    html = build_report(inputs, dict(snakemake.params.settings))
    atomic_write_text(snakemake.output.html, html)


run(main, snakemake.log[0])
