"""Remote sources (arxiv, semanticscholar, openalex, huggingface): shared plumbing and dispatch.

``fetch_remote_source(source, http)`` is what ``marginalia.corpus.load_source`` calls for every
source whose type is not ``file``. It builds one :class:`~marginalia.corpus.http.HttpClient`
from ``corpus.http``, runs the source type's fetcher, and in offline mode fails with the list of
every request that was not cached. Records are normalized with ``records.make_record``; their
``source`` is the source's configured ``name``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from marginalia.corpus.http import HttpClient, HttpSettings, Response, RetryableResponse
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)

DEFAULT_BASE_URLS = {
    "arxiv": "https://export.arxiv.org/api",
    "semanticscholar": "https://api.semanticscholar.org/graph/v1",
    "openalex": "https://api.openalex.org",
    "huggingface": "https://huggingface.co/api",
}

# Environment variables read for an API key when the source does not name one (api_key_env).
DEFAULT_KEY_ENVS = {
    "semanticscholar": "S2_API_KEY",
    "openalex": "OPENALEX_API_KEY",
    "huggingface": "HF_TOKEN",
}


@dataclass
class SourceRun:
    """One remote source being fetched: its config, its client and its counters."""

    config: Mapping
    client: HttpClient
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return str(self.config["name"])

    @property
    def kind(self) -> str:
        return str(self.config["type"])

    @property
    def label(self) -> str:
        return f"corpus source {self.name!r} ({self.kind})"

    @property
    def base_url(self) -> str:
        return str(self.config.get("base_url") or DEFAULT_BASE_URLS[self.kind]).rstrip("/")

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs) -> Response:
        kwargs.setdefault("min_interval", self.config.get("min_interval"))
        return self.client.request(method, self.url(path), **kwargs)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def api_key(self) -> str | None:
        """The API key from the environment variable named by ``api_key_env`` (if set)."""
        env = self.config.get("api_key_env") or DEFAULT_KEY_ENVS.get(self.kind)
        if not env:
            return None
        value = os.environ.get(env, "").strip()
        if value:
            log.info("%s: using the API key from environment variable %s", self.label, env)
            return value
        if self.config.get("api_key_env"):
            log.warning(
                "%s: environment variable %s (api_key_env) is not set; continuing without a key",
                self.label,
                env,
            )
        return None


def read_ids(source: Mapping, normalize: Callable[[str], str] | None = None) -> list[str]:
    """The identifiers of a source: ``ids`` then the lines of ``ids_file``, deduplicated.

    ``ids_file`` has one identifier per line; blank lines and text after ``#`` are ignored.
    """
    name = source.get("name")
    raw: list[tuple[str, str]] = [
        (str(i), f"ids[{n}]") for n, i in enumerate(source.get("ids", []))
    ]
    if source.get("ids_file"):
        path = Path(source["ids_file"])
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise MarginaliaError(
                f"corpus source {name!r}: config key ids_file: {str(path)!r} does not exist "
                f"(paths are relative to the working directory {str(Path.cwd())!r})"
            ) from None
        except UnicodeDecodeError as exc:
            raise MarginaliaError(
                f"corpus source {name!r}: ids_file {str(path)!r} is not UTF-8 text ({exc})"
            ) from None
        for lineno, line in enumerate(lines, start=1):
            text = line.split("#", 1)[0].strip()
            if text:
                raw.append((text, f"{path}:{lineno}"))
    out: list[str] = []
    seen: set[str] = set()
    for value, where in raw:
        try:
            ident = normalize(value) if normalize else value.strip()
        except MarginaliaError as exc:
            raise MarginaliaError(f"corpus source {name!r}, {where}: {exc}") from None
        if not ident:
            raise MarginaliaError(f"corpus source {name!r}: empty identifier at {where}")
        if ident not in seen:
            seen.add(ident)
            out.append(ident)
    return out


def chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def parse_json(resp: Response, what: str) -> object:
    """The JSON body, or :class:`RetryableResponse` naming what was malformed."""
    try:
        return resp.json()
    except ValueError as exc:
        raise RetryableResponse(f"malformed JSON from {what} ({exc})") from None


def json_validator(check: Callable[[object], None] | None = None):
    """A ``validate`` callback: the body must be JSON (and pass ``check``, if given)."""

    def validate(resp: Response, attempt: int) -> None:
        data = parse_json(resp, resp.url)
        if check is not None:
            check(data)

    return validate


def warn_missing(run: SourceRun, missing: list[str], requested: int, what: str = "id") -> None:
    if not missing:
        return
    run.count("missing", len(missing))
    shown = ", ".join(missing[:20]) + (
        f", ... ({len(missing) - 20} more)" if len(missing) > 20 else ""
    )
    log.warning(
        "%s: %d of %d requested %ss not found: %s", run.label, len(missing), requested, what, shown
    )


def fetch_remote_source(
    source: dict, http: dict, *, client: HttpClient | None = None
) -> list[dict]:
    """Fetch one remote source into normalized corpus records.

    ``client`` is for tests (fake clock and sleep); by default one is built from ``http``.
    """
    from marginalia.corpus import arxiv, huggingface, openalex, semanticscholar

    fetchers: dict[str, Callable[[SourceRun], list[dict]]] = {
        "arxiv": arxiv.fetch,
        "semanticscholar": semanticscholar.fetch,
        "openalex": openalex.fetch,
        "huggingface": huggingface.fetch,
    }
    kind = source.get("type")
    if kind not in fetchers:
        raise MarginaliaError(
            f"corpus source {source.get('name')!r}: config key type: unknown remote source type "
            f"{kind!r}; use one of {sorted(fetchers)} or file"
        )
    if client is None:
        client = HttpClient(HttpSettings.from_config(http))
    run = SourceRun(config=source, client=client)
    records = fetchers[kind](run)
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
