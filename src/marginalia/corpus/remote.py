"""Remote sources (arxiv, semanticscholar, openalex, huggingface): the dispatcher.

``fetch_remote_source(source, http)`` is what ``marginalia.corpus.load_source`` calls for every
source whose type is not ``file``. It builds one :class:`~marginalia.corpus.http.HttpClient`
from ``corpus.http``, runs the source type's fetcher, and in offline mode fails with the list of
every request that was not cached. Records are normalized with ``records.make_record``; their
``source`` is the source's configured ``name``.

This is the only module that knows every remote source type: each source module provides
``BASE_URL`` (the default ``base_url``), ``KEY_ENV`` (the default ``api_key_env``, or None) and
``fetch(run)``; the shared plumbing is in ``marginalia.corpus.fetching``.
"""

from __future__ import annotations

import logging

from marginalia.corpus import arxiv, huggingface, openalex, semanticscholar
from marginalia.corpus.fetching import SourceRun
from marginalia.corpus.http import HttpClient, HttpSettings
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)

SOURCES = {
    "arxiv": arxiv,
    "semanticscholar": semanticscholar,
    "openalex": openalex,
    "huggingface": huggingface,
}


def fetch_remote_source(
    source: dict, http: dict, *, client: HttpClient | None = None
) -> list[dict]:
    """Fetch one remote source into normalized corpus records.

    ``client`` is for tests (fake clock and sleep); by default one is built from ``http``.
    """
    kind = source.get("type")
    if kind not in SOURCES:
        raise MarginaliaError(
            f"corpus source {source.get('name')!r}: config key type: unknown remote source type "
            f"{kind!r}; use one of {sorted(SOURCES)} or file"
        )
    module = SOURCES[kind]
    if client is None:
        client = HttpClient(HttpSettings.from_config(http))
    run = SourceRun(
        config=source,
        client=client,
        default_base_url=module.BASE_URL,
        default_key_env=module.KEY_ENV,
    )
    records = module.fetch(run)
    client.raise_if_missing(run.label)
    extra = "".join(f", {n} {what}" for what, n in sorted(run.counts.items()))
    log.info(
        "%s: %d records (%d requests sent, %d served from the cache%s)",
        run.label,
        len(records),
        client.requests_sent,
        client.cache_hits,
        extra,
    )
    return records
