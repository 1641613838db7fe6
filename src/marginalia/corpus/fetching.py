"""What every remote source shares: the run of one source and the fetch loops built on it.

- :class:`SourceRun`: one configured source with its HTTP client, base URL, API key and counters.
- :func:`read_ids`: the identifiers of ``ids`` and ``ids_file``; :func:`chunks` for batches.
- :func:`fetch_each`: the per-id loop (one GET per identifier, 404 = missing) and
  :func:`fetch_pages`: the paging loop (one GET per page, the caller says what comes next).
- :func:`refused`: the error for a request a service refused (with :func:`json_message` or
  :func:`body_snippet` as its detail); :func:`warn_missing` for ids a service does not know.

The source modules (arxiv, semanticscholar, openalex, huggingface) build on this module; only
``marginalia.corpus.remote`` knows them all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marginalia.corpus.http import HttpClient, HttpError, Response, RetryableResponse
from marginalia.errors import MarginaliaError

log = logging.getLogger(__name__)


@dataclass
class SourceRun:
    """One remote source being fetched: its config, its client and its counters.

    ``default_base_url`` and ``default_key_env`` are the source type's defaults for the config
    keys ``base_url`` and ``api_key_env`` (the dispatcher fills them from the source module).
    """

    config: Mapping
    client: HttpClient
    default_base_url: str
    default_key_env: str | None = None
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
        return str(self.config.get("base_url") or self.default_base_url).rstrip("/")

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(self, method: str, path: str, **kwargs) -> Response:
        kwargs.setdefault("min_interval", self.config.get("min_interval"))
        return self.client.request(method, self.url(path), **kwargs)

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def api_key(self) -> str | None:
        """The API key from the environment variable named by ``api_key_env`` (if set)."""
        env = self.config.get("api_key_env") or self.default_key_env
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


# -- failures -------------------------------------------------------------------------------


def json_message(exc: HttpError, keys: tuple[str, ...]) -> str | None:
    """The first non-empty ``keys`` field of a JSON error body ('' if none); None if not JSON."""
    try:
        data = Response(exc.status, exc.content_type, exc.body, exc.url).json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return ""
    return next((str(data[key]) for key in keys if data.get(key)), "")


def body_snippet(exc: HttpError) -> str:
    """The error body with white space folded, at most 200 characters."""
    return " ".join(exc.body.decode("utf-8", "replace").split())[:200]


def refused(
    run: SourceRun,
    exc: HttpError,
    service: str,
    detail: str | None,
    *,
    hint: str = "",
    advice: str = "",
) -> MarginaliaError:
    """The error for a request ``service`` refused with ``exc``.

    ``<label>: <service> answered HTTP <status>[: <detail>][ (<hint>)]. Request: <url><advice>``;
    the ``: <detail>`` part is left out when ``detail`` is None.
    """
    text = f"{run.label}: {service} answered HTTP {exc.status}"
    text += f": {detail}" if detail is not None else ""
    text += f" ({hint})" if hint else ""
    return MarginaliaError(f"{text}. Request: {exc.url}{advice}")


Fail = Callable[[SourceRun, HttpError], MarginaliaError]


# -- one paper of an answer -----------------------------------------------------------------

#: what a paper of an API answer can raise when it is not shaped as documented (a number where
#: a title belongs, a list where an index belongs)
MALFORMED = (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError)


def paper_record(run: SourceRun, record: Callable[..., dict | None], *args: Any) -> dict | None:
    """``record(run, *args)``, or None (counted as "malformed" and logged) when the paper in
    the answer is not shaped as the API documents: one odd paper costs that paper, not the
    source. A malformed answer as a whole is the ``validate`` check's business."""
    try:
        return record(run, *args)
    except MALFORMED as exc:
        run.count("malformed")
        log.warning(
            "%s: skipped a paper the API sent in an unexpected shape (%s: %s)",
            run.label,
            type(exc).__name__,
            str(exc)[:120],
        )
        return None


def text_field(value: Any) -> str | None:
    """A text field of an API answer: text as is, a number as its digits, anything else
    (a list, an object, true/false) None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


# -- fetch loops ----------------------------------------------------------------------------


def fetch_each(
    run: SourceRun,
    ids: list[str],
    *,
    path: Callable[[str], str],
    record: Callable[[SourceRun, dict], dict | None],
    fail: Fail,
    not_found: str,
    what: str,
    **request: Any,
) -> list[dict]:
    """GET ``path(id)`` for each id, each in its own unit of work; the records in id order.

    The answer must be a JSON object (``request`` holds the ``validate`` check saying so, and
    the other keyword arguments of :meth:`SourceRun.request`); ``record`` turns it into a record
    or None. HTTP 404 (logged as ``<id> <not_found>``) and None make the id missing; missing ids
    are reported as ``what``. Any other HTTP error raises ``fail(run, exc)``.
    """
    records: list[dict] = []
    missing: list[str] = []
    for n, ident in enumerate(ids, start=1):
        with run.client.unit():
            try:
                resp = run.request("GET", path(ident), **request)
            except HttpError as exc:
                if exc.status == 404:
                    missing.append(ident)
                    log.info(
                        "%s: %d/%d: %s %s (HTTP 404)", run.label, n, len(ids), ident, not_found
                    )
                    continue
                raise fail(run, exc) from None
            answer = resp.json()
            assert isinstance(answer, dict)
            rec = paper_record(run, record, answer)
            if rec is None:
                missing.append(ident)
            else:
                records.append(rec)
            log.info(
                "%s: %d/%d: %s%s",
                run.label,
                n,
                len(ids),
                ident,
                " (cached)" if resp.from_cache else "",
            )
    warn_missing(run, missing, len(ids), what)
    return records


def fetch_pages(
    run: SourceRun,
    path: str,
    params: dict[str, Any] | None,
    read_page: Callable[[dict[str, Any], Response], dict[str, Any] | None],
    *,
    fail: Fail,
    **request: Any,
) -> None:
    """GET ``path`` page after page, all in one unit of work.

    ``params`` are the first page's query parameters (None: request nothing);
    ``read_page(params, response)`` takes one page in and returns the next page's parameters,
    or None to stop. ``request`` holds the other keyword arguments of :meth:`SourceRun.request`.
    An HTTP error raises ``fail(run, exc)``.
    """
    with run.client.unit():
        while params is not None:
            try:
                resp = run.request("GET", path, params=params, **request)
            except HttpError as exc:
                raise fail(run, exc) from None
            params = read_page(params, resp)
