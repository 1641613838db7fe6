"""Adapter for rule validate_model: simulate, fit, coverage -> results/validation/."""

from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.model.validation import run_validation
from marginalia.runner import run
from marginalia.tables import write_csv

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    coverage, _ = run_validation(
        snakemake.params.model, snakemake.params.validation, cores=snakemake.threads
    )
    write_csv(coverage, snakemake.output.coverage)


run(main, snakemake.log[0])
