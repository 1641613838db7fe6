# Stage 6, report: one self-contained HTML file, regenerated whenever an input changes.


rule render_report:
    input:
        corpus=out("corpus/papers.parquet"),
        effects=out("effects.parquet"),
        papers=out("papers.parquet"),
        standardized=out("model/effects_standardized.parquet"),
        summary=out("model/summary.csv"),
        hedge_classes=out("model/hedge_classes.csv"),
        comparisons=out("model/comparisons.csv"),
        loo=out("model/loo.csv"),
        sensitivity=out("model/sensitivity.csv"),
        checks=out("model/checks.csv"),
        diagnostics=out("model/diagnostics.json"),
        power=out("power.parquet"),
        power_summary=out("power_summary.csv"),
    output:
        html=report(out("report.html"), caption="../report/report.rst", category="Report"),
    log:
        out("logs/render_report/render_report.log"),
    benchmark:
        out("benchmarks/render_report/render_report.tsv")
    conda:
        CONDA_ENV
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        settings=report_settings(),
    script:
        "../scripts/render_report.py"
