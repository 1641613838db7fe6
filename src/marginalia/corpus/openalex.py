"""The ``openalex`` source: OpenAlex works.

- ``ids`` / ``ids_file``: DOIs (``10.…``, ``doi:10.…``, ``https://doi.org/10.…``), fetched one by
  one with ``GET /works/https://doi.org/<doi>``; OpenAlex work ids (``W123…``) are fetched as
  ``/works/W123…``. A 404 (OpenAlex answers with an HTML page) marks the id as missing.
- ``filter`` and/or ``query`` (OpenAlex ``search``): ``GET /works`` with cursor paging
  (``cursor=*``, then ``meta.next_cursor`` until it is null) up to ``max_results``.

The abstract is rebuilt from ``abstract_inverted_index``; works without one are kept with an
empty abstract, a warning and a count. ``mailto`` (the source's, else ``corpus.http.contact``)
puts requests in the polite pool; an API key (``api_key`` parameter) is read from the
environment variable named by ``api_key_env`` (default ``OPENALEX_API_KEY``).
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from marginalia.corpus.fetching import (
    SourceRun,
    body_snippet,
    fetch_each,
    fetch_pages,
    json_message,
    paper_record,
    parse_json,
    read_ids,
    refused,
    text_field,
)
from marginalia.corpus.http import HttpError, Response, RetryableResponse
from marginalia.corpus.records import make_record, normalize_doi
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)

BASE_URL = "https://api.openalex.org"
KEY_ENV = "OPENALEX_API_KEY"

SELECT = "id,doi,title,display_name,publication_year,abstract_inverted_index"
MAX_PAGE = 200
_WORK_ID = re.compile(r"^(?:https://openalex\.org/)?(W\d+)$", re.IGNORECASE)


def rebuild_abstract(index: dict | None) -> str:
    """Text from an inverted index {token: [positions]}: tokens by position, single spaces."""
    if not index or not isinstance(index, dict):
        return ""
    placed: list[tuple[int, str]] = []
    for token, positions in index.items():
        if not isinstance(positions, list):
            continue
        for pos in positions:  # a position that is not a whole number is not a position
            if isinstance(pos, int) and not isinstance(pos, bool) and pos >= 0:
                placed.append((pos, str(token)))
    placed.sort(key=lambda p: p[0])
    return " ".join(token for _, token in placed)


def clean_id(value: str) -> str:
    """An OpenAlex work id (``W123``) or a DOI; anything else is an error."""
    value = value.strip()
    m = _WORK_ID.match(value)
    if m:
        return m.group(1).upper()
    doi = normalize_doi(value)
    if doi is None:
        raise MarginaliaError(
            f"{value!r} is neither a DOI (10.…) nor an OpenAlex work id (W…); "
            "fix the config key ids/ids_file"
        )
    return doi


def _record(run: SourceRun, work: dict) -> dict | None:
    title = text_field(work.get("title")) or text_field(work.get("display_name")) or ""
    if not title.strip():
        return None
    index = work.get("abstract_inverted_index")
    if not index:
        run.count("without abstract")
        log.warning(
            "%s: OpenAlex has no abstract for %r (%s); kept with an empty abstract",
            run.label,
            str(title)[:80],
            work.get("id"),
        )
    doi = text_field(work.get("doi"))
    return make_record(
        title=title,
        abstract=rebuild_abstract(index),
        source=run.name,
        doi=doi,
        year=work.get("publication_year"),
        url=None if doi else text_field(work.get("id")),
    )


def _params(run: SourceRun) -> tuple[dict[str, str], dict[str, str]]:
    """(uncached params, secret params): mailto and the API key."""
    mailto = run.config.get("mailto") or run.client.settings.contact
    key = run.api_key()
    return ({"mailto": mailto} if mailto else {}), ({"api_key": key} if key else {})


def _fail(run: SourceRun, exc: HttpError) -> MarginaliaError:
    detail = json_message(exc, ("message", "error"))
    return refused(
        run,
        exc,
        "OpenAlex",
        body_snippet(exc) if detail is None else detail,
        advice=" (check filter/query in corpus.sources; 403/429 may mean a missing or exhausted "
        "API key, see api_key_env)",
    )


def _work_path(ident: str) -> str:
    if ident.startswith("W"):
        return f"works/{ident}"
    return f"works/https://doi.org/{quote(ident, safe='')}"


def fetch(run: SourceRun) -> list[dict]:
    if run.config.get("ids") or run.config.get("ids_file"):
        return fetch_ids(run, read_ids(run.config, clean_id))
    if run.config.get("filter") or run.config.get("query"):
        return fetch_list(run)
    raise MarginaliaError(f"{run.label}: set one of the config keys ids, ids_file, filter, query")


def fetch_ids(run: SourceRun, ids: list[str]) -> list[dict]:
    uncached, secret = _params(run)

    def validate(resp: Response, attempt: int) -> None:
        data = parse_json(resp, resp.url)
        if not isinstance(data, dict) or "id" not in data:
            raise RetryableResponse(f"OpenAlex answer is not a work: {resp.text()[:200]}")

    return fetch_each(
        run,
        ids,
        path=_work_path,
        record=_record,
        fail=_fail,
        not_found="not found",
        what="DOI/work id",
        params={"select": SELECT},
        uncached_params=uncached,
        secret_params=secret,
        validate=validate,
    )


def fetch_list(run: SourceRun) -> list[dict]:
    uncached, secret = _params(run)
    max_results = int(run.config.get("max_results") or 100)
    per_page = min(int(run.config.get("page_size") or MAX_PAGE), MAX_PAGE, max_results)
    base: dict[str, object] = {"select": SELECT, "per_page": per_page}
    if run.config.get("filter"):
        base["filter"] = run.config["filter"]
    if run.config.get("query"):
        base["search"] = run.config["query"]

    def validate(resp: Response, attempt: int) -> None:
        data = parse_json(resp, resp.url)
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise RetryableResponse(f"OpenAlex answer has no 'results' list: {resp.text()[:200]}")

    records: list[dict] = []
    seen: set[str] = set()
    page = 0

    def read_page(params: dict[str, Any], resp: Response) -> dict[str, Any] | None:
        nonlocal page
        page += 1
        data = resp.json()
        assert isinstance(data, dict)
        results = data["results"]
        for work in results:
            if not isinstance(work, dict):
                run.count("malformed")
                continue
            wid = str(work.get("id") or "")
            if wid in seen or len(records) >= max_results:
                continue
            seen.add(wid)
            record = paper_record(run, _record, work)
            if record is not None:
                records.append(record)
        meta = data.get("meta") if isinstance(data.get("meta"), dict) else {}
        log.info(
            "%s: page %d: %d works, %d/%s so far%s",
            run.label,
            page,
            len(results),
            len(records),
            meta.get("count", "?"),
            " (cached)" if resp.from_cache else "",
        )
        cursor = meta.get("next_cursor") if results else None
        if not cursor or not isinstance(cursor, str) or len(records) >= max_results:
            return None
        return {**params, "cursor": cursor}

    first = {**base, "cursor": "*"} if max_results > 0 else None
    fetch_pages(
        run,
        "works",
        first,
        read_page,
        fail=_fail,
        uncached_params=uncached,
        secret_params=secret,
        validate=validate,
    )
    return records
