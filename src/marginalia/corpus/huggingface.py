"""The ``huggingface`` source: Hugging Face papers (arXiv papers featured on the Hub).

- ``date`` (YYYY-MM-DD) or ``date_range`` ([first, last], inclusive): the daily papers of each
  day, ``GET /daily_papers?date=…&limit=…&p=…``, paged while a page comes back full.
- ``ids`` / ``ids_file``: arXiv ids, ``GET /papers/{id}`` one by one; a 404 means the paper is not
  on the Hub and is reported as missing.

A token (``Authorization: Bearer …``) is read from the environment variable named by
``api_key_env`` (default ``HF_TOKEN``); it is optional.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from marginalia.corpus.fetching import (
    SourceRun,
    body_snippet,
    fetch_each,
    fetch_pages,
    paper_record,
    parse_json,
    read_ids,
    refused,
    text_field,
)
from marginalia.corpus.http import HttpError, Response, RetryableResponse
from marginalia.corpus.records import clean_arxiv_id, leading_year, make_record
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)

BASE_URL = "https://huggingface.co/api"
KEY_ENV = "HF_TOKEN"

PAGE_SIZE = 100
MAX_DAYS = 366


def _record(run: SourceRun, paper: dict, fallback: dict | None = None) -> dict | None:
    fallback = fallback or {}

    def field(key: str) -> str | None:
        return text_field(paper.get(key)) or text_field(fallback.get(key))

    title = field("title") or ""
    if not title.strip():
        return None
    return make_record(
        title=title,
        abstract=field("summary") or "",
        source=run.name,
        arxiv_id=text_field(paper.get("id")),
        year=leading_year(field("publishedAt") or ""),
    )


def _headers(run: SourceRun) -> dict[str, str]:
    token = run.api_key()
    return {"Authorization": f"Bearer {token}"} if token else {}


def _fail(run: SourceRun, exc: HttpError) -> MarginaliaError:
    return refused(run, exc, "Hugging Face", body_snippet(exc))


def days(run: SourceRun) -> list[date]:
    cfg = run.config
    try:
        if cfg.get("date"):
            return [date.fromisoformat(str(cfg["date"]))]
        first, last = (date.fromisoformat(str(d)) for d in cfg["date_range"])
    except ValueError as exc:
        raise MarginaliaError(f"{run.label}: config key date/date_range: {exc}") from None
    if last < first:
        raise MarginaliaError(
            f"{run.label}: config key date_range: the last day {last} is before the first {first}"
        )
    n = (last - first).days + 1
    if n > MAX_DAYS:
        raise MarginaliaError(
            f"{run.label}: config key date_range spans {n} days; at most {MAX_DAYS} per source"
        )
    return [first + timedelta(days=i) for i in range(n)]


def fetch(run: SourceRun) -> list[dict]:
    if run.config.get("ids") or run.config.get("ids_file"):
        return fetch_ids(run, read_ids(run.config, clean_arxiv_id))
    if run.config.get("date") or run.config.get("date_range"):
        return fetch_days(run, days(run))
    raise MarginaliaError(
        f"{run.label}: set one of the config keys ids, ids_file, date, date_range"
    )


def fetch_days(run: SourceRun, day_list: list[date]) -> list[dict]:
    headers = _headers(run)
    limit = min(int(run.config.get("page_size") or PAGE_SIZE), PAGE_SIZE)
    records: list[dict] = []
    seen: set[str] = set()

    def validate(resp: Response, attempt: int) -> None:
        data = parse_json(resp, resp.url)
        if not isinstance(data, list):
            raise RetryableResponse(f"daily papers answer is not a list: {resp.text()[:200]}")

    def read_page(params: dict[str, Any], resp: Response) -> dict[str, Any] | None:
        items = resp.json()
        assert isinstance(items, list)
        new = 0
        for item in items:
            if not isinstance(item, dict):
                continue
            paper = item.get("paper") if isinstance(item.get("paper"), dict) else item
            record = paper_record(run, _record, paper, item)
            if record is None:
                continue
            key = record["arxiv_id"] or record["paper_id"]
            if key not in seen:
                seen.add(key)
                records.append(record)
                new += 1
        log.info(
            "%s: %s page %d: %d papers, %d new%s",
            run.label,
            params["date"],
            params["p"],
            len(items),
            new,
            " (cached)" if resp.from_cache else "",
        )
        if len(items) < limit:
            return None
        return {**params, "p": params["p"] + 1}

    for day in day_list:
        fetch_pages(
            run,
            "daily_papers",
            {"date": day.isoformat(), "limit": limit, "p": 0},
            read_page,
            fail=_fail,
            secret_headers=headers,
            validate=validate,
        )
    return records


def fetch_ids(run: SourceRun, ids: list[str]) -> list[dict]:
    headers = _headers(run)

    def validate(resp: Response, attempt: int) -> None:
        data = parse_json(resp, resp.url)
        if not isinstance(data, dict):
            raise RetryableResponse(f"paper answer is not an object: {resp.text()[:200]}")

    return fetch_each(
        run,
        ids,
        path=lambda ident: f"papers/{ident}",
        record=_record,
        fail=_fail,
        not_found="not on the Hub",
        what="arXiv id",
        secret_headers=headers,
        validate=validate,
    )
