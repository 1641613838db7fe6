"""The ``semanticscholar`` source: the Semantic Scholar Graph API v1.

- ``ids`` / ``ids_file``: ``POST /paper/batch`` in chunks of at most 500 (``batch_size``), with
  ``fields`` as a query parameter. Ids may be S2 paper ids, ``CorpusId:…``, ``DOI:…`` (or a bare
  DOI), ``ARXIV:…`` (or a bare arXiv id), ``MAG:…``, ``ACL:…``, ``PMID:…``, ``PMCID:…``,
  ``URL:…``. The answer lists papers in request order with ``null`` for an unknown id; those are
  reported as missing. Papers whose abstract S2 withholds (``abstract: null``) are kept with an
  empty abstract and a warning.
- ``query``: ``GET /paper/search`` paged with ``offset``/``limit`` (``page_size`` ≤ 100) while
  the answer has ``next``, up to ``max_results`` (the API stops at offset + limit = 1000).

The API key (header ``x-api-key``) comes from the environment variable named by
``api_key_env`` (default ``S2_API_KEY``).
"""

from __future__ import annotations

import logging
import re

from marginalia.corpus.fetching import (
    SourceRun,
    chunks,
    json_message,
    paper_record,
    parse_json,
    read_ids,
    refused,
    text_field,
    warn_missing,
)
from marginalia.corpus.http import HttpError, Response, RetryableResponse
from marginalia.corpus.records import make_record, normalize_arxiv_id
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)

BASE_URL = "https://api.semanticscholar.org/graph/v1"
KEY_ENV = "S2_API_KEY"

FIELDS = "title,abstract,externalIds,year,url,venue"
MAX_BATCH = 500
MAX_PAGE = 100
SEARCH_WINDOW = 1000  # offset + limit may not exceed this on /paper/search

_PREFIXES = {
    "arxiv": "ARXIV",
    "doi": "DOI",
    "corpusid": "CorpusId",
    "mag": "MAG",
    "acl": "ACL",
    "pmid": "PMID",
    "pmcid": "PMCID",
    "url": "URL",
}
_S2_ID = re.compile(r"^[0-9a-f]{40}$")


def clean_id(value: str) -> str:
    """The id in the form the batch endpoint documents (``ARXIV:2301.01234``, ``DOI:10.…``)."""
    value = value.strip()
    prefix, sep, rest = value.partition(":")
    if sep and prefix.lower() in _PREFIXES and not value.lower().startswith(("http:", "https:")):
        canonical = _PREFIXES[prefix.lower()]
        rest = rest.strip()
        if canonical == "ARXIV":
            rest = normalize_arxiv_id(rest) or rest
        return f"{canonical}:{rest}"
    if _S2_ID.match(value):
        return value
    if value.startswith("10.") and "/" in value:
        return f"DOI:{value}"
    arxiv = normalize_arxiv_id(value)
    if arxiv and (value == arxiv or re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", value)):
        return f"ARXIV:{arxiv}"
    return value


def _record(run: SourceRun, paper: dict) -> dict | None:
    external = paper.get("externalIds")
    external = external if isinstance(external, dict) else {}
    title = text_field(paper.get("title")) or ""
    if not title.strip():
        return None
    if text_field(paper.get("abstract")) is None:
        run.count("without abstract")
        log.warning(
            "%s: S2 has no abstract for %r (%s); kept with an empty abstract",
            run.label,
            title[:80],
            paper.get("paperId"),
        )
    return make_record(
        title=title,
        abstract=text_field(paper.get("abstract")) or "",
        source=run.name,
        arxiv_id=text_field(external.get("ArXiv")),
        doi=text_field(external.get("DOI")),
        year=paper.get("year"),
        url=text_field(paper.get("url")) or None,
    )


def _fail(run: SourceRun, exc: HttpError) -> MarginaliaError:
    hint = {
        400: "check the ids and query in corpus.sources",
        403: "check the API key in the environment variable named by api_key_env",
        404: "check the ids in corpus.sources",
        429: "S2 is rate limiting: wait and rerun, or set an API key (api_key_env)",
    }.get(exc.status, "")
    detail = json_message(exc, ("error", "message")) or None
    return refused(run, exc, "Semantic Scholar", detail, hint=hint)


def _headers(run: SourceRun) -> dict[str, str]:
    key = run.api_key()
    return {"x-api-key": key} if key else {}


def fetch(run: SourceRun) -> list[dict]:
    if run.config.get("ids") or run.config.get("ids_file"):
        return fetch_ids(run, read_ids(run.config, clean_id))
    if run.config.get("query"):
        return fetch_query(run, str(run.config["query"]))
    raise MarginaliaError(f"{run.label}: set one of the config keys ids, ids_file or query")


def fetch_ids(run: SourceRun, ids: list[str]) -> list[dict]:
    size = min(int(run.config.get("batch_size") or MAX_BATCH), MAX_BATCH)
    batches = chunks(ids, size)
    secret = _headers(run)
    records: list[dict] = []
    missing: list[str] = []
    for n, batch in enumerate(batches, start=1):

        def validate(resp: Response, attempt: int, batch: list[str] = batch) -> None:
            data = parse_json(resp, resp.url)
            if not isinstance(data, list) or len(data) != len(batch):
                raise RetryableResponse(
                    f"S2 batch answer is not a list of {len(batch)} papers: {resp.text()[:200]}"
                )

        with run.client.unit():
            try:
                resp = run.request(
                    "POST",
                    "paper/batch",
                    params={"fields": FIELDS},
                    json_body={"ids": batch},
                    secret_headers=secret,
                    validate=validate,
                )
            except HttpError as exc:
                raise _fail(run, exc) from None
            papers = resp.json()
            assert isinstance(papers, list)
            got = 0
            for ident, paper in zip(batch, papers, strict=True):
                record = paper_record(run, _record, paper) if isinstance(paper, dict) else None
                if record is None:
                    missing.append(ident)
                else:
                    records.append(record)
                    got += 1
            log.info(
                "%s: batch %d/%d: %d ids -> %d papers%s",
                run.label,
                n,
                len(batches),
                len(batch),
                got,
                " (cached)" if resp.from_cache else "",
            )
    warn_missing(run, missing, len(ids), "S2 id")
    return records


def fetch_query(run: SourceRun, query: str) -> list[dict]:
    max_results = int(run.config.get("max_results") or 100)
    page_size = min(int(run.config.get("page_size") or MAX_PAGE), MAX_PAGE)
    secret = _headers(run)
    records: list[dict] = []
    offset = 0
    page = 0

    def validate(resp: Response, attempt: int) -> None:
        data = parse_json(resp, resp.url)
        if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
            raise RetryableResponse(f"S2 search answer has no 'data' list: {resp.text()[:200]}")
        nxt = data.get("next")
        if nxt is not None and (not isinstance(nxt, int) or isinstance(nxt, bool) or nxt < 0):
            raise RetryableResponse(f"S2 search answer has a bad 'next' offset: {nxt!r:.80}")

    with run.client.unit():
        while len(records) < max_results:
            limit = min(page_size, max_results - len(records), SEARCH_WINDOW - offset)
            if limit <= 0:
                log.warning(
                    "%s: S2 search stops at %d results (offset + limit <= %d); narrow the query",
                    run.label,
                    SEARCH_WINDOW,
                    SEARCH_WINDOW,
                )
                break
            page += 1
            try:
                resp = run.request(
                    "GET",
                    "paper/search",
                    params={"query": query, "fields": FIELDS, "offset": offset, "limit": limit},
                    secret_headers=secret,
                    validate=validate,
                )
            except HttpError as exc:
                raise _fail(run, exc) from None
            data = resp.json()
            assert isinstance(data, dict)
            items = data.get("data") or []
            for paper in items:
                record = paper_record(run, _record, paper) if isinstance(paper, dict) else None
                if record is not None and len(records) < max_results:
                    records.append(record)
            log.info(
                "%s: page %d (offset=%d): %d papers, %d/%s so far%s",
                run.label,
                page,
                offset,
                len(items),
                len(records),
                data.get("total", "?"),
                " (cached)" if resp.from_cache else "",
            )
            nxt = data.get("next")
            if nxt is None or not items:
                break
            offset = int(nxt)
    return records
