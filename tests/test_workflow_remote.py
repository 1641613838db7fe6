"""Real Snakemake run mixing a local file source with two remote sources served locally.

The remote sources read recorded arXiv and OpenAlex responses (../shared/fixtures/http) from a
pytest-httpserver; the run must merge and deduplicate them, a rerun in offline mode must work
from the cache alone, and a failing source must leave no output behind.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from werkzeug import Request
from werkzeug import Response as WResponse

from wf import snakemake_command

REPO = Path(__file__).resolve().parents[1]
ATOM = "application/atom+xml; charset=utf-8"

pytestmark = pytest.mark.slow

PROCEEDINGS = "Proceedings of Workshop AEW10: Concepts in Information Theory and Communications"


def snakemake(workdir: Path, configfile: Path) -> subprocess.CompletedProcess:
    cmd = snakemake_command(workdir, "results/corpus/papers.csv", "--configfile", str(configfile))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=workdir)


def describe(proc: subprocess.CompletedProcess) -> str:
    return (
        f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout[-4000:]}\n"
        f"--- stderr ---\n{proc.stderr[-6000:]}"
    )


def write_config(path: Path, sources: list[dict], **http) -> Path:
    settings = {
        "contact": "tests@marginalia.example",
        "timeout": 10,
        "retries": 1,
        "backoff": 0.1,
        "max_backoff": 1,
        "min_interval": 0,
        "cache_dir": "resources/http-cache",
        "offline": False,
        "refresh": False,
        **http,
    }
    config = {"corpus": {"sources": sources, "shards": 2, "http": settings}}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    (work / "config").mkdir(parents=True)
    shutil.copy(REPO / "config" / "config.yaml", work / "config" / "config.yaml")
    registry = REPO / "config" / "benchmarks.yaml"
    if registry.is_file():
        shutil.copy(registry, work / "config" / "benchmarks.yaml")
    else:
        (work / "config" / "benchmarks.yaml").write_text("benchmarks: {}\n")
    local = [
        {
            "title": PROCEEDINGS,
            "abstract": "A local copy of the proceedings.",
            "arxiv_id": "1707.08567",
        },
        {"title": "A local paper", "abstract": "We improve accuracy by 2%.", "year": 2024},
    ]
    (work / "papers.jsonl").write_text("".join(json.dumps(r) + "\n" for r in local))
    return work


def test_file_and_remote_sources_merge_cache_and_fail_cleanly(
    httpserver, http_fixtures, workdir, tmp_path
):
    arxiv_ok = (http_fixtures / "arxiv/query_id_list_0808.05394_1707.08567.xml").read_bytes()
    arxiv_400 = (http_fixtures / "arxiv/query_id_list_abc_error400.xml").read_bytes()
    works = (
        http_fixtures / "openalex/works_filter_title.search_augmenting_llms_chemistry_tools.json"
    ).read_bytes()

    def arxiv(request: Request) -> WResponse:
        if request.args.get("id_list") == "abc":
            return WResponse(arxiv_400, status=400, headers={"Content-Type": ATOM})
        return WResponse(arxiv_ok, headers={"Content-Type": ATOM})

    httpserver.expect_request("/arxiv/api/query").respond_with_handler(arxiv)
    httpserver.expect_request("/openalex/works").respond_with_data(
        works, content_type="application/json"
    )
    sources = [
        {"name": "local", "type": "file", "path": "papers.jsonl"},
        {
            "name": "arx",
            "type": "arxiv",
            "ids": ["1707.08567v1", "0808.05394"],
            "base_url": httpserver.url_for("/arxiv/api"),
            "min_interval": 0,
        },
        {
            "name": "oa",
            "type": "openalex",
            "filter": "title.search:Augmenting large language models with chemistry tools",
            "base_url": httpserver.url_for("/openalex"),
        },
    ]

    # 1. online: fetch, merge, deduplicate
    proc = snakemake(workdir, write_config(workdir / "online.yaml", sources))
    assert proc.returncode == 0, describe(proc)
    corpus = pd.read_parquet(workdir / "results/corpus/papers.parquet")
    assert list(corpus["paper_id"]) == [
        "arxiv:1707.08567",
        corpus["paper_id"][1],
        "doi:10.1038/s42256-024-00832-8",
        "arxiv:2304.05376",
    ]
    assert corpus["paper_id"][1].startswith("title:")
    assert list(corpus["source"]) == ["local", "local", "oa", "oa"]
    assert (corpus["arxiv_id"] == "1707.08567").sum() == 1  # in the file and on arXiv: once
    assert corpus.loc[0, "year"] == 2017  # borrowed from the arXiv record
    assert set(corpus["shard"]) <= {0, 1}
    csv = pd.read_csv(workdir / "results/corpus/papers.csv")
    assert list(csv["paper_id"]) == list(corpus["paper_id"])
    arx = [json.loads(x) for x in (workdir / "results/corpus/sources/arx.jsonl").open()]
    assert [r["arxiv_id"] for r in arx] == ["1707.08567"]
    log = (workdir / "results/logs/fetch_source/arx.log").read_text()
    assert "1 of 2 requested arXiv ids not found: 0808.05394" in log
    assert "batch 1/1: 2 ids -> 1 papers" in log
    sent = len(httpserver.log)
    assert sent == 2
    assert len(list((workdir / "resources/http-cache").rglob("*.json"))) == 2

    # 2. offline: the params changed, so both remote sources run again, from the cache only
    proc = snakemake(workdir, write_config(workdir / "offline.yaml", sources, offline=True))
    assert proc.returncode == 0, describe(proc)
    assert len(httpserver.log) == sent
    assert "served from the cache" in (workdir / "results/logs/fetch_source/oa.log").read_text()
    again = pd.read_parquet(workdir / "results/corpus/papers.parquet")
    pd.testing.assert_frame_equal(again, corpus)

    # 3. a source that fails (arXiv rejects an id): clear message, no output for it
    bad = {
        "name": "bad",
        "type": "arxiv",
        "ids": ["abc"],
        "base_url": httpserver.url_for("/arxiv/api"),
        "min_interval": 0,
    }
    proc = snakemake(workdir, write_config(workdir / "bad.yaml", [*sources, bad]))
    assert proc.returncode != 0
    assert not (workdir / "results/corpus/sources/bad.jsonl").exists()
    bad_log = (workdir / "results/logs/fetch_source/bad.log").read_text()
    assert "corpus source 'bad' (arxiv): arXiv rejected the request (id 'abc')" in bad_log
    assert not list((workdir / "resources/http-cache").rglob("*.tmp"))
    assert len(list((workdir / "resources/http-cache").rglob("*.json"))) == 2
