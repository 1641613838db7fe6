"""benchmarks/synthetic_corpus.py: deterministic, and its planted comparisons are extracted."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from synthetic_corpus import check, generate  # noqa: E402


def test_same_seed_same_corpus_other_seed_other_corpus():
    a, pa = generate(50, seed=3)
    b, pb = generate(50, seed=3)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(pa, pb)
    c, _ = generate(50, seed=4)
    assert not a["abstract"].equals(c["abstract"])
    assert a["paper_id"].is_unique and set(pa["paper_id"]) <= set(a["paper_id"])
    assert pa["delta"].ne(0).all() and set(pa["hedge"]) <= {"none", "marginal", "strong"}


def test_the_extractor_finds_the_planted_comparisons_and_not_the_prior_work():
    corpus, planted = generate(300, seed=7)
    report = check(corpus, planted)
    assert report["planted"] == len(planted) > 300
    assert report["recall"] >= 0.95
    assert report["benchmark_linked_of_found"] >= 0.95
    assert report["prior_work_numbers_as_own"] == 0


@pytest.mark.slow
def test_the_scale_configs_lay_over_the_main_config(tmp_path):
    """benchmarks/synthetic.yaml (the generated corpus as the only source) and config/large.yaml
    (the model settings for large corpora) pass the schema laid over config/config.yaml, and
    the dry run plans every stage for the synthetic papers."""
    import shutil
    import subprocess
    import sys

    from wf import make_workdir, run_snakemake

    work = make_workdir(tmp_path, fast=False)
    subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "synthetic_corpus.py"),
            "--papers",
            "20",
            "--seed",
            "3",
            "--out",
            str(work / "syn"),
        ],
        check=True,
        capture_output=True,
    )
    # benchmarks/synthetic.yaml names ../syn/corpus.jsonl, relative to itself (a --configfile's
    # paths are): copied beside the working directory's syn/, it finds the papers there
    (work / "benchmarks").mkdir()
    shutil.copy(REPO / "benchmarks" / "synthetic.yaml", work / "benchmarks" / "synthetic.yaml")
    proc = run_snakemake(
        work,
        "-n",
        "--configfile",
        "benchmarks/synthetic.yaml",
        str(REPO / "config" / "large.yaml"),
    )
    for rule in ("fetch_source", "merge_corpus", "fit_model", "report"):
        assert rule in proc.stdout, rule
