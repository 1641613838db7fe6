# Target `evaluate`: score extraction against hand-annotated gold files (../shared/eval format).


rule evaluate_extraction:
    input:
        effects=out("effects.parquet"),
        papers=out("papers.parquet"),
        benchmarks=config["extract"]["benchmarks"],
        gold_effects=f"{config['evaluation']['gold_dir']}/gold_effects.jsonl",
        gold_papers=f"{config['evaluation']['gold_dir']}/gold_papers.jsonl",
    output:
        json=out("evaluation/extraction.json"),
        md=report(
            out("evaluation/extraction.md"),
            caption="../report/evaluation.rst",
            category="Evaluation",
        ),
    log:
        out("logs/evaluate_extraction/evaluate_extraction.log"),
    conda:
        CONDA_ENV
    resources:
        mem_mb=1000,
        runtime=10,
    script:
        "../scripts/evaluate_extraction.py"


rule evaluate:
    default_target: False
    input:
        rules.evaluate_extraction.output,
