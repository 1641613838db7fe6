"""Adapter for rule simulate_dataset: one simulated data set of one study."""

from typing import TYPE_CHECKING

from _validation_job import job_settings
from marginalia.model.calibration import simulate_dataset
from marginalia.runner import run
from marginalia.tables import read_table, write_json, write_table

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    settings, val = job_settings(snakemake)
    df, truth = simulate_dataset(
        read_table(snakemake.input.design),
        snakemake.wildcards.study,
        int(snakemake.wildcards.dataset),
        val,
        settings.priors["pp"],
    )
    write_table(df, snakemake.output.data)
    write_json(snakemake.output.truth, truth)


run(main, snakemake.log[0])
