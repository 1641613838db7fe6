# marginalia: how big are the improvements reported in machine-learning papers, really?
# This file is an index. Stages live in workflow/rules, logic in src/marginalia.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config/config.yaml"


# common.smk checks the config (short errors naming the key) and fills the schema's defaults
include: "workflow/rules/common.smk"
include: "workflow/rules/corpus.smk"
include: "workflow/rules/extract.smk"
include: "workflow/rules/model.smk"
include: "workflow/rules/power.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/evaluate.smk"


rule all:
    default_target: True
    input:
        final_outputs(),


# the answer in the terminal: a few lines from the finished run's outputs (also `python -m
# marginalia summary`); only when the report exists, i.e. the run went that far
onsuccess:
    print_summary(OUTDIR)
