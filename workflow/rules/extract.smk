# Stage 2, extract: comparisons and hedges per shard, then gathered into two tables.


rule extract_shard:
    input:
        corpus=shard_corpus,
        benchmarks=config["extract"]["benchmarks"],
    output:
        effects="results/extract/shards/{shard}.effects.parquet",
        papers="results/extract/shards/{shard}.papers.parquet",
    log:
        "logs/extract_shard/{shard}.log",
    benchmark:
        "results/benchmarks/extract_shard/{shard}.tsv"
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
            "results/effects.parquet",
            caption="../report/effects.rst",
            category="Extraction",
        ),
        effects_csv="results/effects.csv",
        papers="results/papers.parquet",
        papers_csv=report(
            "results/papers.csv",
            caption="../report/papers.rst",
            category="Extraction",
        ),
    log:
        "logs/gather_extractions/gather_extractions.log",
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/gather_extractions.py"
