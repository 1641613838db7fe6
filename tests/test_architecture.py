"""Architecture contracts (issue 9): layers, no cycles, module size, narrow rule parameters."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "marginalia"
MAX_LINES = 700
DATA_MODULES = {"lexicon.py", "hedge_lexicon.py"}  # pure data tables may be longer


def test_import_contracts_hold(repo_dir):
    """lint-imports (import-linter) checks the contracts in pyproject.toml."""
    exe = Path(sys.executable).parent / "lint-imports"
    cmd = [str(exe)] if exe.exists() else [shutil.which("lint-imports") or "lint-imports"]
    out = subprocess.run(cmd, cwd=repo_dir, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "BROKEN" not in out.stdout


def test_no_module_is_too_long():
    long = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if p.name not in DATA_MODULES and (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, f"split these modules by topic: {long}"


def test_library_never_imports_snakemake():
    for p in SRC.rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+snakemake\b", p.read_text(), re.M), p


@pytest.mark.parametrize("rules", sorted((SRC.parents[1] / "workflow" / "rules").glob("*.smk")))
def test_no_rule_receives_the_whole_config(rules):
    text = rules.read_text()
    assert not re.search(r"=\s*config\s*,?\s*$", text, re.M), f"{rules.name} passes all of config"


def test_test_only_code_is_not_in_the_package():
    assert not (SRC / "report" / "synthetic.py").exists()
