"""The `file` source: paper lists in local files.

Formats (from the extension, or the source's ``format`` key):

- ``listing`` (.txt): alternating title line / abstract line, as saved from a papers listing
  page. Known page-chrome lines ("Get trending papers in your email inbox ...", a lone
  "Subscribe") are skipped and a "Subscribe" glued to the first title is removed.
- ``jsonl`` (.jsonl, .ndjson): one JSON object per line.
- ``json`` (.json): an array of objects, or an object with a ``papers`` array.
- ``csv`` (.csv) and ``tsv`` (.tsv, .tab): a header row, one paper per row.
- ``bibtex`` (.bib, .bibtex): entries with ``title`` and ``abstract``; ``eprint`` (with
  ``archivePrefix = {arXiv}``), ``doi``, ``year``, ``url`` are used when present.

Record fields are matched case-insensitively with a few common aliases (``summary`` for the
abstract, ``arxiv``/``eprint`` for the arXiv id, ...). Every problem is a MarginaliaError
naming the file and the line or record; problems of single records are collected over the file
(:func:`read_file_source`, the source's ``on_error``).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from pathlib import Path

from marginalia.corpus.records import make_record
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)

EXTENSIONS = {
    ".txt": "listing",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".bib": "bibtex",
    ".bibtex": "bibtex",
}

FIELD_ALIASES = {
    "title": ("title", "paper_title", "name"),
    "abstract": ("abstract", "summary", "paper_abstract", "abstract_text"),
    "arxiv_id": ("arxiv_id", "arxiv", "arxivid", "eprint", "arxiv_url"),
    "doi": ("doi",),
    "year": ("year", "publication_year"),
    "url": ("url", "link", "abs_url"),
}

# Page chrome of saved listing pages: whole lines that are not papers.
_CHROME_LINE = re.compile(
    r"^(get trending papers in your email inbox.*|subscribe|trending papers|"
    r"daily papers|upvote|\d+ upvotes?)$",
    re.IGNORECASE,
)
_GLUED_SUBSCRIBE = re.compile(r"^Subscribe(?=\S)")
# A listing title is one line of moderate length; a longer line means the alternation broke.
MAX_TITLE_CHARS = 400


def detect_format(path: Path, declared: str | None = None) -> str:
    if declared:
        return declared
    fmt = EXTENSIONS.get(path.suffix.lower())
    if fmt is None:
        raise MarginaliaError(
            f"{path}: cannot tell the format from the extension {path.suffix!r}; set `format:` "
            f"on the source to one of {sorted(set(EXTENSIONS.values()))}"
        )
    return fmt


def read_text(path: Path, encoding: str = "utf-8") -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise MarginaliaError(f"{path}: file not found") from exc
    except OSError as exc:
        raise MarginaliaError(f"{path}: cannot read file ({exc.strerror})") from exc
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        raise MarginaliaError(
            f"{path}: unknown encoding {encoding!r} (source key `encoding`)"
        ) from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise MarginaliaError(
            f"{path}, line {line}: not valid {encoding} (byte {exc.start}: {exc.reason}); "
            f"re-save the file as UTF-8 or set `encoding:` on the source"
        ) from exc
    return text.removeprefix("\ufeff")


#: how many bad records an error message lists (all of them go to the log)
MAX_LISTED_PROBLEMS = 10


def read_file_source(source: dict) -> list[dict]:
    """Read a configured `file` source into normalized records.

    A problem with the whole file (its encoding, a CSV header, a JSON document that does not
    parse, a listing whose alternation breaks) raises at once. Problems with single records (a
    missing abstract, a line that is not JSON, a bad BibTeX entry) are collected over the whole
    file: with the source's ``on_error: fail`` (the default) one error lists them all (the
    first :data:`MAX_LISTED_PROBLEMS`, and how many more); with ``on_error: skip`` the good
    records are kept and the skipped ones are counted and logged, each with its line.
    """
    path = Path(source["path"])
    fmt = detect_format(path, source.get("format"))
    text = read_text(path, source.get("encoding", "utf-8"))
    reader = _READERS[fmt]
    problems: list[str] = []
    records = reader(text, path, source["name"], problems)
    name = source["name"]
    if problems and source.get("on_error", "fail") == "skip":
        log.warning(
            "%s: skipped %d bad record(s) of %s (on_error: skip):\n  %s",
            name,
            len(problems),
            path,
            "\n  ".join(problems),
        )
    elif problems:
        hint = f"fix them, or set `on_error: skip` on source {name!r} to skip them with a count"
        if len(problems) == 1:
            raise MarginaliaError(f"{problems[0]} ({hint})")
        listed = problems[:MAX_LISTED_PROBLEMS]
        more = len(problems) - len(listed)
        raise MarginaliaError(
            f"{path}: {len(problems)} bad records ({hint}):\n  "
            + "\n  ".join(listed)
            + (f"\n  ... and {more} more" if more else "")
        )
    log.info("%s: read %d papers from %s (%s)", name, len(records), path, fmt)
    if not records:
        log.warning("%s: %s holds no papers", name, path)
    return records


def _collect(problems: list[str], records: list[dict], make, *args) -> None:
    """``records.append(make(*args))``, or the record's problem appended to ``problems``."""
    try:
        records.append(make(*args))
    except MarginaliaError as exc:
        problems.append(str(exc))


def _record_from_mapping(row: dict, path: Path, where: str, source: str) -> dict:
    lowered = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
    values: dict[str, object] = {}
    for field, aliases in FIELD_ALIASES.items():
        for alias in aliases:
            value = lowered.get(alias)
            if value not in (None, ""):
                values[field] = value
                break
    for field in ("title", "abstract"):
        value = values.get(field)
        if not isinstance(value, str) or not value.strip():
            problem = "missing" if value in (None, "") else f"not text ({type(value).__name__})"
            raise MarginaliaError(
                f"{path}, {where}: {field} is {problem}; every paper needs a title and an abstract"
            )
    return make_record(
        title=values["title"],
        abstract=values["abstract"],
        source=source,
        arxiv_id=_as_text(values.get("arxiv_id")),
        doi=_as_text(values.get("doi")),
        year=values.get("year"),
        url=_as_text(values.get("url")),
    )


def _as_text(value: object) -> str | None:
    return None if value is None else str(value)


def read_listing(text: str, path: Path, source: str, problems: list[str]) -> list[dict]:
    lines: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or _CHROME_LINE.match(line):
            continue
        if not lines:
            line = _GLUED_SUBSCRIBE.sub("", line)
        lines.append((number, line))
    if len(lines) % 2:
        number, line = lines[-1]
        raise MarginaliaError(
            f"{path}, line {number}: title {line[:60]!r} has no abstract line after it; "
            "a listing alternates one title line and one abstract line"
        )
    records = []
    for (t_no, title), (_a_no, abstract) in zip(lines[::2], lines[1::2], strict=True):
        if len(title) > MAX_TITLE_CHARS:
            raise MarginaliaError(
                f"{path}, line {t_no}: expected a title but found {len(title)} characters "
                f"({title[:60]!r}...); a listing alternates one title line and one abstract "
                "line, so a line is probably missing or extra above this one"
            )
        records.append(make_record(title=title, abstract=abstract, source=source))
    return records


def _jsonl_record(line: str, number: int, path: Path, source: str) -> dict:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise MarginaliaError(f"{path}, line {number}: invalid JSON ({exc.msg})") from exc
    if not isinstance(obj, dict):
        raise MarginaliaError(
            f"{path}, line {number}: expected a JSON object, found {type(obj).__name__}"
        )
    return _record_from_mapping(obj, path, f"line {number}", source)


def read_jsonl(text: str, path: Path, source: str, problems: list[str]) -> list[dict]:
    records: list[dict] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            _collect(problems, records, _jsonl_record, line, number, path, source)
    return records


def _json_record(obj: object, index: int, path: Path, source: str) -> dict:
    if not isinstance(obj, dict):
        raise MarginaliaError(
            f"{path}, record {index}: expected a JSON object, found {type(obj).__name__}"
        )
    return _record_from_mapping(obj, path, f"record {index}", source)


def read_json(text: str, path: Path, source: str, problems: list[str]) -> list[dict]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MarginaliaError(
            f"{path}, line {exc.lineno}, column {exc.colno}: invalid JSON ({exc.msg})"
        ) from exc
    if isinstance(data, dict) and isinstance(data.get("papers"), list):
        data = data["papers"]
    if not isinstance(data, list):
        raise MarginaliaError(
            f"{path}: expected a JSON array of papers (or an object with a 'papers' array), "
            f"found {type(data).__name__}"
        )
    records: list[dict] = []
    for index, obj in enumerate(data):
        _collect(problems, records, _json_record, obj, index, path, source)
    return records


def _delimited_record(row: dict, line: int, path: Path, source: str, delimiter: str) -> dict:
    if None in row:
        raise MarginaliaError(
            f"{path}, line {line}: more fields than the header has columns "
            f"(is a {delimiter!r} inside an unquoted value?)"
        )
    return _record_from_mapping(row, path, f"line {line}", source)


def _read_delimited(
    text: str, path: Path, source: str, delimiter: str, problems: list[str]
) -> list[dict]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    for field in ("title", "abstract"):
        if not any(alias in header for alias in FIELD_ALIASES[field]):
            raise MarginaliaError(
                f"{path}, line 1: the header has no {field!r} column "
                f"(accepted names: {', '.join(FIELD_ALIASES[field])}); found {header}"
            )
    records: list[dict] = []
    try:
        for row in reader:
            if None not in row and not any((v or "").strip() for v in row.values()):
                continue
            line = reader.line_num
            _collect(problems, records, _delimited_record, row, line, path, source, delimiter)
    except csv.Error as exc:
        raise MarginaliaError(f"{path}, line {reader.line_num}: {exc}") from exc
    return records


def read_csv(text: str, path: Path, source: str, problems: list[str]) -> list[dict]:
    return _read_delimited(text, path, source, ",", problems)


def read_tsv(text: str, path: Path, source: str, problems: list[str]) -> list[dict]:
    return _read_delimited(text, path, source, "\t", problems)


_BRACES = re.compile(r"[{}]")


def _bib_value(entry, key: str) -> str | None:
    field = entry.fields_dict.get(key) or next(
        (f for f in entry.fields if f.key.lower() == key), None
    )
    if field is None:
        return None
    value = str(field.value)
    return _BRACES.sub("", value).strip() or None


def _bib_failure(block) -> str:
    from bibtexparser.exceptions import BlockAbortedException
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    if isinstance(block, DuplicateBlockKeyBlock):
        return f"duplicate entry key {block.key!r}"
    if isinstance(block, DuplicateFieldKeyBlock):
        entry = block.ignore_error_block.key
        return f"duplicate field(s) {sorted(block.duplicate_keys)} in entry {entry!r}"
    error = block.error
    reason = (error.abort_reason if isinstance(error, BlockAbortedException) else "") or (
        str(error) if error else ""
    )
    return reason.strip() or "syntax error"


def read_bibtex(text: str, path: Path, source: str, problems: list[str]) -> list[dict]:
    import bibtexparser

    library = bibtexparser.parse_string(text)
    for block in library.failed_blocks:
        line = block.start_line
        where = f"line {line + 1}" if isinstance(line, int) else "an entry"
        problems.append(f"{path}, {where}: bad BibTeX entry ({_bib_failure(block)})")
    records: list[dict] = []
    for entry in library.entries:
        line = entry.start_line
        where = f"entry {entry.key!r}" + (f" (line {line + 1})" if isinstance(line, int) else "")
        row = {
            "title": _bib_value(entry, "title"),
            "abstract": _bib_value(entry, "abstract"),
            "doi": _bib_value(entry, "doi"),
            "year": _bib_value(entry, "year"),
            "url": _bib_value(entry, "url"),
        }
        prefix = _bib_value(entry, "archiveprefix") or _bib_value(entry, "eprinttype") or ""
        eprint = _bib_value(entry, "eprint")
        if eprint and (not prefix or prefix.lower() == "arxiv"):
            row["arxiv_id"] = eprint
        _collect(problems, records, _record_from_mapping, row, path, where, source)
    return records


_READERS = {
    "listing": read_listing,
    "jsonl": read_jsonl,
    "json": read_json,
    "csv": read_csv,
    "tsv": read_tsv,
    "bibtex": read_bibtex,
}
