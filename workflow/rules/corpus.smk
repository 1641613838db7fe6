# Stage 1, corpus: pull abstracts per source, then merge, deduplicate and shard.


rule fetch_source:
    input:
        source_input,
    output:
        records="results/corpus/sources/{source}.jsonl",
    log:
        "logs/fetch_source/{source}.log",
    benchmark:
        "results/benchmarks/fetch_source/{source}.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=60,
        arxiv_api=arxiv_slots,
    params:
        source=source_config,
        http=config["corpus"]["http"],
    script:
        "../scripts/fetch_source.py"


checkpoint merge_corpus:
    input:
        sources=source_outputs(),
    output:
        parquet="results/corpus/papers.parquet",
        csv="results/corpus/papers.csv",
    log:
        "logs/merge_corpus/merge_corpus.log",
    benchmark:
        "results/benchmarks/merge_corpus/merge_corpus.tsv"
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        shards=config["corpus"]["shards"],
        order=source_names(),
        # beside the outputs, written by content (not outputs: Snakemake would delete them
        # before the job); extract_shard reads them after this checkpoint
        shard_dir=SHARD_CORPUS_DIR,
    script:
        "../scripts/merge_corpus.py"
