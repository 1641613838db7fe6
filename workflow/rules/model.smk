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
        holdout="results/model/holdout.nc",
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


# validate_model (`make validate-model`): simulate -> fit -> check, one job per data set.


rule validation_design:
    input:
        unpack(validation_design_input),
        benchmarks=config["extract"]["benchmarks"],
    output:
        design="results/validation/design.parquet",
    log:
        "logs/validate_model/design.log",
    conda:
        CONDA_ENV
    params:
        model=config["model"],
        validation=config["validation"],
    script:
        "../scripts/validation_design.py"


rule simulate_dataset:
    input:
        design="results/validation/design.parquet",
        benchmarks=config["extract"]["benchmarks"],
    output:
        data="results/validation/{study}/data/{dataset}.parquet",
        truth="results/validation/{study}/data/{dataset}.truth.json",
    log:
        "logs/validate_model/{study}/simulate_{dataset}.log",
    conda:
        CONDA_ENV
    params:
        model=config["model"],
        validation=config["validation"],
    script:
        "../scripts/simulate_dataset.py"


rule fit_simulated:
    input:
        data="results/validation/{study}/data/{dataset}.parquet",
        truth="results/validation/{study}/data/{dataset}.truth.json",
        benchmarks=config["extract"]["benchmarks"],
    output:
        fit="results/validation/{study}/fits/{dataset}.json",
    log:
        "logs/validate_model/{study}/fit_{dataset}.log",
    conda:
        CONDA_ENV
    threads: 1
    resources:
        mem_mb=1500,
        runtime=20,
    params:
        model=config["model"],
        validation=config["validation"],
    script:
        "../scripts/fit_simulated.py"


rule validate_model:
    input:
        fits=validation_fits(),
    output:
        coverage=report(
            "results/validation/model_coverage.csv",
            caption="../report/model_coverage.rst",
            category="Model validation",
        ),
        sbc="results/validation/sbc.csv",
        misspecification="results/validation/misspecification.csv",
        figure="results/validation/sbc_ecdf.svg",
        records="results/validation/records.csv",
    log:
        "logs/validate_model/validate_model.log",
    conda:
        CONDA_ENV
    params:
        model=config["model"],
    script:
        "../scripts/validate_model.py"
