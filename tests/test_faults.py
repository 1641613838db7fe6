"""Faults mid-run (issue 13, item 3): the workflow killed while it fetches, with SIGKILL and with
SIGTERM to Snakemake's whole process group, then run again. Nothing half-written is taken as
complete, the response cache holds only whole entries, and the rerun gives the same corpus as a
run that was never interrupted. The API server fails every other request throughout, so the
corpus is also complete only because the retries work.

The workflow killed in the middle of the model stage is tested next to the default run it
reuses as its reference (tests/test_workflow.py,
``test_killed_while_fitting_then_rerun_gives_the_uninterrupted_tables``); every output is also
written atomically (tests/test_tables.py).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from werkzeug import Request
from werkzeug import Response as WResponse

from wf import in_own_group, kill_group, snakemake_command

REPO = Path(__file__).resolve().parents[1]
ATOM = "application/atom+xml; charset=utf-8"
FEED = "arxiv/query_search_all-transformer_AND_cat-cs.LG_start0_max5.xml"

pytestmark = pytest.mark.slow


def command(workdir: Path, *extra: str) -> list[str]:
    return snakemake_command(
        workdir, *extra, "results/corpus/papers.parquet", "--configfile", str(workdir / "run.yaml")
    )


def run(workdir: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(workdir, *extra), capture_output=True, text=True, timeout=300, cwd=workdir
    )


def describe(proc) -> str:
    return f"exit {proc.returncode}\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"


def make_workdir(root: Path, base_url: str) -> Path:
    work = root / "work"
    (work / "config").mkdir(parents=True)
    shutil.copy(REPO / "config/config.yaml", work / "config/config.yaml")
    shutil.copy(REPO / "config/benchmarks.yaml", work / "config/benchmarks.yaml")
    source = {
        "name": "arx",
        "type": "arxiv",
        "query": "all:transformer AND cat:cs.LG",
        "max_results": 5,
        "page_size": 5,
        "base_url": base_url,
        "min_interval": 0,
    }
    http = {
        "contact": "tests@marginalia.example",
        "timeout": 30,
        "retries": 4,
        "backoff": 0.05,
        "max_backoff": 0.2,
        "min_interval": 0,
        "cache_dir": "resources/http-cache",
    }
    config = {"corpus": {"sources": [source], "shards": 2, "http": http}}
    (work / "run.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return work


class FlakyArxiv:
    """Fails every other request with 503; while ``hold`` is set, a good answer waits until
    ``release`` (the test kills the workflow in between)."""

    def __init__(self, feed: bytes):
        self.feed, self.count = feed, 0
        self.hold, self.in_flight, self.release = False, threading.Event(), threading.Event()

    def __call__(self, request: Request) -> WResponse:
        self.count += 1
        if self.count % 2 == 1:
            return WResponse("busy", status=503, headers={"Retry-After": "0"})
        if self.hold:
            self.in_flight.set()
            self.release.wait(30)
        return WResponse(self.feed, headers={"Content-Type": ATOM})


def cache_entries(work: Path) -> list[Path]:
    return list((work / "resources/http-cache").rglob("*"))


def assert_cache_whole(work: Path) -> None:
    for path in cache_entries(work):
        if path.is_file():
            assert not path.name.endswith(".tmp"), f"a half-written cache file: {path}"
            entry = json.loads(path.read_text(encoding="utf-8"))  # parses: whole
            assert entry["status"] == 200


def test_killed_while_fetching_then_rerun_gives_the_uninterrupted_corpus(
    httpserver, http_fixtures, tmp_path
):
    server = FlakyArxiv((http_fixtures / FEED).read_bytes())
    httpserver.expect_request("/api/query").respond_with_handler(server)
    base_url = httpserver.url_for("/api")

    # the run nobody interrupts (the server still fails every other request)
    ref = make_workdir(tmp_path / "ref", base_url)
    proc = run(ref)
    assert proc.returncode == 0, describe(proc)
    expected = pd.read_parquet(ref / "results/corpus/papers.parquet")
    assert len(expected) == 5 and server.count >= 2  # one 503, then the feed

    for sig in (signal.SIGKILL, signal.SIGTERM):
        # the same run, killed while the answer is on its way
        work = make_workdir(tmp_path / sig.name, base_url)
        server.hold, server.count = True, 0
        server.in_flight.clear()
        server.release.clear()
        try:
            with in_own_group(command(work), work) as job:
                assert server.in_flight.wait(120), "the fetch never reached the server"
                kill_group(job, sig, timeout=60)
        finally:
            server.release.set()
            server.hold = False
        time.sleep(0.5)  # the held answer goes nowhere
        assert not (work / "results/corpus/sources/arx.jsonl").exists(), sig.name
        assert not (work / "results/corpus/papers.parquet").exists(), sig.name
        assert_cache_whole(work)

        proc = run(work)
        if sig == signal.SIGKILL:
            # a killed Snakemake cannot remove its lock: the rerun says so, --unlock lifts it
            assert proc.returncode != 0 and "unlock" in (proc.stdout + proc.stderr).lower()
            unlocked = run(work, "--unlock")
            assert unlocked.returncode == 0, describe(unlocked)
            proc = run(work)
        assert proc.returncode == 0, f"{sig.name}: {describe(proc)}"
        assert_cache_whole(work)
        got = pd.read_parquet(work / "results/corpus/papers.parquet")
        pd.testing.assert_frame_equal(got, expected)
