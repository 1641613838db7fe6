# Helpers shared by the stage files, named for what they return. No science here.
import sys
from pathlib import Path

# src/ is importable here even when marginalia is not pip-installed (job scripts do the same
# through workflow/scripts/_marginalia_path.py).
sys.path.insert(0, str(Path(workflow.basedir) / "src"))

from snakemake.utils import validate

from marginalia.config import (
    check_config,
    resolve_config_paths,
    source_by_name,
    validate_config,
)

# paths inside a --configfile are relative to that file (config/config.yaml's to the working
# directory); then our check (a few lines naming the key and the closest valid one), then
# Snakemake's own validation (which then passes) to fill in the schema's defaults
resolve_config_paths(config, getattr(workflow, "overwrite_configfiles", None) or [])
validate_config(config)
validate(config, str(Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"))
check_config(config)

#: every output of a run, its logs and Snakemake's timing files live under the config's outdir
#: (DESIGN.md "Runs kept apart"); the HTTP cache (corpus.http.cache_dir) stays shared
OUTDIR = config["outdir"].rstrip("/")


def out(path):
    """``path`` inside the run's output folder (wildcards kept)."""
    return f"{OUTDIR}/{path}"


wildcard_constraints:
    source=r"[A-Za-z0-9][A-Za-z0-9_-]*",
    shard=r"\d+",
    study=r"sbc|hedge_from_y|hedge_from_theta",
    dataset=r"\d+",


CONDA_ENV = "../../envs/marginalia.yaml"


def source_names():
    return [s["name"] for s in config["corpus"]["sources"]]


def source_outputs():
    return expand(out("corpus/sources/{source}.jsonl"), source=source_names())


def source_config(wildcards):
    return source_by_name(config, wildcards.source)


def source_input(wildcards):
    """Local files a source reads (so that editing them reruns the fetch)."""
    src = source_by_name(config, wildcards.source)
    files = [src[k] for k in ("path", "ids_file") if src.get(k)]
    return files


def arxiv_slots(wildcards):
    """1 for arXiv sources: with `resources: arxiv_api=1` in the profile, arXiv fetches run one
    at a time, as arXiv's terms ask (one connection at a time)."""
    return int(source_by_name(config, wildcards.source)["type"] == "arxiv")


SHARD_CORPUS_DIR = out("corpus/shards")


def shard_corpus(wildcards):
    """A shard's papers, written by the merge_corpus checkpoint only when they change: adding
    papers reruns only the shards they fall into (marginalia.corpus.shards)."""
    checkpoints.merge_corpus.get()
    return f"{SHARD_CORPUS_DIR}/{wildcards.shard}.parquet"


def shard_ids():
    return list(range(config["corpus"]["shards"]))


def shard_outputs(what):
    return expand(out("extract/shards/{shard}.{what}.parquet"), shard=shard_ids(), what=what)


def validation_fits():
    """One fit per simulated data set of every study of validate_model (config validation)."""
    from marginalia.model.validation import ValidationSettings

    val = ValidationSettings.from_config(config["validation"])
    return expand(
        out("validation/{study}/fits/{dataset}.json"),
        study=val.studies,
        dataset=range(val.n_datasets),
    )


def validation_design_input(wildcards):
    """The standardized effects when the simulations reuse the design of the data at hand."""
    if config["validation"].get("design", "data") == "data":
        return {"effects": out("model/effects_standardized.parquet")}
    return {}


def report_settings():
    """The configuration the report reads and shows (its provenance section): the keys that
    decide the results. corpus.http (timeouts, retries, cache), evaluation and validation
    change no number in the report, so changing them does not rerun it."""
    corpus = {k: config["corpus"][k] for k in ("sources", "shards")}
    shown = ("extract", "standardize", "model", "power", "report")
    return {"corpus": corpus, **{k: config[k] for k in shown}}


def final_outputs():
    return [
        out("corpus/papers.csv"),
        out("effects.csv"),
        out("papers.csv"),
        out("model/effects_standardized.csv"),
        out("model/diagnostics.json"),
        out("model/sensitivity.csv"),
        out("model/checks.csv"),
        out("power.csv"),
        out("power_summary.csv"),
        out("report.html"),
    ]


def print_summary(outdir):
    """The few-line summary of the run in ``outdir`` (marginalia.report.summary), when its
    report exists; a problem reading it is a warning, never a failed run."""
    from marginalia.report.summary import run_summary

    if not (Path(outdir) / "report.html").is_file():
        return
    try:
        print(f"\n{run_summary(outdir)}", flush=True)
    except Exception as exc:  # a summary must not turn a finished run into a failed one
        print(f"(no summary: {exc})", file=sys.stderr)
