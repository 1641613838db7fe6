# Stages 3 and 4: standardize effects onto model scales, fit the hierarchical model.


rule standardize_effects:
    input:
        effects=out("effects.parquet"),
        papers=out("papers.parquet"),
        benchmarks=config["extract"]["benchmarks"],
    output:
        parquet=out("model/effects_standardized.parquet"),
        csv=out("model/effects_standardized.csv"),
    log:
        out("logs/standardize_effects/standardize_effects.log"),
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
        effects=out("model/effects_standardized.parquet"),
        benchmarks=config["extract"]["benchmarks"],
    output:
        posterior=out("model/posterior.nc"),
        summary=report(out("model/summary.csv"), caption="../report/summary.rst", category="Model"),
        hedge_classes=report(
            out("model/hedge_classes.csv"),
            caption="../report/hedge_classes.rst",
            category="Model",
        ),
        comparisons=out("model/comparisons.csv"),
        loo=out("model/loo.csv"),
        sensitivity=out("model/sensitivity.csv"),
        checks=out("model/checks.csv"),
        diagnostics=out("model/diagnostics.json"),
        holdout=out("model/holdout.nc"),
    log:
        out("logs/fit_model/fit_model.log"),
    benchmark:
        out("benchmarks/fit_model/fit_model.tsv")
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
        design=out("validation/design.parquet"),
    log:
        out("logs/validate_model/design.log"),
    conda:
        CONDA_ENV
    params:
        model=config["model"],
        validation=config["validation"],
    script:
        "../scripts/validation_design.py"


rule simulate_dataset:
    input:
        design=out("validation/design.parquet"),
        benchmarks=config["extract"]["benchmarks"],
    output:
        data=out("validation/{study}/data/{dataset}.parquet"),
        truth=out("validation/{study}/data/{dataset}.truth.json"),
    log:
        out("logs/validate_model/{study}/simulate_{dataset}.log"),
    conda:
        CONDA_ENV
    params:
        model=config["model"],
        validation=config["validation"],
    script:
        "../scripts/simulate_dataset.py"


rule fit_simulated:
    input:
        data=out("validation/{study}/data/{dataset}.parquet"),
        truth=out("validation/{study}/data/{dataset}.truth.json"),
        benchmarks=config["extract"]["benchmarks"],
    output:
        fit=out("validation/{study}/fits/{dataset}.json"),
    log:
        out("logs/validate_model/{study}/fit_{dataset}.log"),
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
            out("validation/model_coverage.csv"),
            caption="../report/model_coverage.rst",
            category="Model validation",
        ),
        sbc=out("validation/sbc.csv"),
        misspecification=out("validation/misspecification.csv"),
        figure=out("validation/sbc_ecdf.svg"),
        records=out("validation/records.csv"),
    log:
        out("logs/validate_model/validate_model.log"),
    conda:
        CONDA_ENV
    params:
        model=config["model"],
    script:
        "../scripts/validate_model.py"
