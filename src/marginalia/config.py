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
import difflib
import os
import re
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
    errors = _ordered(validator.iter_errors(merged))
    if errors:
        raise MarginaliaError(describe_error(errors[0], (section,)))
    return merged


# --------------------------------------------------------------------------- whole-config check

#: how many problems a config error lists (the rest are counted)
MAX_CONFIG_ERRORS = 3


def _ordered(errors) -> list[jsonschema.ValidationError]:
    return sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])


def key_path(parts) -> str:
    """``corpus.sources[0].name`` from ("corpus", "sources", 0, "name")."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not re.fullmatch(r"[A-Za-z0-9_-]+", str(part)):
            out += f"[{str(part)!r}]"  # a key with spaces, dots or line breaks, as a literal
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _closest(word: str, choices) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def describe_error(err: jsonschema.ValidationError, prefix: tuple = ()) -> str:
    """One line for one schema error: the key path, what was expected, the closest valid key."""
    parts = (*prefix, *err.absolute_path)
    kind = err.validator
    if kind == "additionalProperties" and isinstance(err.instance, Mapping):
        props = err.schema.get("properties", {})
        unknown = sorted(str(k) for k in err.instance if k not in props)
        known = ", ".join(sorted(props)) or "none"
        others = ", ".join(repr(u) for u in unknown[1:])
        also = f"; also unknown: {others}" if others else ""
        return (
            f"config key {key_path((*parts, unknown[0]))}: unknown key"
            f"{_closest(unknown[0], props)} (valid keys here: {known}){also}"
        )
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in err.validator_value)
        return (
            f"config key {key_path(parts)}: {_short(err.instance)} is not allowed"
            f"{_closest(err.instance, err.validator_value)} (expected one of {allowed})"
        )
    if kind == "type":
        expected = err.validator_value
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return (
            f"config key {key_path(parts)}: expected {expected}, got {_short(err.instance)} "
            f"({type(err.instance).__name__})"
        )
    if kind == "required":
        return f"config key {key_path(parts)}: {err.message}"
    if kind == "pattern":
        hint = err.schema.get("x-hint") or f"the pattern {err.validator_value!r}"
        return f"config key {key_path(parts)}: {_short(err.instance)} is not {hint}"
    message = err.message if len(err.message) <= 160 else err.message[:157] + "..."
    return f"config key {key_path(parts)}: {message}"


@cache
def _config_validator() -> jsonschema.Draft202012Validator:
    """The validator of the whole config (config.schema.yaml and its sections, linked by
    file name as Snakemake links them)."""
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resources = [
        (path.name, Resource.from_contents(section_schema(path.name.split(".")[0]), DRAFT202012))
        for path in sorted(SCHEMA_DIR.glob("*.schema.yaml"))
    ]
    return jsonschema.Draft202012Validator(
        section_schema("config"), registry=Registry().with_resources(resources)
    )


def schema_problems(config: Mapping[str, Any]) -> list[str]:
    """Every schema error of the whole config, one line each, the outermost keys first (an
    unknown section hides nothing below it)."""
    return [describe_error(e) for e in _ordered(_config_validator().iter_errors(dict(config)))]


def validate_config(config: Mapping[str, Any]) -> None:
    """Check the whole config against its schema before Snakemake's own validation (which dumps
    the whole config and schema, some 500 lines, around the one line that matters): raises
    MarginaliaError with at most :data:`MAX_CONFIG_ERRORS` lines, each naming the key, what
    was expected and the closest valid key."""
    problems = schema_problems(config)
    if not problems:
        return
    shown = problems[:MAX_CONFIG_ERRORS]
    more = len(problems) - len(shown)
    tail = f"\n  (and {more} more)" if more else ""
    head = (
        "the configuration has an error"
        if len(problems) == 1
        else (f"the configuration has {len(problems)} errors")
    )
    raise MarginaliaError(
        f"{head} (config/config.yaml and any --configfile; every key is described in "
        "config/README.md):\n  " + "\n  ".join(shown) + tail
    )


#: config keys that hold a path (besides each source's ``path`` and ``ids_file``)
PATH_KEYS = (("corpus", "http", "cache_dir"), ("extract", "benchmarks"), ("evaluation", "gold_dir"))
SOURCE_PATH_KEYS = ("path", "ids_file")


def _relative(value: Any, base: Path, workdir: Path) -> Any:
    if not isinstance(value, str) or not value or Path(value).is_absolute():
        return value
    return os.path.relpath(base / value, workdir)


def resolve_config_paths(
    config: dict, configfiles: list[str | Path], workdir: str | Path = "."
) -> None:
    """Make the paths a ``--configfile`` sets relative to that file's folder, in place.

    Snakemake lays the files over each other (the last that sets a key wins; a list such as
    ``corpus.sources`` is replaced whole), so for every path key the file that set it last
    decides its folder. The result is rewritten relative to the working directory, so a config
    file works from any directory. ``outdir`` stays relative to the working directory (a run's
    outputs never leave it); config/config.yaml, read through the Snakefile's ``configfile:``,
    is not among ``configfiles`` and keeps its paths relative to the working directory.
    """
    wd = Path(workdir).resolve()
    for name in configfiles:
        path = Path(name).resolve()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            continue  # Snakemake reports a config file it cannot read
        if not isinstance(data, Mapping):
            continue
        base = path.parent
        for keys in PATH_KEYS:
            node: Any = data
            for key in keys:
                node = node.get(key) if isinstance(node, Mapping) else None
            if node is None:
                continue
            target: Any = config
            for key in keys[:-1]:
                target = target.get(key) if isinstance(target, dict) else None
            if isinstance(target, dict) and keys[-1] in target:
                target[keys[-1]] = _relative(node, base, wd)
        given_corpus, merged_corpus = data.get("corpus"), config.get("corpus")
        sources = given_corpus.get("sources") if isinstance(given_corpus, Mapping) else None
        merged = merged_corpus.get("sources") if isinstance(merged_corpus, dict) else None
        if isinstance(sources, list) and isinstance(merged, list) and len(sources) == len(merged):
            for given, src in zip(sources, merged, strict=True):
                if isinstance(given, Mapping) and isinstance(src, dict):
                    for key in SOURCE_PATH_KEYS:
                        if key in given and key in src:
                            src[key] = _relative(given[key], base, wd)


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
