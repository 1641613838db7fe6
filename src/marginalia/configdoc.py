"""config/README.md is generated from the JSON schema, so the documentation cannot drift.

    python -m marginalia.configdoc workflow/schemas/config.schema.yaml > config/README.md

A test regenerates it and compares; it also fails if any key lacks a description or default.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HEADER = """# Configuration keys

Generated from `workflow/schemas/*.schema.yaml` by
`python -m marginalia.configdoc workflow/schemas/config.schema.yaml > config/README.md`;
do not edit by hand. The schema is checked at the start of every run: an unknown key, a wrong
type or a value out of range stops the run before any job, naming the key.

`config/config.yaml` is the default run (the embedded corpus, offline). To use your own
papers, copy it, edit `corpus.sources`, and run `snakemake --cores 4 --configfile my.yaml`.
Keys you leave out take the defaults below.
"""


def load_schema(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _resolve(node: dict, base: Path, root: dict) -> tuple[dict, Path, dict]:
    ref = node.get("$ref")
    if not ref:
        return node, base, root
    file_part, _, pointer = ref.partition("#")
    if file_part:
        path = base / file_part
        target_root = load_schema(path)
        target, new_base = target_root, path.parent
    else:
        target_root, target, new_base = root, root, base
    for part in [p for p in pointer.split("/") if p]:
        target = target[part]
    merged = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return merged, new_base, target_root


def _type(node: dict) -> str:
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    t = node.get("type", "any")
    if isinstance(t, list):
        t = " or ".join(t)
    if t == "array" and isinstance(node.get("items"), dict):
        inner = node["items"]
        t = f"list of {inner.get('type', 'object') if '$ref' not in inner else 'source'}"
    bounds = [
        f"{sym} {node[k]}"
        for k, sym in (
            ("minimum", ">="),
            ("exclusiveMinimum", ">"),
            ("maximum", "<="),
            ("exclusiveMaximum", "<"),
        )
        if k in node
    ]
    return t + (f" ({', '.join(bounds)})" if bounds else "")


def _default(node: dict) -> str:
    if "default" not in node:
        return "(required)" if node.get("_required") else "—"
    value = node["default"]
    if isinstance(value, dict | list) and value:
        return "see below" if isinstance(value, dict) else f"`{json.dumps(value)}`"
    return f"`{json.dumps(value)}`"


def walk(node: dict, base: Path, root: dict, prefix: str, rows: list, missing: list) -> None:
    node, base, root = _resolve(node, base, root)
    props = node.get("properties", {})
    required = set(node.get("required", []))
    for key, child in props.items():
        child, cbase, croot = _resolve(child, base, root)
        name = f"{prefix}.{key}" if prefix else key
        desc = " ".join(str(child.get("description", "")).split())
        if not desc:
            missing.append(f"{name}: no description")
        if "default" not in child and key not in required and not prefix.endswith("[]"):
            missing.append(f"{name}: no default")
        shown = dict(child)
        if key in required:
            shown["_required"] = True
        rows.append((name, _type(child), _default(shown), desc))
        if child.get("type") == "object" or "properties" in child:
            walk(child, cbase, croot, name, rows, missing)
        items = child.get("items")
        if child.get("type") == "array" and isinstance(items, dict):
            item, ibase, iroot = _resolve(items, cbase, croot)
            if "properties" in item:
                walk(item, ibase, iroot, f"{name}[]", rows, missing)


def document(schema_path: Path) -> tuple[str, list[str]]:
    root = load_schema(schema_path)
    rows: list[tuple[str, str, str, str]] = []
    missing: list[str] = []
    walk(root, schema_path.parent, root, "", rows, missing)
    out = [HEADER]
    section = None
    for name, typ, default, desc in rows:
        top = name.split(".")[0]
        if top != section:
            section = top
            out.append(f"\n## `{top}`\n\n| key | type | default | meaning |\n|---|---|---|---|")
        desc = desc.replace("|", "\\|")
        out.append(f"| `{name}` | {typ} | {default} | {desc} |")
    return "\n".join(out) + "\n", missing


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    schema = Path(argv[0] if argv else "workflow/schemas/config.schema.yaml")
    text, missing = document(schema)
    sys.stdout.write(text)
    for m in missing:
        print(f"warning: {m}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
