# Stage 1, corpus: pull abstracts per source, then merge, deduplicate and shard.


rule fetch_source:
    input:
        source_input,
    output:
        records=out("corpus/sources/{source}.jsonl"),
    log:
        out("logs/fetch_source/{source}.log"),
    benchmark:
        out("benchmarks/fetch_source/{source}.tsv")
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
        parquet=out("corpus/papers.parquet"),
        csv=out("corpus/papers.csv"),
    log:
        out("logs/merge_corpus/merge_corpus.log"),
    benchmark:
        out("benchmarks/merge_corpus/merge_corpus.tsv")
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
