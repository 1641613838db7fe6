# Stage 2, extract: comparisons and hedges per shard, then gathered into two tables.


rule extract_shard:
    input:
        corpus=shard_corpus,
        benchmarks=config["extract"]["benchmarks"],
    output:
        effects=out("extract/shards/{shard}.effects.parquet"),
        papers=out("extract/shards/{shard}.papers.parquet"),
    log:
        out("logs/extract_shard/{shard}.log"),
    benchmark:
        out("benchmarks/extract_shard/{shard}.tsv")
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=30,
    script:
        "../scripts/extract_shard.py"


rule gather_extractions:
    input:
        effects=shard_outputs("effects"),
        papers=shard_outputs("papers"),
    output:
        effects=report(
            out("effects.parquet"),
            caption="../report/effects.rst",
            category="Extraction",
        ),
        effects_csv=out("effects.csv"),
        papers=out("papers.parquet"),
        papers_csv=report(
            out("papers.csv"),
            caption="../report/papers.rst",
            category="Extraction",
        ),
    log:
        out("logs/gather_extractions/gather_extractions.log"),
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/gather_extractions.py"
