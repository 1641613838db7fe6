"""Adapter for rule fit_simulated: fit one simulated data set, record ranks and intervals."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

from _validation_job import job_settings
from marginalia.model.validation import fit_dataset
from marginalia.runner import run
from marginalia.tables import read_table, write_json

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    settings, val = job_settings(snakemake)
    study, dataset = snakemake.wildcards.study, int(snakemake.wildcards.dataset)
    truth = json.loads(Path(snakemake.input.truth).read_text(encoding="utf-8"))
    records, info = fit_dataset(
        read_table(snakemake.input.data),
        truth,
        settings,
        val,
        seed=val.seed + 1000 * val.studies.index(study) + dataset,
        cores=snakemake.threads,
    )
    for r in records:
        r.update(study=study, dataset=dataset)
    write_json(snakemake.output.fit, {"info": info, "records": records})


run(main, snakemake.log[0])
