"""Adapter for rule fit_model: standardized effects -> results/model/ (posterior, tables, gate)."""

import logging
from typing import TYPE_CHECKING

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.model.data import NO_EFFECTS
from marginalia.model.stage import OUTPUT_KEYS, run_model, write_outputs
from marginalia.registry import load_registry
from marginalia.runner import run
from marginalia.tables import read_table

if TYPE_CHECKING:
    from snakemake.script import snakemake


def main():
    effects = read_table(snakemake.input.effects)
    registry = load_registry(snakemake.input.benchmarks)
    result = run_model(effects, snakemake.params.model, cores=snakemake.threads, registry=registry)
    write_outputs(result, {key: snakemake.output[key] for key in OUTPUT_KEYS})
    reasons = "; ".join(result.diagnostics["reasons"])
    if result.diagnostics.get("status") == NO_EFFECTS:
        logging.getLogger("marginalia").warning("model skipped (outputs say why): %s", reasons)
    elif not result.ok:
        logging.getLogger("marginalia").warning(
            "model diagnostics FAILED (outputs written with ok=false): %s", reasons
        )


run(main, snakemake.log[0])
