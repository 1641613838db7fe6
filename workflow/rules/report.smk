# Stage 6, report: one self-contained HTML file, regenerated whenever an input changes.


rule render_report:
    input:
        corpus="results/corpus/papers.parquet",
        effects="results/effects.parquet",
        papers="results/papers.parquet",
        standardized="results/model/effects_standardized.parquet",
        summary="results/model/summary.csv",
        hedge_classes="results/model/hedge_classes.csv",
        comparisons="results/model/comparisons.csv",
        loo="results/model/loo.csv",
        sensitivity="results/model/sensitivity.csv",
        checks="results/model/checks.csv",
        diagnostics="results/model/diagnostics.json",
        power="results/power.parquet",
        power_summary="results/power_summary.csv",
    output:
        html=report("results/report.html", caption="../report/report.rst", category="Report"),
    log:
        "logs/render_report/render_report.log",
    benchmark:
        "results/benchmarks/render_report/render_report.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        settings=report_settings(),
    script:
        "../scripts/render_report.py"
