# Stages 3 and 4: standardize effects onto model scales, fit the hierarchical model.


rule standardize_effects:
    input:
        effects="results/effects.parquet",
        papers="results/papers.parquet",
        benchmarks=config["extract"]["benchmarks"],
    output:
        parquet="results/model/effects_standardized.parquet",
        csv="results/model/effects_standardized.csv",
    log:
        "logs/standardize_effects/standardize_effects.log",
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        standardize=config["standardize"],
    script:
        "../scripts/standardize_effects.py"


rule fit_model:
    input:
        effects="results/model/effects_standardized.parquet",
        benchmarks=config["extract"]["benchmarks"],
    output:
        posterior="results/model/posterior.nc",
        summary=report(
            "results/model/summary.csv", caption="../report/summary.rst", category="Model"
        ),
        hedge_classes=report(
            "results/model/hedge_classes.csv",
            caption="../report/hedge_classes.rst",
            category="Model",
        ),
        comparisons="results/model/comparisons.csv",
        loo="results/model/loo.csv",
        sensitivity="results/model/sensitivity.csv",
        checks="results/model/checks.csv",
        diagnostics="results/model/diagnostics.json",
    log:
        "logs/fit_model/fit_model.log",
    benchmark:
        "results/benchmarks/fit_model/fit_model.tsv"
    conda:
        CONDA_ENV
    threads: 4
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        model=config["model"],
    script:
        "../scripts/fit_model.py"


rule validate_model:
    output:
        coverage=report(
            "results/validation/model_coverage.csv",
            caption="../report/model_coverage.rst",
            category="Model validation",
        ),
    log:
        "logs/validate_model/validate_model.log",
    benchmark:
        "results/benchmarks/validate_model/validate_model.tsv"
    conda:
        CONDA_ENV
    threads: 4
    resources:
        mem_mb=4000,
        runtime=240,
    params:
        model=config["model"],
        validation=config["validation"],
    script:
        "../scripts/validate_model.py"
