# Stage 5, power: design analysis of every comparison with a known standard error.


rule analyze_power:
    input:
        effects="results/model/effects_standardized.parquet",
        comparisons="results/model/comparisons.csv",
        summary="results/model/summary.csv",
        diagnostics="results/model/diagnostics.json",
        holdout="results/model/holdout.nc",
        papers="results/papers.parquet",
        benchmarks=config["extract"]["benchmarks"],
    output:
        parquet="results/power.parquet",
        csv=report("results/power.csv", caption="../report/power.rst", category="Power"),
        summary=report(
            "results/power_summary.csv", caption="../report/power_summary.rst", category="Power"
        ),
    log:
        "logs/analyze_power/analyze_power.log",
    conda:
        CONDA_ENV
    threads: 2
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        power=config["power"],
    script:
        "../scripts/analyze_power.py"
