"""Adapter for rule validation_design: the design the validation simulations reuse."""

from typing import TYPE_CHECKING

from _validation_job import job_settings
from marginalia.model.calibration import design_table
from marginalia.runner import run
from marginalia.tables import read_table, write_table

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    settings, val = job_settings(snakemake)
    path = getattr(snakemake.input, "effects", None)
    effects = read_table(path) if path else None
    design = design_table(effects, val, settings.priors["pp"])
    write_table(design, snakemake.output.design)


run(main, snakemake.log[0])
