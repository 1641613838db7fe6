"""Packaging contracts: pins without URLs, the conda env mirrors the lock, config documented."""

from __future__ import annotations

import re
import tomllib

import yaml

from marginalia.configdoc import document

CONDA_NAMES = {"snakemake-minimal": "snakemake", "matplotlib-base": "matplotlib"}


def _lock(repo_dir, name="requirements.lock"):
    pins = {}
    for line in (repo_dir / name).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.+\-]+", line), line
        name, version = line.split("==")
        pins[name.lower().replace("_", "-")] = version
    return pins


def _runtime_deps(repo_dir):
    project = tomllib.loads((repo_dir / "pyproject.toml").read_text())["project"]
    names = set()
    for dep in project["dependencies"]:
        names.add(re.split(r"[<>=!~\[ ;]", dep, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_lock_pins_name_version_only(repo_dir):
    text = (repo_dir / "requirements.lock").read_text()
    assert "://" not in text and "--index" not in text and "--hash" not in text
    pins = _lock(repo_dir)
    assert _runtime_deps(repo_dir) <= set(pins), "every runtime dependency is pinned"


def test_mutation_tool_is_pinned_apart_from_the_lock(repo_dir):
    text = (repo_dir / "requirements-mutate.txt").read_text()
    assert "://" not in text and "--index" not in text
    extra = _lock(repo_dir, "requirements-mutate.txt")
    assert "mutmut" in extra
    # pinned beside the lock, never against it, and not installed by make test / CI
    lock = _lock(repo_dir)
    assert all(lock.get(name, version) == version for name, version in extra.items())
    assert "mutmut" not in lock


def test_conda_env_mirrors_the_lock(repo_dir):
    env = yaml.safe_load((repo_dir / "envs" / "marginalia.yaml").read_text())
    pins = _lock(repo_dir)
    conda = {}
    for dep in env["dependencies"]:
        name, version = dep.split("=", 1)
        conda[CONDA_NAMES.get(name, name)] = version
    assert conda.pop("python") == "3.12"
    assert set(conda) == _runtime_deps(repo_dir)
    for name, version in conda.items():
        assert pins[name] == version, f"{name}: env has {version}, lock has {pins[name]}"


def test_config_readme_is_generated_from_the_schema(repo_dir):
    text, missing = document(repo_dir / "workflow" / "schemas" / "config.schema.yaml")
    assert not missing, f"schema keys without description/default: {missing}"
    readme = (repo_dir / "config" / "README.md").read_text()
    assert readme == text, (
        "config/README.md is stale: run "
        "python -m marginalia.configdoc workflow/schemas/config.schema.yaml > config/README.md"
    )


def test_every_config_key_is_in_the_schema(repo_dir):
    """config/config.yaml sets no key the docs don't list."""
    text, _ = document(repo_dir / "workflow" / "schemas" / "config.schema.yaml")
    documented = set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.M))
    config = yaml.safe_load((repo_dir / "config" / "config.yaml").read_text())

    def keys(node, prefix=""):
        for k, v in node.items():
            name = f"{prefix}.{k}" if prefix else k
            yield name
            if isinstance(v, dict):
                yield from keys(v, name)
            elif isinstance(v, list) and v and isinstance(v[0], dict):
                for item in v:
                    yield from keys(item, name + "[]")

    undocumented = sorted(set(keys(config)) - documented)
    assert not undocumented


def test_make_help_lists_every_target_with_one_line(repo_dir):
    import shutil
    import subprocess

    if shutil.which("make") is None:
        import pytest

        pytest.skip("make is not installed")
    makefile = (repo_dir / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.M).group(1).split()
    out = subprocess.run(
        ["make", "-s", "-C", str(repo_dir), "help"], capture_output=True, text=True, check=True
    ).stdout
    listed = {line.split()[1]: line for line in out.splitlines() if line.startswith("make ")}
    assert set(phony) == set(listed), "every target has a '## ' line and nothing else is listed"
    assert all(len(line.split(None, 2)) == 3 for line in listed.values())  # a description each
