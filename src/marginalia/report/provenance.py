"""Where the report came from: configuration, package versions, corpus hash, time."""

from __future__ import annotations

import hashlib
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata

import pandas as pd
import yaml

from marginalia.report.values import records
from marginalia.values import text

__all__ = ["PACKAGES", "corpus_hash", "package_versions", "config_yaml", "provenance"]

PACKAGES = (
    "marginalia",
    "snakemake",
    "pymc",
    "pytensor",
    "arviz",
    "nutpie",
    "pandas",
    "numpy",
    "matplotlib",
    "jinja2",
)

CORPUS_HASH_DEFINITION = (
    "sha256 of the UTF-8 text formed by one line per paper, sorted by paper_id: "
    "paper_id, a tab, the abstract with newlines replaced by spaces, a newline"
)


def corpus_hash(corpus: pd.DataFrame) -> str | None:
    """sha256 over the sorted (paper_id, abstract) pairs; None without a corpus."""
    if corpus.empty or "paper_id" not in corpus.columns:
        return None
    pairs = sorted(
        (
            text(r.get("paper_id"), strip=False),
            text(r.get("abstract"), strip=False).replace("\n", " ").replace("\r", " "),
        )
        for r in records(corpus)
    )
    h = hashlib.sha256()
    for pid, abstract in pairs:
        h.update(f"{pid}\t{abstract}\n".encode())
    return h.hexdigest()


def package_versions(names: tuple[str, ...] = PACKAGES) -> list[tuple[str, str]]:
    out = []
    for name in names:
        try:
            out.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            out.append((name, "not installed"))
    return out


def config_yaml(config: dict) -> str:
    return yaml.safe_dump(_plain(config), sort_keys=False, allow_unicode=True, width=100)


def _plain(obj):
    """Snakemake's config may hold non-plain mappings/sequences; make it YAML-safe."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, str | int | float | bool) or obj is None:
        return obj
    if hasattr(obj, "items"):
        return {str(k): _plain(v) for k, v in obj.items()}
    return str(obj)


def provenance(corpus: pd.DataFrame, config: dict, now: datetime | None = None) -> dict:
    now = now or datetime.now(UTC)
    return {
        "generated_at": now.isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "versions": package_versions(),
        "corpus_hash": corpus_hash(corpus),
        "corpus_hash_definition": CORPUS_HASH_DEFINITION,
        "corpus_papers": len(corpus),
        "config_yaml": config_yaml(config),
    }
