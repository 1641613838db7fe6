"""What every validate_model job reads first: its model and validation settings."""

import _marginalia_path  # noqa: F401  (src/ on sys.path; see that module)
from marginalia.model.calibration import study_settings
from marginalia.registry import load_registry


def job_settings(snakemake):
    """(ModelSettings with the registry's sigma_unknown prior, ValidationSettings) of a job."""
    registry = load_registry(snakemake.input.benchmarks)
    return study_settings(snakemake.params.model, snakemake.params.validation, registry)
