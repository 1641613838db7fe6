"""The ``arxiv`` source: the arXiv API (``/api/query``, Atom 1.0).

- ``ids`` / ``ids_file``: fetched with ``id_list`` in batches of at most 100 (``batch_size``).
  Versions are stripped (``2301.01234v2`` -> ``2301.01234``, the latest version is fetched).
  Ids arXiv does not know are dropped from its answer; they are reported as missing.
- ``query``: ``search_query`` paged with ``start``/``max_results`` (``page_size`` per request)
  until ``max_results`` papers or ``opensearch:totalResults`` are reached.

Atom elements are matched by namespace URI. arXiv answers a malformed id with HTTP 400 and a
feed whose single entry is titled ``Error``; that becomes a MarginaliaError naming the source
and the id. An empty feed where results are expected is a known arXiv transient: it is retried
(and, when it persists on a later page of a query, reported as an error).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from marginalia.corpus.fetching import SourceRun, chunks, paper_record, read_ids, warn_missing
from marginalia.corpus.http import HttpError, Response, RetryableResponse
from marginalia.corpus.records import clean_arxiv_id, leading_year, make_record, normalize_arxiv_id
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)

BASE_URL = "https://export.arxiv.org/api"
KEY_ENV = None  # the arXiv API takes no key

ATOM = "{http://www.w3.org/2005/Atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
ARXIV = "{http://arxiv.org/schemas/atom}"

MAX_BATCH = 100
MAX_PAGE = 2000
# An empty id_list answer is usually real (the ids do not exist); retry it this often only.
EMPTY_ID_RETRIES = 1


@dataclass
class Feed:
    total: int | None
    entries: list[dict]
    errors: list[str]  # summaries of <entry> elements titled "Error"


def _text(elem: ET.Element | None) -> str:
    return "" if elem is None or elem.text is None else elem.text


def parse_feed(body: bytes) -> Feed:
    """Parse an arXiv Atom feed; ``ValueError`` when it is not one."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(f"malformed XML ({exc})") from None
    if root.tag != f"{ATOM}feed":
        raise ValueError(f"not an Atom feed (root element {root.tag!r})")
    total_text = _text(root.find(f"{OPENSEARCH}totalResults")).strip()
    total = int(total_text) if re.fullmatch(r"[0-9]{1,12}", total_text) else None
    entries: list[dict] = []
    errors: list[str] = []
    for entry in root.findall(f"{ATOM}entry"):
        entry_id = _text(entry.find(f"{ATOM}id")).strip()
        title = _text(entry.find(f"{ATOM}title"))
        summary = _text(entry.find(f"{ATOM}summary"))
        if "/api/errors" in entry_id or (title.strip() == "Error" and not entry_id.count("/abs/")):
            errors.append(" ".join(summary.split()) or entry_id)
            continue
        doi = _text(entry.find(f"{ARXIV}doi")).strip() or None
        published = _text(entry.find(f"{ATOM}published")).strip()
        entries.append(
            {
                "id_url": entry_id,
                "arxiv_id": normalize_arxiv_id(entry_id),
                "title": title,
                "abstract": summary,
                "doi": doi,
                "year": leading_year(published),
            }
        )
    return Feed(total=total, entries=entries, errors=errors)


def _feed_or_retry(resp: Response) -> Feed:
    try:
        return parse_feed(resp.body)
    except ValueError as exc:
        raise RetryableResponse(f"arXiv sent an unusable feed from {resp.url}: {exc}") from None


def _error_from_400(run: SourceRun, exc: HttpError, batch: list[str] | None) -> MarginaliaError:
    try:
        feed = parse_feed(exc.body)
        problems = feed.errors
    except ValueError:
        problems = []
    if not problems:
        return MarginaliaError(f"{run.label}: {exc}")
    bad = []
    for problem in problems:
        m = re.search(r"\bfor (\S+)$", problem)
        if m:
            bad.append(m.group(1))
    where = "config key query" if batch is None else "config key ids/ids_file"
    ids = f" (id {', '.join(repr(b) for b in bad)})" if bad else ""
    return MarginaliaError(
        f"{run.label}: arXiv rejected the request{ids}: {'; '.join(problems)}. "
        f"Fix or remove it in {where} of corpus.sources[name={run.name}]"
    )


def _record(run: SourceRun, entry: dict) -> dict:
    return make_record(
        title=entry["title"],
        abstract=entry["abstract"],
        source=run.name,
        arxiv_id=entry["arxiv_id"],
        doi=entry["doi"],
        year=entry["year"],
    )


def fetch(run: SourceRun) -> list[dict]:
    if run.config.get("ids") or run.config.get("ids_file"):
        return fetch_ids(run, read_ids(run.config, clean_arxiv_id))
    if run.config.get("query"):
        return fetch_query(run, str(run.config["query"]))
    raise MarginaliaError(f"{run.label}: set one of the config keys ids, ids_file or query")


def fetch_ids(run: SourceRun, ids: list[str]) -> list[dict]:
    size = min(int(run.config.get("batch_size") or MAX_BATCH), MAX_BATCH)
    batches = chunks(ids, size)
    records: list[dict] = []
    found: set[str] = set()
    for n, batch in enumerate(batches, start=1):

        def validate(resp: Response, attempt: int, batch: list[str] = batch) -> None:
            feed = _feed_or_retry(resp)
            if feed.errors:
                raise MarginaliaError(f"{run.label}: arXiv error for {resp.url}: {feed.errors}")
            if not feed.entries and attempt < EMPTY_ID_RETRIES:
                raise RetryableResponse(f"empty arXiv feed for {len(batch)} ids (retrying once)")

        with run.client.unit():
            try:
                resp = run.request(
                    "GET",
                    "query",
                    params={
                        "id_list": ",".join(batch),
                        "start": 0,
                        "max_results": len(batch),
                    },
                    validate=validate,
                )
            except HttpError as exc:
                if exc.status == 400:
                    raise _error_from_400(run, exc, batch) from None
                raise MarginaliaError(f"{run.label}: {exc}") from None
            feed = parse_feed(resp.body)
            for entry in feed.entries:
                if entry["arxiv_id"] and entry["arxiv_id"] not in found:
                    found.add(entry["arxiv_id"])
                    rec = paper_record(run, _record, entry)
                    if rec is not None:
                        records.append(rec)
            log.info(
                "%s: batch %d/%d: %d ids -> %d papers%s",
                run.label,
                n,
                len(batches),
                len(batch),
                len(feed.entries),
                " (cached)" if resp.from_cache else "",
            )
    if not run.client.missing:
        warn_missing(run, [i for i in ids if i not in found], len(ids), "arXiv id")
    return records


def fetch_query(run: SourceRun, query: str) -> list[dict]:
    max_results = int(run.config.get("max_results") or 100)
    page_size = min(int(run.config.get("page_size") or 100), MAX_PAGE, max_results)
    sort = str(run.config.get("sort") or "relevance")
    records: list[dict] = []
    seen: set[str] = set()
    total: int | None = None
    start = 0
    page = 0
    with run.client.unit():
        while start < max_results and (total is None or start < total):
            page += 1
            want = min(page_size, max_results - start)
            known_total = total

            def validate(resp: Response, attempt: int, start: int = start, known=known_total):
                feed = _feed_or_retry(resp)
                if feed.errors:
                    raise MarginaliaError(f"{run.label}: arXiv error for {resp.url}: {feed.errors}")
                if feed.entries:
                    return
                expected = (feed.total or 0) if known is None else known
                if start < expected:
                    raise RetryableResponse(
                        f"empty arXiv page at start={start} although totalResults={expected} "
                        "(a known arXiv transient)"
                    )
                if known is None and attempt < EMPTY_ID_RETRIES:
                    raise RetryableResponse("empty first page of an arXiv query (retrying once)")

            try:
                resp = run.request(
                    "GET",
                    "query",
                    params={
                        "search_query": query,
                        "start": start,
                        "max_results": want,
                        "sortBy": sort,
                        "sortOrder": "descending",
                    },
                    validate=validate,
                )
            except HttpError as exc:
                if exc.status == 400:
                    raise _error_from_400(run, exc, None) from None
                raise MarginaliaError(f"{run.label}: {exc}") from None
            feed = parse_feed(resp.body)
            if total is None:
                total = feed.total if feed.total is not None else 0
            new = 0
            for entry in feed.entries:
                aid = entry["arxiv_id"]
                if aid and aid not in seen and len(records) < max_results:
                    seen.add(aid)
                    rec = paper_record(run, _record, entry)
                    if rec is not None:
                        records.append(rec)
                    new += 1
            log.info(
                "%s: page %d (start=%d): %d entries, %d new, %d/%d papers (totalResults %d)%s",
                run.label,
                page,
                start,
                len(feed.entries),
                new,
                len(records),
                min(max_results, total),
                total,
                " (cached)" if resp.from_cache else "",
            )
            if not feed.entries:
                break
            start += len(feed.entries)
    return records
