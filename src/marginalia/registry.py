"""The benchmark registry: canonical names, aliases, evaluation-set sizes and metric kinds.

``config/benchmarks.yaml`` lists the benchmarks the workflow knows (see the comments at its top
for the keys). :func:`load_registry` reads and validates it; the :class:`Registry` it returns
resolves the spellings found in abstracts ("GSM-8K", "gsm8k", "ARC Challenge") to one canonical
name and finds benchmark names inside running text.

Name matching ignores case and punctuation: a name's *key* keeps only its letters and digits,
casefolded, with "+" spelled "plus" (so "HumanEval+" and "HumanEval" stay apart). Inside running
text (:meth:`Registry.find_in`) separators between the letter and digit runs of a name are
optional ("GSM 8K", "CIFAR10", "MT Bench"), and entries marked ``case_sensitive`` (names that
are also English words: MATH, DROP, ReCoRD) are found only as written in the registry.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from marginalia.errors import MarginaliaError

METRIC_KINDS = ("proportion", "mean_score", "correlation", "bleu", "score")

REQUIRED_KEYS = ("n", "split", "metric_kind", "scale_max", "source")
OPTIONAL_KEYS = (
    "aliases",
    "n_alt",
    "split_alt",
    "item_sd",
    "typical_baseline",
    "case_sensitive",
)
ENTRY_KEYS = REQUIRED_KEYS + OPTIONAL_KEYS

_RUN = re.compile(r"[^\W\d_]+|\d+|\+")
_SEP = r"[\s\-\u2010\u2011\u2013_./'\u2019()]{0,2}"
_BEFORE = r"(?<![^\W_])"
_AFTER = r"(?![^\W_]|\+)(?![-\u2010\u2011][^\W_])"


# short English words: a case-insensitive alias made only of these matches ordinary text
_ENGLISH_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "in",
        "on",
        "of",
        "to",
        "at",
        "by",
        "for",
        "from",
        "with",
        "as",
        "is",
        "it",
        "its",
        "be",
        "we",
        "our",
        "or",
        "and",
        "no",
        "not",
        "all",
        "any",
        "one",
        "two",
        "i",
        "ii",
        "iii",
        "x",
        "us",
        "up",
        "so",
        "if",
        "do",
    }
)


#: generic words after a benchmark's name (as name keys), longest first, and whether they name
#: the test split (then they only fit an entry whose evaluated split is a test split)
_GENERIC_SUFFIXES = (
    ("benchmarks", False),
    ("benchmark", False),
    ("datasets", False),
    ("dataset", False),
    ("testsplit", True),
    ("testset", True),
)


def name_key(name: str) -> str:
    """Matching key of a benchmark name: letters and digits, casefolded, '+' as 'plus'."""
    return "".join("plus" if r == "+" else r.casefold() for r in _RUN.findall(str(name)))


def _text_pattern(name: str) -> str | None:
    """Regex source finding ``name`` in running text (separators between runs optional)."""
    runs = _RUN.findall(name)
    if not runs:
        return None
    return _SEP.join(re.escape(r) for r in runs)


@dataclass(frozen=True)
class Registry:
    """Validated benchmark entries with alias lookup. Build it with :func:`load_registry`."""

    path: str
    entries: dict[str, dict[str, Any]]
    _keys: dict[str, str] = field(repr=False)
    _regex_ci: re.Pattern[str] | None = field(repr=False)
    _regex_cs: re.Pattern[str] | None = field(repr=False)

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.canonical(name) is not None

    @property
    def names(self) -> list[str]:
        """Canonical names in file order."""
        return list(self.entries)

    def canonical(self, name: str | None) -> str | None:
        """Canonical name of ``name`` (any alias, any case or punctuation), or None if unknown.

        A known name followed by a generic word is that entry: "GSM8K dataset", "the HumanEval
        benchmark"; and "GSM8K test set" / "testset" / "test split" when the entry's evaluated
        split is a test split (a dev or validation entry is not its own test set)."""
        if name is None or (isinstance(name, float) and math.isnan(name)):
            return None
        key = name_key(str(name))
        found = self._keys.get(key)
        if found is not None or not key:
            return found
        if str(name).lstrip().lower().startswith("the "):
            key = key.removeprefix("the")
            found = self._keys.get(key)
            if found is not None:
                return found
        for suffix, test_only in _GENERIC_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                found = self._keys.get(key[: -len(suffix)])
                if found is not None and (
                    not test_only or str(self.entries[found].get("split") or "").startswith("test")
                ):
                    return found
        return None

    def get(self, name: str) -> dict[str, Any]:
        """The entry of a benchmark (canonical name or alias) as a new dict with key ``name``.

        Raises KeyError naming the registry file when the benchmark is unknown.
        """
        canon = self.canonical(name)
        if canon is None:
            raise KeyError(f"benchmark {name!r} is not in the registry {self.path}")
        return {"name": canon, **self.entries[canon]}

    def find_in(self, text: str) -> list[tuple[str, int, int]]:
        """Benchmark names mentioned in ``text``: ``(canonical, start, end)``, sorted by start.

        ``text[start:end]`` is the mention as written. Overlapping mentions are resolved in
        favour of the longest ("ImageNet-1K" over "ImageNet", "MNLI-mm" over "MNLI").
        """
        if not text:
            return []
        found: list[tuple[int, int, str]] = []
        for regex in (self._regex_ci, self._regex_cs):
            if regex is None:
                continue
            for m in regex.finditer(text):
                canon = self._keys.get(name_key(m.group(0)))
                if canon is not None:
                    end = m.end()
                    if m.group(0).count("(") > m.group(0).count(")") and text[end : end + 1] == ")":
                        end += 1  # "ARC (Challenge)": keep the closing parenthesis
                    found.append((m.start(), end, canon))
        found.sort(key=lambda t: (t[0], -(t[1] - t[0])))
        out: list[tuple[str, int, int]] = []
        last_end = -1
        for start, end, canon in found:
            if start >= last_end:
                out.append((canon, start, end))
                last_end = end
        return out

    def table(self) -> list[dict[str, Any]]:
        """One dict per benchmark (``name`` plus every entry key), in file order."""
        return [self.get(name) for name in self.entries]


def load_registry(path: str | os.PathLike) -> Registry:
    """Read and validate a benchmark registry YAML file (see config/benchmarks.yaml)."""
    path = Path(path)
    if not path.is_file():
        raise MarginaliaError(
            f"benchmark registry {str(path)!r} does not exist; point config key "
            "extract.benchmarks at a registry such as config/benchmarks.yaml"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MarginaliaError(f"benchmark registry {str(path)!r} cannot be read: {exc}") from exc
    return parse_registry(text, str(path))


def parse_registry(text: str, path: str = "<registry>") -> Registry:
    """Validate registry YAML text; ``path`` names the file in error messages."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise MarginaliaError(f"benchmark registry {path}: not valid YAML: {exc}") from exc
    return registry_from_mapping(data, path)


def registry_from_mapping(data: Any, path: str = "<registry>") -> Registry:
    """Validate the parsed YAML (``{"benchmarks": {name: entry}}``) and build the registry."""
    if not isinstance(data, dict) or not isinstance(data.get("benchmarks"), dict):
        raise MarginaliaError(
            f"benchmark registry {path}: the file must be a mapping with a key 'benchmarks' "
            "holding one entry per benchmark (see config/benchmarks.yaml)"
        )
    extra = sorted(set(data) - {"benchmarks"})
    if extra:
        raise MarginaliaError(
            f"benchmark registry {path}: unknown top-level key(s) {extra}; only 'benchmarks'"
        )
    entries: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    for name, raw in data["benchmarks"].items():
        where = f"benchmark registry {path}, entry {name!r}"
        if not isinstance(name, str) or not name_key(name):
            raise MarginaliaError(f"{where}: the benchmark name must contain letters or digits")
        entry = _check_entry(raw, where)
        for alias in [name, *entry["aliases"]]:
            key = name_key(alias)
            if not key:
                raise MarginaliaError(
                    f"{where}, key 'aliases': alias {alias!r} has no letters or digits"
                )
            owner = keys.get(key)
            if owner is not None and owner != name:
                raise MarginaliaError(
                    f"{where}, key 'aliases': duplicate alias {alias!r} (matching key {key!r}) "
                    f"already belongs to entry {owner!r}; every alias must name one benchmark"
                )
            keys[key] = name
        entries[name] = entry
    if not entries:
        raise MarginaliaError(f"benchmark registry {path}: 'benchmarks' has no entries")
    regex_ci, regex_cs = _build_regexes(entries)
    return Registry(path, entries, keys, regex_ci, regex_cs)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_entry(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise MarginaliaError(
            f"{where}: the entry must be a mapping of keys ({', '.join(ENTRY_KEYS)})"
        )
    unknown = sorted(set(raw) - set(ENTRY_KEYS))
    if unknown:
        raise MarginaliaError(
            f"{where}: unknown key(s) {unknown}; allowed keys are {', '.join(ENTRY_KEYS)}"
        )
    missing = [k for k in REQUIRED_KEYS if k not in raw]
    if missing:
        raise MarginaliaError(
            f"{where}: missing key(s) {missing}; every entry needs {', '.join(REQUIRED_KEYS)} "
            "(write n: null and give the reason in source when the size is unknown)"
        )
    n = raw["n"]
    if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n <= 0):
        raise MarginaliaError(
            f"{where}, key 'n': {n!r} is not a positive integer (or null when unknown)"
        )
    source = raw["source"]
    if not isinstance(source, str) or not source.strip():
        raise MarginaliaError(
            f"{where}, key 'source': give where n comes from (dataset card, dataset_infos.json, "
            "paper), or why n is null"
        )
    split = raw["split"]
    if not isinstance(split, str) or not split.strip():
        raise MarginaliaError(f"{where}, key 'split': name the split n counts (e.g. test, dev)")
    kind = raw["metric_kind"]
    if kind not in METRIC_KINDS:
        raise MarginaliaError(
            f"{where}, key 'metric_kind': {kind!r} is not one of {', '.join(METRIC_KINDS)}"
        )
    scale_max = raw["scale_max"]
    if not _is_number(scale_max) or scale_max <= 0:
        raise MarginaliaError(
            f"{where}, key 'scale_max': {scale_max!r} is not a positive number "
            "(the top of the metric's range on the reported scale, e.g. 100 or 10)"
        )
    for key in ("item_sd", "typical_baseline"):
        value = raw.get(key)
        if value is not None and (not _is_number(value) or value < 0):
            raise MarginaliaError(
                f"{where}, key {key!r}: {value!r} is not a non-negative number (or null)"
            )
    tb = raw.get("typical_baseline")
    if tb is not None and tb > scale_max:
        raise MarginaliaError(
            f"{where}, key 'typical_baseline': {tb!r} exceeds scale_max {scale_max!r}"
        )
    if kind == "mean_score" and n is not None and raw.get("item_sd") in (None, 0):
        raise MarginaliaError(
            f"{where}, key 'item_sd': a mean_score benchmark with known n needs the per-item "
            "standard deviation (give its source, or a documented estimate, in 'source')"
        )
    n_alt, split_alt = raw.get("n_alt"), raw.get("split_alt")
    if n_alt is not None and (not isinstance(n_alt, int) or isinstance(n_alt, bool) or n_alt <= 0):
        raise MarginaliaError(f"{where}, key 'n_alt': {n_alt!r} is not a positive integer")
    if (n_alt is None) != (split_alt is None):
        raise MarginaliaError(f"{where}: keys 'n_alt' and 'split_alt' go together; give both")
    aliases = raw.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise MarginaliaError(f"{where}, key 'aliases': must be a list of strings")
    cs = raw.get("case_sensitive", False)
    if not isinstance(cs, bool):
        raise MarginaliaError(f"{where}, key 'case_sensitive': {cs!r} is not true or false")
    if not cs:
        for alias in aliases:
            runs = [r.casefold() for r in _RUN.findall(alias)]
            if runs and all(r in _ENGLISH_WORDS for r in runs):
                # "IN-A" matched without case is every "in a" of running text
                raise MarginaliaError(
                    f"{where}, key 'aliases': {alias!r} reads as the English words "
                    f"{' '.join(runs)!r} when matched without case; mark the entry "
                    "'case_sensitive: true' or drop the alias"
                )
    return {
        "aliases": list(aliases),
        "n": n,
        "split": split,
        "n_alt": n_alt,
        "split_alt": split_alt,
        "metric_kind": kind,
        "scale_max": scale_max,
        "item_sd": raw.get("item_sd"),
        "typical_baseline": tb,
        "case_sensitive": cs,
        "source": source.strip(),
    }


def _build_regexes(
    entries: dict[str, dict[str, Any]],
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    groups: dict[bool, dict[str, int]] = {False: {}, True: {}}
    for name, entry in entries.items():
        for alias in [name, *entry["aliases"]]:
            pattern = _text_pattern(alias)
            if pattern is not None:
                groups[entry["case_sensitive"]].setdefault(pattern, len(name_key(alias)))
    out: list[re.Pattern[str] | None] = []
    for cs in (False, True):
        patterns = sorted(groups[cs], key=lambda p: (-groups[cs][p], p))
        if not patterns:
            out.append(None)
            continue
        body = "|".join(patterns)
        flags = 0 if cs else re.IGNORECASE
        out.append(re.compile(f"{_BEFORE}(?:{body}){_AFTER}", flags))
    return out[0], out[1]


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (PyYAML silently keeps the last one)."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep=False):
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (line {line}; first given on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_unique_mapping
)
