"""Shared test fixtures: paths to the repository and to ../shared (skipped where absent)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Adapter scripts import workflow/scripts/_marginalia_path (Snakemake puts that folder on
# sys.path for script jobs; tests that run the adapters with runpy need the same).
sys.path.insert(0, str(REPO / "workflow" / "scripts"))
SHARED = REPO.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(scope="session")
def repo_dir() -> Path:
    return REPO


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent: these tests read the team's shared fixtures")
    return SHARED


@pytest.fixture(scope="session")
def http_fixtures(shared_dir: Path) -> Path:
    path = shared_dir / "fixtures" / "http"
    if not path.is_dir():
        pytest.skip(f"{path} is absent: recorded HTTP responses are not available")
    return path


@pytest.fixture(scope="session")
def corpus_path() -> Path:
    return REPO / "config" / "corpus" / "hf-trending-marginal.txt"
