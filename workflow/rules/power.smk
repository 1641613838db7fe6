# Stage 5, power: design analysis of every comparison with a known standard error.


rule analyze_power:
    input:
        effects=out("model/effects_standardized.parquet"),
        comparisons=out("model/comparisons.csv"),
        summary=out("model/summary.csv"),
        diagnostics=out("model/diagnostics.json"),
        holdout=out("model/holdout.nc"),
        papers=out("papers.parquet"),
        benchmarks=config["extract"]["benchmarks"],
    output:
        parquet=out("power.parquet"),
        csv=report(out("power.csv"), caption="../report/power.rst", category="Power"),
        summary=report(
            out("power_summary.csv"), caption="../report/power_summary.rst", category="Power"
        ),
    log:
        out("logs/analyze_power/analyze_power.log"),
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
