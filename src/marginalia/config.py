"""Checks on the configuration that a JSON schema cannot express.

The schema (workflow/schemas/config.schema.yaml) validates types, keys and values first; this
adds cross-field rules and checks that named files exist, with messages naming the key.
"""

from __future__ import annotations

from pathlib import Path

from marginalia.errors import MarginaliaError


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
