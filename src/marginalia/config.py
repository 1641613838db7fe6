"""The configuration: one schema per section is the single source of defaults and checks.

The JSON schemas in ``marginalia/schemas/`` (``workflow/schemas`` links there; Snakemake
validates the whole config against ``config.schema.yaml`` before any job) hold every key's
type, range, description and default. Library code that is called without Snakemake reads the
same schema: :func:`section_settings` fills a section's defaults from it and validates it,
so no stage keeps a copy of its defaults or range checks. :func:`check_config` adds the
cross-field rules and file checks a schema cannot express, with messages naming the key.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from marginalia.errors import MarginaliaError

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"


@cache
def section_schema(section: str) -> dict[str, Any]:
    """The JSON schema of config section ``section`` (e.g. "power": power.schema.yaml)."""
    path = SCHEMA_DIR / f"{section}.schema.yaml"
    if not path.is_file():
        raise MarginaliaError(f"no schema for config section {section!r} ({path})")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def section_defaults(section: str) -> dict[str, Any]:
    """Every top-level key of ``section`` with its schema default (a fresh copy)."""
    props = section_schema(section).get("properties", {})
    return {k: copy.deepcopy(v["default"]) for k, v in props.items() if "default" in v}


def schema_default(section: str, *keys: str) -> Any:
    """The schema default of ``section.keys...`` (nested objects: their own properties)."""
    node = section_schema(section)
    for key in keys:
        try:
            node = node["properties"][key]
        except KeyError:
            raise MarginaliaError(f"config key {'.'.join((section, *keys))}: no schema") from None
    if "default" not in node:
        raise MarginaliaError(f"config key {'.'.join((section, *keys))}: no schema default")
    return copy.deepcopy(node["default"])


def section_settings(section: str, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Config section ``section`` with schema defaults filled in, validated by its schema.

    Raises MarginaliaError naming the first offending key (``power.alpha: 0.7 is greater than
    or equal to the maximum of 0.5``).
    """
    if given is None:
        given = {}
    if not isinstance(given, Mapping):
        raise MarginaliaError(f"config key {section}: expected a mapping of settings")
    merged = {**section_defaults(section), **dict(given)}
    validator = jsonschema.Draft202012Validator(section_schema(section))
    errors = sorted(validator.iter_errors(merged), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        path = ".".join([section, *(str(p) for p in err.absolute_path)])
        if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
            props = err.schema.get("properties", {})
            unknown = sorted(k for k in err.instance if k not in props)
            known = ", ".join(sorted(props))
            raise MarginaliaError(
                f"config key {path}.{unknown[0]}: unknown key; known keys: {known}"
            )
        raise MarginaliaError(f"config key {path}: {err.message}")
    return merged


def check_config(config: dict, workdir: str | Path = ".") -> None:
    workdir = Path(workdir)
    sources = config.get("corpus", {}).get("sources", [])
    seen: dict[str, int] = {}
    for i, src in enumerate(sources):
        key = f"corpus.sources[{i}]"
        name = src.get("name")
        if name in seen:
            raise MarginaliaError(
                f"config key {key}.name: source name {name!r} is already used by "
                f"corpus.sources[{seen[name]}]; every source needs a unique name"
            )
        seen[name] = i
        for field in ("path", "ids_file"):
            if src.get(field) and not (workdir / src[field]).is_file():
                raise MarginaliaError(
                    f"config key {key}.{field}: file {src[field]!r} does not exist "
                    f"(paths are relative to the working directory {str(workdir.resolve())!r})"
                )
    bench = config.get("extract", {}).get("benchmarks")
    if bench and not (workdir / bench).is_file():
        raise MarginaliaError(
            f"config key extract.benchmarks: benchmark registry {bench!r} does not exist"
        )


def source_by_name(config: dict, name: str) -> dict:
    for src in config["corpus"]["sources"]:
        if src["name"] == name:
            return src
    raise MarginaliaError(f"no source named {name!r} in config key corpus.sources")
