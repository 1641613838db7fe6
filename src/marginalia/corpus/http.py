"""The one HTTP client of the remote sources, with its persistent response cache.

Politeness and robustness, in one place:

- ``requests.Session`` with a (connect, read) timeout on every request and a User-Agent naming
  marginalia, its version and a contact address (``corpus.http.contact``).
- Retries with exponential backoff and jitter on connection errors, timeouts, truncated bodies,
  HTTP 429, 500, 502, 503 and 504, honouring ``Retry-After`` (seconds or an HTTP date, capped by
  ``max_backoff``). 400, 403, 404 and other client errors are not retried: they raise
  :class:`HttpError` at once.
- A minimum interval between two requests to the same host (``min_interval``); for arXiv's
  hosts (export.arxiv.org, arxiv.org) never less than 3 s, as arXiv's terms ask.
- A cap on the response size (``max_bytes``).
- API keys travel as secret headers or query parameters: they are left out of cache keys,
  replaced by ``***`` in log lines and error messages, and never stored.
- A response cache on disk (``cache_dir``): one JSON file per request, keyed by method, URL with
  sorted parameters (API keys and ``mailto`` excluded) and body, written atomically. Only 2xx
  responses that pass the caller's ``validate`` check are stored. ``offline`` serves only from
  the cache and records every missing request (see :meth:`HttpClient.unit` and
  :meth:`HttpClient.raise_if_missing`); ``refresh`` fetches again and rewrites the cache.

The clock and ``sleep`` are injectable so tests can check every wait without waiting.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from marginalia import __version__
from marginalia.errors import MarginaliaError
from marginalia.tables import atomic_write_bytes

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ARXIV_HOSTS = frozenset({"export.arxiv.org", "arxiv.org"})
ARXIV_MIN_INTERVAL = 3.0
CACHE_FORMAT = 1
#: redirects followed (on the request's own host only)
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024

# Exceptions of requests that a retry can cure (network trouble, not a bad request).
_RETRYABLE_EXC = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True)
class HttpSettings:
    """``corpus.http`` with its defaults (see workflow/schemas/corpus.schema.yaml)."""

    contact: str = "marginalia-user@example.org"
    timeout: float = 30.0
    retries: int = 5
    backoff: float = 2.0
    max_backoff: float = 120.0
    min_interval: float = 1.0
    max_bytes: int = 52_428_800
    cache_dir: str = "resources/http-cache"
    offline: bool = False
    refresh: bool = False

    @classmethod
    def from_config(cls, http: Mapping | None) -> HttpSettings:
        http = dict(http or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(http) - known)
        if unknown:
            raise MarginaliaError(
                f"config key corpus.http: unknown key(s) {unknown}; known keys are {sorted(known)}"
            )
        settings = cls(**http)
        if settings.offline and settings.refresh:
            raise MarginaliaError(
                "config keys corpus.http.offline and corpus.http.refresh are both true: offline "
                "mode only reads the cache, refresh only writes it; set one of them to false"
            )
        return settings


@dataclass(frozen=True)
class Response:
    """A complete HTTP response (never a partial one)."""

    status: int
    content_type: str
    body: bytes
    url: str  # the request's canonical URL, without secrets
    from_cache: bool = False

    def text(self) -> str:
        charset = "utf-8"
        for part in self.content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                charset = value.strip("\"'")
        try:
            return self.body.decode(charset, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def json(self) -> object:
        """The body parsed as JSON; ``ValueError`` when it is not JSON."""
        return json.loads(self.text())


class HttpError(MarginaliaError):
    """A non-retryable HTTP status (400, 403, 404, ...) or retries that ran out on one."""

    def __init__(self, message: str, *, status: int, content_type: str, body: bytes, url: str):
        super().__init__(message)
        self.status = status
        self.content_type = content_type
        self.body = body
        self.url = url


class OfflineMiss(MarginaliaError):
    """Offline mode and the request is not cached (recorded in ``HttpClient.missing``)."""


class RetryableResponse(Exception):
    """Raised by a ``validate`` callback: the 2xx response is unusable now, try again later.

    Used for malformed bodies and for arXiv's anomalously empty feeds. The response is not cached.
    """


Validate = Callable[[Response, int], None]


@dataclass
class _Request:
    method: str
    url: str  # canonical: sorted query, no secrets, no key-excluded params
    send_url: str  # base URL without query
    send_params: list[tuple[str, str]]
    json_body: object | None
    headers: dict[str, str]
    key: str
    body_text: str | None

    def describe(self) -> str:
        if self.body_text is None:
            return f"{self.method} {self.url}"
        body = self.body_text if len(self.body_text) <= 300 else self.body_text[:297] + "..."
        return f"{self.method} {self.url} body={body}"


@dataclass
class HttpClient:
    """One polite, caching HTTP client. Create one per source run."""

    settings: HttpSettings = field(default_factory=HttpSettings)
    session: requests.Session | None = None
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)
    missing: list[str] = field(default_factory=list)
    requests_sent: int = 0
    cache_hits: int = 0

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent(self.settings.contact)
        self._last: dict[str, float] = {}
        self._secrets: set[str] = set()
        self.cache = ResponseCache(Path(self.settings.cache_dir))

    # -- public ---------------------------------------------------------------------------

    def get(self, url: str, **kwargs) -> Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> Response:
        return self.request("POST", url, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, object] | None = None,
        json_body: object | None = None,
        headers: Mapping[str, str] | None = None,
        secret_params: Mapping[str, str] | None = None,
        secret_headers: Mapping[str, str] | None = None,
        uncached_params: Mapping[str, str] | None = None,
        min_interval: float | None = None,
        validate: Validate | None = None,
    ) -> Response:
        """Send one request (or serve it from the cache) and return the complete response.

        ``secret_params``/``secret_headers`` (API keys) are sent but never logged or keyed;
        ``uncached_params`` (e.g. ``mailto``) are sent and logged but not part of the cache key.
        ``validate(response, attempt)`` may raise :class:`RetryableResponse` (retry, do not
        cache) or :class:`MarginaliaError` (fail, do not cache).
        """
        for value in [*(secret_params or {}).values(), *(secret_headers or {}).values()]:
            if value:
                self._secrets.add(str(value))
                _REDACTOR.secrets.add(str(value))
        req = _build_request(
            method, url, params, json_body, headers, secret_params, secret_headers, uncached_params
        )
        if not self.settings.refresh:
            cached = self.cache.get(req)
            if cached is not None:
                self.cache_hits += 1
                log.debug("cache hit: %s", req.describe())
                return cached
        if self.settings.offline:
            what = req.describe()
            self.missing.append(what)
            raise OfflineMiss(f"offline mode: not in the cache {self.settings.cache_dir}: {what}")
        return self._fetch(req, min_interval, validate)

    def unit(self) -> AbstractContextManager[None]:
        """A unit of work that an offline cache miss ends without ending the whole run.

        Independent requests (batches, DOIs, days) each run in a unit, so that offline mode
        can list every missing request before failing (:meth:`raise_if_missing`).
        """
        return suppress(OfflineMiss)

    def raise_if_missing(self, what: str) -> None:
        if not self.missing:
            return
        lines = "\n".join(f"  - {m}" for m in self.missing)
        raise MarginaliaError(
            f"{what}: offline mode (config key corpus.http.offline: true) and "
            f"{len(self.missing)} request(s) are not in the cache {self.settings.cache_dir!r}:\n"
            f"{lines}\n"
            "Run once with corpus.http.offline: false to fetch them (later pages of a paged "
            "query are only known once the earlier pages are cached)."
        )

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    # -- internals ------------------------------------------------------------------------

    def _interval(self, host: str, override: float | None) -> float:
        interval = self.settings.min_interval if override is None else override
        if host in ARXIV_HOSTS:
            interval = max(interval, ARXIV_MIN_INTERVAL)
        return interval

    def _wait_for_host(self, host: str, interval: float) -> None:
        last = self._last.get(host)
        if last is None or interval <= 0:
            return
        wait = last + interval - self.clock()
        if wait > 0:
            self.sleep(wait)

    def _backoff(self, retry: int) -> float:
        """Wait before retry number ``retry`` (1-based): backoff * 2**(retry-1), minus jitter.

        The jitter takes off up to half of the wait, so concurrent clients spread out.
        """
        base = min(self.settings.max_backoff, self.settings.backoff * 2 ** (retry - 1))
        return base * (1.0 - 0.5 * self.rng.random())

    def _fetch(self, req: _Request, min_interval: float | None, validate: Validate | None):
        host = urlsplit(req.send_url).hostname or ""
        interval = self._interval(host, min_interval)
        tries = self.settings.retries + 1
        last_status: tuple[int, str, bytes] | None = None
        for attempt in range(tries):
            self._wait_for_host(host, interval)
            retry_after: float | None = None
            try:
                status, ctype, body, headers = self._send(req)
            except _RETRYABLE_EXC as exc:
                problem = f"{type(exc).__name__}: {self.redact(str(exc))}"
                last_status = None
            else:
                if 200 <= status < 300:
                    resp = Response(status, ctype, body, req.url)
                    try:
                        if validate is not None:
                            validate(resp, attempt)
                    except RetryableResponse as exc:
                        problem = str(exc)
                        last_status = None
                    else:
                        self.cache.put(req, resp)
                        return resp
                elif status in RETRY_STATUSES:
                    problem = f"HTTP {status}: {_snippet(body)}"
                    retry_after = parse_retry_after(headers.get("Retry-After"), self._now())
                    last_status = (status, ctype, body)
                else:
                    raise HttpError(
                        f"HTTP {status} from {req.describe()}: {_snippet(body)}",
                        status=status,
                        content_type=ctype,
                        body=body,
                        url=req.url,
                    )
            if attempt + 1 >= tries:
                message = (
                    f"{req.describe()} failed after {tries} tries; last problem: {problem}. "
                    "Responses fetched so far are cached: wait and run again, or raise "
                    "corpus.http.retries / corpus.http.max_backoff"
                )
                if last_status is not None:
                    status, ctype, body = last_status
                    raise HttpError(
                        message, status=status, content_type=ctype, body=body, url=req.url
                    )
                raise MarginaliaError(message)
            if retry_after is not None:
                wait = min(retry_after, self.settings.max_backoff)
                how = "Retry-After"
            else:
                wait = self._backoff(attempt + 1)
                how = "backoff"
            log.warning(
                "%s: %s; retry %d/%d in %.1f s (%s)",
                req.describe(),
                problem,
                attempt + 1,
                tries - 1,
                wait,
                how,
            )
            if wait > 0:
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def _send(self, req: _Request) -> tuple[int, str, bytes, Mapping[str, str]]:
        """One network round trip; reads the whole body (bounded by max_bytes)."""
        assert self.session is not None
        host = urlsplit(req.send_url).hostname or ""
        self.requests_sent += 1
        log.debug("%s", req.describe())
        method, url, params, body_json = req.method, req.send_url, req.send_params, req.json_body
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                r = self.session.request(
                    method,
                    url,
                    params=params,
                    json=body_json,
                    headers=req.headers,
                    timeout=(self.settings.timeout, self.settings.timeout),
                    stream=True,
                    allow_redirects=False,  # followed below, on the same host only
                )
            except requests.exceptions.InvalidURL as exc:
                raise MarginaliaError(
                    f"invalid URL {self.redact(url)!r} ({exc}); check the source's base_url"
                ) from None
            except (requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema) as exc:
                raise MarginaliaError(
                    f"invalid URL {self.redact(url)!r} ({exc}); base_url must start with "
                    "http:// or https://"
                ) from None
            if not r.is_redirect:
                break
            target = urljoin(r.url, r.headers["Location"])
            r.close()
            if (urlsplit(target).hostname or "") != host:
                raise MarginaliaError(
                    f"{req.describe()}: the server redirects to another host "
                    f"({self.redact(target)!r}); not followed: only the configured API hosts "
                    "are contacted (set the source's base_url if the API moved)"
                )
            if r.status_code == 303 or (r.status_code in (301, 302) and method == "POST"):
                method, body_json = "GET", None
            url, params = target, None  # the Location carries its own query
        else:
            r.close()
            raise MarginaliaError(f"{req.describe()}: more than {MAX_REDIRECTS} redirects")
        try:
            declared = r.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > self.settings.max_bytes:
                raise MarginaliaError(self._too_big(req, int(declared)))
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_content(_CHUNK):
                size += len(chunk)
                if size > self.settings.max_bytes:
                    raise MarginaliaError(self._too_big(req, size))
                chunks.append(chunk)
            body = b"".join(chunks)
        finally:
            r.close()
            self._last[host] = self.clock()
        return r.status_code, r.headers.get("Content-Type", ""), body, r.headers

    def _too_big(self, req: _Request, size: int) -> str:
        return (
            f"{req.describe()}: the response is larger than corpus.http.max_bytes "
            f"({self.settings.max_bytes} bytes; got at least {size}); ask for fewer results per "
            "request or raise corpus.http.max_bytes"
        )


def user_agent(contact: str) -> str:
    return f"marginalia/{__version__} (+mailto:{contact}; python-requests/{requests.__version__})"


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _snippet(body: bytes, limit: int = 200) -> str:
    text = " ".join(body.decode("utf-8", errors="replace").split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _pairs(params: Mapping[str, object] | None) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            out.extend((key, str(v)) for v in value)
        else:
            out.append((key, str(value)))
    return out


def _build_request(
    method: str,
    url: str,
    params: Mapping[str, object] | None,
    json_body: object | None,
    headers: Mapping[str, str] | None,
    secret_params: Mapping[str, str] | None,
    secret_headers: Mapping[str, str] | None,
    uncached_params: Mapping[str, str] | None,
) -> _Request:
    method = method.upper()
    parts = urlsplit(url)
    base = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    public = parse_qsl(parts.query, keep_blank_values=True) + _pairs(params)
    uncached = _pairs(uncached_params)
    secret = [(k, v) for k, v in _pairs(secret_params) if v]
    canonical_query = urlencode(sorted(public))
    canonical = urlunsplit((parts.scheme, parts.netloc.lower(), parts.path, canonical_query, ""))
    body_text = None
    if json_body is not None:
        body_text = json.dumps(json_body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key_material = json.dumps([method, canonical, body_text], ensure_ascii=False)
    key = hashlib.sha256(key_material.encode("utf-8")).hexdigest()
    all_headers = dict(headers or {})
    all_headers.update({k: v for k, v in (secret_headers or {}).items() if v})
    shown = urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(sorted(public + uncached)), "")
    )
    return _Request(
        method=method,
        url=shown,
        send_url=base,
        send_params=public + uncached + secret,
        json_body=json_body,
        headers=all_headers,
        key=key,
        body_text=body_text,
    )


class ResponseCache:
    """One JSON file per request: ``<dir>/<host>/<key[:2]>/<key>.json``, written atomically."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str, host: str = "") -> Path:
        return self.root / _safe_host(host) / key[:2] / f"{key}.json"

    def get(self, req: _Request) -> Response | None:
        path = self.path(req.key, urlsplit(req.send_url).netloc)
        if not path.is_file():
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry.get("format") != CACHE_FORMAT:
                return None
            if entry.get("body_base64") is not None:
                body = base64.b64decode(entry["body_base64"])
            else:
                body = entry["body"].encode("utf-8")
            return Response(
                status=int(entry["status"]),
                content_type=str(entry["content_type"]),
                body=body,
                url=str(entry["request"]["url"]),
                from_cache=True,
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable cache entry %s (%s); fetching again", path, exc)
            return None

    def put(self, req: _Request, resp: Response) -> Path:
        entry: dict[str, object] = {
            "format": CACHE_FORMAT,
            "request": {"method": req.method, "url": req.url, "body": req.body_text},
            "status": resp.status,
            "content_type": resp.content_type,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            entry["body"] = resp.body.decode("utf-8")
            entry["body_base64"] = None
        except UnicodeDecodeError:
            entry["body"] = None
            entry["body_base64"] = base64.b64encode(resp.body).decode("ascii")
        path = self.path(req.key, urlsplit(req.send_url).netloc)
        atomic_write_bytes(path, json.dumps(entry, ensure_ascii=False).encode("utf-8"))
        return path


def _safe_host(host: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in ".-" else "_" for c in host.lower())
    return cleaned or "_"


class _Redactor(logging.Filter):
    """Replaces API keys in urllib3's debug lines (which show request URLs) with ***."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(s in message for s in self.secrets):
                for s in self.secrets:
                    message = message.replace(s, "***")
                record.msg = message
                record.args = ()
        return True


_REDACTOR = _Redactor()
logging.getLogger("urllib3.connectionpool").addFilter(_REDACTOR)
