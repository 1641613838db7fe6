"""Normalized paper records: text normalization, identifiers, stable ids and shards.

Every source (local file or remote API) produces records with the keys of ``RECORD_KEYS``;
``merge_records`` deduplicates them and assigns shards.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata

RECORD_KEYS = ["paper_id", "title", "abstract", "arxiv_id", "doi", "year", "url", "source"]

_WS = re.compile(r"\s+")
_ARXIV_NEW = re.compile(r"(?<![\d.])(\d{4}\.\d{4,5})(v\d+)?(?![\d])")
_ARXIV_OLD = re.compile(r"\b([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(v\d+)?\b")
_DOI = re.compile(r"\b(10\.\d{4,9}/\S+)", re.IGNORECASE)

log = logging.getLogger(__name__)


def normalize_text(text: str | None) -> str:
    """Unicode NFC, whitespace runs folded to one space, stripped. Content is otherwise kept."""
    if text is None:
        return ""
    return _WS.sub(" ", unicodedata.normalize("NFC", str(text))).strip()


def normalize_title(title: str) -> str:
    """Key for title matching: NFKC, casefolded, letters and digits only, single spaces."""
    t = unicodedata.normalize("NFKC", title).casefold()
    t = re.sub(r"[^\w\s]", " ", t)
    return _WS.sub(" ", t).strip()


def normalize_arxiv_id(value: str | None) -> str | None:
    """'arXiv:2301.01234v2', 'https://arxiv.org/abs/2301.01234' -> '2301.01234'."""
    if not value:
        return None
    s = str(value).strip()
    m = _ARXIV_NEW.search(s)
    if m:
        return m.group(1)
    m = _ARXIV_OLD.search(s)
    if m:
        return m.group(1)
    return None


def clean_arxiv_id(value: str) -> str:
    """An arXiv id as given in ``ids``/``ids_file``, without prefix or version.

    Unrecognised strings are passed on (stripped, without an ``arXiv:`` prefix) for the API to
    reject or report as missing.
    """
    value = value.strip()
    norm = normalize_arxiv_id(value)
    if norm:
        return norm
    return re.sub(r"^arxiv:", "", value, flags=re.IGNORECASE)


def normalize_doi(value: str | None) -> str | None:
    """'https://doi.org/10.1000/XYZ' -> '10.1000/xyz' (DOIs are case-insensitive)."""
    if not value:
        return None
    m = _DOI.search(str(value).strip())
    if not m:
        return None
    return m.group(1).rstrip(".,;").lower()


def make_paper_id(title: str, arxiv_id: str | None = None, doi: str | None = None) -> str:
    if arxiv_id:
        return f"arxiv:{arxiv_id}"
    if doi:
        return f"doi:{doi}"
    digest = hashlib.sha1(normalize_title(title).encode("utf-8")).hexdigest()
    return f"title:{digest[:12]}"


def shard_of(paper_id: str, shards: int) -> int:
    """Stable bucket of a paper id (sha1, so it does not change between runs or machines)."""
    digest = hashlib.sha1(paper_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % shards


def leading_year(text: str) -> int | None:
    """The year a date such as ``2024-01-31T...`` starts with (four ASCII digits), else None."""
    m = re.match(r"[0-9]{4}(?![0-9])", text or "")
    return int(m.group()) if m else None


def _year(value: object) -> int | None:
    """A publication year from a number or text; None for anything that is not a year."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = int(value) if value.is_integer() else None
    elif isinstance(value, str):
        value = int(value.strip()) if re.fullmatch(r"[0-9]{1,4}", value.strip()) else None
    return value if isinstance(value, int) and 1 <= value <= 9999 else None


def make_record(
    *,
    title: str,
    abstract: str,
    source: str,
    arxiv_id: str | None = None,
    doi: str | None = None,
    year: int | None = None,
    url: str | None = None,
) -> dict:
    """One normalized corpus record (without its shard). ``title`` and ``abstract`` must be
    text (TypeError otherwise: the callers check what they read)."""
    if not isinstance(title, str) or not isinstance(abstract, str):
        raise TypeError(
            f"title and abstract must be text, got {type(title).__name__} and "
            f"{type(abstract).__name__}"
        )
    title = normalize_text(title)
    abstract = normalize_text(abstract)
    arxiv_id = normalize_arxiv_id(arxiv_id)
    doi = normalize_doi(doi)
    if doi and doi.startswith("10.48550/arxiv.") and not arxiv_id:
        arxiv_id = normalize_arxiv_id(doi.split("arxiv.", 1)[1])
    if url is None and arxiv_id:
        url = f"https://arxiv.org/abs/{arxiv_id}"
    elif url is None and doi:
        url = f"https://doi.org/{doi}"
    year = _year(year)
    return {
        "paper_id": make_paper_id(title, arxiv_id, doi),
        "title": title,
        "abstract": abstract,
        "arxiv_id": arxiv_id,
        "doi": doi,
        "year": year,
        "url": url,
        "source": source,
    }


def merge_records(record_lists: list[list[dict]], shards: int) -> list[dict]:
    """Merge sources in order, dropping later duplicates by arXiv id, DOI, then normalized title.

    The first occurrence wins but borrows identifiers a later duplicate has and it lacks.
    """
    merged: list[dict] = []
    by_key: dict[tuple[str, str], dict] = {}
    dropped = 0
    conflicts: list[str] = []
    for records in record_lists:
        for rec in records:
            keys = [
                ("arxiv", rec.get("arxiv_id")),
                ("doi", rec.get("doi")),
                ("title", normalize_title(rec.get("title") or "")),
            ]
            keys = [(k, v) for k, v in keys if v]
            match = next((k for k in keys if k in by_key), None)
            if match is None:
                rec = dict(rec)
                merged.append(rec)
                first = rec
            else:
                first = by_key[match]
                dropped += 1
                if match[0] != "title" and normalize_title(rec.get("title") or "") != (
                    normalize_title(first.get("title") or "")
                ):
                    conflicts.append(
                        f"{match[0]} {match[1]}: kept {first.get('title')!r} "
                        f"({first.get('source')}), dropped {rec.get('title')!r} "
                        f"({rec.get('source')})"
                    )
                for field in ("arxiv_id", "doi", "year", "url"):
                    if not first.get(field) and rec.get(field):
                        first[field] = rec[field]
            for k in keys:
                by_key.setdefault(k, first)
    if dropped:
        log.info("%d duplicate record(s) dropped (the first source's record kept)", dropped)
    if conflicts:
        listed = "\n  ".join(conflicts[:10])
        more = f"\n  ... and {len(conflicts) - 10} more" if len(conflicts) > 10 else ""
        log.warning(
            "%d record(s) share an arXiv id or DOI with an earlier record but have another "
            "title; the earlier record was kept (check the ids in your list):\n  %s%s",
            len(conflicts),
            listed,
            more,
        )
    for rec in merged:
        rec["paper_id"] = make_paper_id(rec["title"], rec.get("arxiv_id"), rec.get("doi"))
        rec["shard"] = shard_of(rec["paper_id"], shards)
    return merged
