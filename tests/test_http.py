"""The shared HTTP client and its response cache (marginalia.corpus.http).

Faults are injected with pytest-httpserver handlers and, for broken connections, a small raw
socket server. Waits go through a fake clock, so retries are checked without waiting.
"""

from __future__ import annotations

import io
import json
import logging
import random
import socket
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from werkzeug import Request
from werkzeug import Response as WResponse

from marginalia import __version__
from marginalia.corpus.http import (
    HttpClient,
    HttpError,
    HttpSettings,
    OfflineMiss,
    Response,
    RetryableResponse,
    parse_retry_after,
)
from marginalia.errors import MarginaliaError

SECRET = "sk-test-0123456789abcdef"


class FakeClock:
    """Monotonic clock that only moves when ``sleep`` is called; records every sleep."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class FixedRng(random.Random):
    """random() always returns ``value``: 0.0 means no jitter (waits are exact)."""

    def __init__(self, value: float = 0.0) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def make_client(tmp_path: Path, clock: FakeClock, rng: float = 0.0, **settings) -> HttpClient:
    base = {
        "cache_dir": str(tmp_path / "cache"),
        "min_interval": 0.0,
        "retries": 3,
        "backoff": 1.0,
        "max_backoff": 30.0,
        "timeout": 5.0,
    }
    base.update(settings)
    return HttpClient(HttpSettings(**base), sleep=clock.sleep, clock=clock.clock, rng=FixedRng(rng))


def cache_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "cache"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def sequence(*responses: WResponse) -> Callable[[Request], WResponse]:
    """A handler answering with the given responses in turn (the last one repeats)."""
    queue = list(responses)

    def handler(request: Request) -> WResponse:
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


def ok(body: str = '{"ok": true}', ctype: str = "application/json") -> WResponse:
    return WResponse(body, status=200, content_type=ctype)


# -- raw socket server for broken connections ---------------------------------------------


class RawServer:
    """Answers each connection with the next scripted behaviour.

    ``reset``: read the request, then close with RST; ``truncate``: promise 1000 bytes and send
    20; ``hang``: read the request and never answer (until the server stops); ``ok``: a complete
    200 JSON response.
    """

    def __init__(self, script: list[str]) -> None:
        self.script = list(script)
        self.connections = 0
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/data"

    def _serve(self) -> None:
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            what = self.script.pop(0) if len(self.script) > 1 else self.script[0]
            threading.Thread(target=self._handle, args=(conn, what), daemon=True).start()

    def _handle(self, conn: socket.socket, what: str) -> None:
        try:
            self._answer(conn, what)
        finally:
            conn.close()

    def _answer(self, conn: socket.socket, what: str) -> None:
        conn.settimeout(2)
        try:
            conn.recv(65536)
        except OSError:
            return
        if what == "reset":
            conn.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
        elif what == "truncate":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000\r\nConnection: close\r\n\r\n" + b'{"data": [1, 2, 3, 4'
            )
        elif what == "hang":
            self.stop.wait(3)
        elif what == "ok":
            body = b'{"ok": true}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                + str(len(body)).encode()
                + b"\r\nConnection: close\r\n\r\n"
                + body
            )

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def raw_server():
    servers: list[RawServer] = []

    def start(script: list[str]) -> RawServer:
        server = RawServer(script)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


# -- basics ---------------------------------------------------------------------------------


def test_user_agent_names_marginalia_version_and_contact(httpserver, tmp_path):
    httpserver.expect_request("/x").respond_with_data("{}", content_type="application/json")
    clock = FakeClock()
    client = make_client(tmp_path, clock, contact="me@lab.example")
    resp = client.get(httpserver.url_for("/x"))
    request, _ = httpserver.log[0]
    ua = request.headers["User-Agent"]
    assert ua.startswith(f"marginalia/{__version__} ")
    assert "mailto:me@lab.example" in ua
    assert resp.status == 200 and resp.json() == {} and not resp.from_cache


def test_settings_reject_unknown_keys_and_offline_with_refresh():
    with pytest.raises(MarginaliaError, match=r"corpus.http: unknown key\(s\) \['retry'\]"):
        HttpSettings.from_config({"retry": 3})
    with pytest.raises(MarginaliaError, match="offline and corpus.http.refresh are both true"):
        HttpSettings.from_config({"offline": True, "refresh": True})
    assert HttpSettings.from_config({}).cache_dir == "resources/http-cache"


# -- retries --------------------------------------------------------------------------------


def test_429_with_retry_after_seconds_waits_that_long(httpserver, tmp_path):
    httpserver.expect_request("/r").respond_with_handler(
        sequence(WResponse("slow down", status=429, headers={"Retry-After": "7"}), ok())
    )
    clock = FakeClock()
    resp = make_client(tmp_path, clock).get(httpserver.url_for("/r"))
    assert resp.json() == {"ok": True}
    assert clock.sleeps == [7.0]
    assert len(httpserver.log) == 2


def test_429_with_retry_after_http_date(httpserver, tmp_path):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    httpserver.expect_request("/r").respond_with_handler(
        sequence(WResponse("", status=429, headers={"Retry-After": when}), ok())
    )
    clock = FakeClock()
    make_client(tmp_path, clock).get(httpserver.url_for("/r"))
    assert len(clock.sleeps) == 1
    assert 17.0 <= clock.sleeps[0] <= 20.0


def test_retry_after_is_capped_by_max_backoff(httpserver, tmp_path):
    httpserver.expect_request("/r").respond_with_handler(
        sequence(WResponse("", status=503, headers={"Retry-After": "3600"}), ok())
    )
    clock = FakeClock()
    make_client(tmp_path, clock, max_backoff=12.5).get(httpserver.url_for("/r"))
    assert clock.sleeps == [12.5]


def test_parse_retry_after_forms():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0  # in the past
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_5xx_then_success_uses_exponential_backoff(httpserver, tmp_path, status):
    httpserver.expect_request("/r").respond_with_handler(
        sequence(WResponse("busy", status=status), WResponse("busy", status=status), ok())
    )
    clock = FakeClock()
    resp = make_client(tmp_path, clock, backoff=1.5).get(httpserver.url_for("/r"))
    assert resp.json() == {"ok": True}
    assert clock.sleeps == [1.5, 3.0]
    assert len(httpserver.log) == 3


def test_jitter_takes_off_up_to_half_the_wait(httpserver, tmp_path):
    httpserver.expect_request("/r").respond_with_handler(
        sequence(WResponse("", status=503), WResponse("", status=503), ok())
    )
    clock = FakeClock()
    make_client(tmp_path, clock, rng=0.5, backoff=2.0).get(httpserver.url_for("/r"))
    assert clock.sleeps == [1.5, 3.0]  # 2 * (1 - 0.25), 4 * (1 - 0.25)


def test_backoff_is_capped(httpserver, tmp_path):
    httpserver.expect_request("/r").respond_with_data("", status=503)
    clock = FakeClock()
    client = make_client(tmp_path, clock, retries=4, backoff=4.0, max_backoff=10.0)
    with pytest.raises(HttpError):
        client.get(httpserver.url_for("/r"))
    assert clock.sleeps == [4.0, 8.0, 10.0, 10.0]


def test_retries_run_out_with_a_clear_error_and_nothing_cached(httpserver, tmp_path):
    httpserver.expect_request("/r").respond_with_data("upstream down", status=503)
    clock = FakeClock()
    client = make_client(tmp_path, clock, retries=2)
    with pytest.raises(HttpError, match="failed after 3 tries; last problem: HTTP 503") as exc:
        client.get(httpserver.url_for("/r"))
    assert exc.value.status == 503
    assert "corpus.http.retries" in str(exc.value)
    assert clock.sleeps == [1.0, 2.0]
    assert len(httpserver.log) == 3
    assert cache_files(tmp_path) == []


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_not_retried(httpserver, tmp_path, status):
    httpserver.expect_request("/r").respond_with_data('{"error": "nope"}', status=status)
    clock = FakeClock()
    with pytest.raises(HttpError, match=f"HTTP {status} from GET") as exc:
        make_client(tmp_path, clock).get(httpserver.url_for("/r"))
    assert exc.value.status == status
    assert exc.value.body == b'{"error": "nope"}'
    assert len(httpserver.log) == 1
    assert clock.sleeps == []
    assert cache_files(tmp_path) == []


def test_recorded_crossref_404_text_is_not_retried(httpserver, tmp_path, http_fixtures):
    body = (http_fixtures / "crossref" / "works_10.1371_notarealdoi_error404.txt").read_bytes()
    httpserver.expect_request("/works/10.1371/notarealdoi").respond_with_data(
        body, status=404, content_type="text/plain"
    )
    clock = FakeClock()
    with pytest.raises(HttpError, match="HTTP 404 from GET .*: Resource not found.") as exc:
        make_client(tmp_path, clock).get(httpserver.url_for("/works/10.1371/notarealdoi"))
    assert exc.value.content_type.startswith("text/plain")
    assert len(httpserver.log) == 1
    assert cache_files(tmp_path) == []


def test_recorded_crossref_works_is_cached_and_replayed(httpserver, tmp_path, http_fixtures):
    path = (
        http_fixtures / "crossref" / "works_query.title_augmenting_llms_chemistry_tools_rows1.json"
    )
    body = path.read_bytes()
    httpserver.expect_request("/works").respond_with_data(body, content_type="application/json")
    clock = FakeClock()
    params = {"query.title": "Augmenting large language models with chemistry tools", "rows": 1}
    first = make_client(tmp_path, clock).get(httpserver.url_for("/works"), params=params)
    second = make_client(tmp_path, clock).get(httpserver.url_for("/works"), params=params)
    assert first.body == body == second.body
    assert second.from_cache and second.status == 200
    assert second.content_type == "application/json"
    assert second.json()["message"]["items"][0]["DOI"] == first.json()["message"]["items"][0]["DOI"]
    assert len(httpserver.log) == 1


def test_recorded_s2_429_without_retry_after_backs_off(httpserver, tmp_path, http_fixtures):
    body = (http_fixtures / "semanticscholar" / "paper_search_turing_error429.json").read_bytes()
    httpserver.expect_request("/paper/search").respond_with_data(
        body, status=429, content_type="application/json"
    )
    clock = FakeClock()
    with pytest.raises(HttpError, match="Too Many Requests") as exc:
        make_client(tmp_path, clock, retries=2, backoff=5).get(httpserver.url_for("/paper/search"))
    assert exc.value.status == 429
    assert clock.sleeps == [5.0, 10.0]
    assert len(httpserver.log) == 3


# -- broken connections ---------------------------------------------------------------------


def test_connection_reset_then_success(raw_server, tmp_path):
    server = raw_server(["reset", "ok"])
    clock = FakeClock()
    resp = make_client(tmp_path, clock).get(server.url)
    assert resp.json() == {"ok": True}
    assert server.connections == 2
    assert clock.sleeps == [1.0]


def test_refused_connection_gives_up_with_message(tmp_path):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    clock = FakeClock()
    client = make_client(tmp_path, clock, retries=1)
    with pytest.raises(
        MarginaliaError, match="failed after 2 tries; last problem: ConnectionError"
    ):
        client.get(f"http://127.0.0.1:{port}/x", secret_params={"api_key": SECRET})
    assert clock.sleeps == [1.0]


def test_timeout_then_success(raw_server, tmp_path):
    server = raw_server(["hang", "ok"])
    clock = FakeClock()
    resp = make_client(tmp_path, clock, timeout=0.3).get(server.url)
    assert resp.json() == {"ok": True}
    assert server.connections == 2
    assert clock.sleeps == [1.0]


def test_truncated_body_is_retried_and_never_cached(raw_server, tmp_path):
    server = raw_server(["truncate"])
    clock = FakeClock()
    client = make_client(tmp_path, clock, retries=2)
    with pytest.raises(MarginaliaError, match="failed after 3 tries; last problem: Chunked"):
        client.get(server.url)
    assert server.connections == 3
    assert cache_files(tmp_path) == []


def test_truncated_body_then_complete_one(raw_server, tmp_path):
    server = raw_server(["truncate", "ok"])
    clock = FakeClock()
    resp = make_client(tmp_path, clock).get(server.url)
    assert resp.json() == {"ok": True}
    assert len(cache_files(tmp_path)) == 1


def test_response_larger_than_max_bytes_is_refused(httpserver, tmp_path):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)

    def chunked(request: Request) -> WResponse:
        return WResponse((b"y" * 1000 for _ in range(5)), content_type="text/plain")

    httpserver.expect_request("/stream").respond_with_handler(chunked)
    clock = FakeClock()
    client = make_client(tmp_path, clock, max_bytes=2048)
    with pytest.raises(MarginaliaError, match=r"larger than corpus.http.max_bytes \(2048 bytes"):
        client.get(httpserver.url_for("/big"))
    with pytest.raises(MarginaliaError, match="larger than corpus.http.max_bytes"):
        client.get(httpserver.url_for("/stream"))
    assert cache_files(tmp_path) == []
    assert len(httpserver.log) == 2  # not retried


# -- validate callback: malformed bodies ------------------------------------------------------


def _must_be_json(resp: Response, attempt: int) -> None:
    try:
        resp.json()
    except ValueError as exc:
        raise RetryableResponse(f"malformed JSON ({exc})") from None


def test_malformed_body_is_retried_then_accepted(httpserver, tmp_path):
    httpserver.expect_request("/j").respond_with_handler(sequence(ok('{"data": [1, 2'), ok()))
    clock = FakeClock()
    resp = make_client(tmp_path, clock).get(httpserver.url_for("/j"), validate=_must_be_json)
    assert resp.json() == {"ok": True}
    assert clock.sleeps == [1.0]
    entries = cache_files(tmp_path)
    assert len(entries) == 1
    assert json.loads(entries[0].read_text())["body"] == '{"ok": true}'


def test_persistently_malformed_body_fails_and_is_not_cached(httpserver, tmp_path):
    httpserver.expect_request("/j").respond_with_data("<html>oops", content_type="text/html")
    clock = FakeClock()
    client = make_client(tmp_path, clock, retries=1)
    with pytest.raises(MarginaliaError, match="failed after 2 tries; last problem: malformed JSON"):
        client.get(httpserver.url_for("/j"), validate=_must_be_json)
    assert cache_files(tmp_path) == []


# -- politeness -----------------------------------------------------------------------------


def test_min_interval_between_requests_to_one_host(httpserver, tmp_path):
    httpserver.expect_request("/a").respond_with_data("{}")
    clock = FakeClock()
    client = make_client(tmp_path, clock, min_interval=2.0)
    for i in range(3):
        client.get(httpserver.url_for("/a"), params={"i": i})
    assert clock.sleeps == [2.0, 2.0]
    clock.now += 5  # time passes: no wait needed
    client.get(httpserver.url_for("/a"), params={"i": 9})
    assert clock.sleeps == [2.0, 2.0]


def test_source_min_interval_overrides_config(httpserver, tmp_path):
    httpserver.expect_request("/a").respond_with_data("{}")
    clock = FakeClock()
    client = make_client(tmp_path, clock, min_interval=2.0)
    for i in range(3):
        client.get(httpserver.url_for("/a"), params={"i": i}, min_interval=0.0)
    assert clock.sleeps == []


class _CannedAdapter(requests.adapters.BaseAdapter):
    """Transport for https://export.arxiv.org without a network: always an empty feed."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []

    def send(self, request, **kwargs):
        self.sent.append(request.url)
        resp = requests.Response()
        resp.status_code = 200
        resp.headers["Content-Type"] = "application/atom+xml"
        resp.raw = io.BytesIO(b"<feed xmlns='http://www.w3.org/2005/Atom'/>")
        resp.url = request.url
        resp.request = request
        return resp

    def close(self) -> None:
        pass


def test_arxiv_hosts_get_at_least_three_seconds(tmp_path):
    session = requests.Session()
    adapter = _CannedAdapter()
    session.mount("https://export.arxiv.org/", adapter)
    clock = FakeClock()
    settings = HttpSettings(cache_dir=str(tmp_path / "cache"), min_interval=0.0)
    client = HttpClient(settings, session=session, sleep=clock.sleep, clock=clock.clock)
    for i in range(3):
        client.get("https://export.arxiv.org/api/query", params={"id_list": str(i)}, min_interval=0)
    assert len(adapter.sent) == 3
    assert clock.sleeps == [3.0, 3.0]


# -- cache ----------------------------------------------------------------------------------


def test_second_request_is_served_from_the_cache(httpserver, tmp_path):
    httpserver.expect_request("/c").respond_with_data("hello", content_type="text/plain")
    clock = FakeClock()
    url = httpserver.url_for("/c")
    first = make_client(tmp_path, clock).get(url, params={"b": 2, "a": 1})
    again = make_client(tmp_path, clock).get(url, params={"a": 1, "b": 2})  # order irrelevant
    assert len(httpserver.log) == 1
    assert again.from_cache and again.body == first.body == b"hello"
    assert again.content_type == first.content_type == "text/plain"
    entry = json.loads(cache_files(tmp_path)[0].read_text())
    assert entry["status"] == 200
    assert entry["request"]["url"].endswith("/c?a=1&b=2")
    assert entry["body"] == "hello"


def test_cache_key_includes_method_and_body(httpserver, tmp_path):
    httpserver.expect_request("/p").respond_with_handler(
        lambda r: WResponse(r.get_data() or b"get", content_type="application/json")
    )
    clock = FakeClock()
    client = make_client(tmp_path, clock)
    url = httpserver.url_for("/p")
    assert client.post(url, json_body={"ids": ["a"]}).body == b'{"ids": ["a"]}'
    assert client.post(url, json_body={"ids": ["b"]}).body == b'{"ids": ["b"]}'
    assert client.get(url).body == b"get"
    assert client.post(url, json_body={"ids": ["a"]}).from_cache
    assert len(httpserver.log) == 3
    assert len(cache_files(tmp_path)) == 3


def test_binary_bodies_round_trip(httpserver, tmp_path):
    data = bytes(range(256))
    httpserver.expect_request("/bin").respond_with_data(data, content_type="application/x-bin")
    clock = FakeClock()
    make_client(tmp_path, clock).get(httpserver.url_for("/bin"))
    assert make_client(tmp_path, clock).get(httpserver.url_for("/bin")).body == data


def test_refresh_fetches_again_and_rewrites(httpserver, tmp_path):
    httpserver.expect_request("/c").respond_with_handler(sequence(ok('"old"'), ok('"new"')))
    clock = FakeClock()
    url = httpserver.url_for("/c")
    assert make_client(tmp_path, clock).get(url).json() == "old"
    assert make_client(tmp_path, clock, refresh=True).get(url).json() == "new"
    assert make_client(tmp_path, clock).get(url).json() == "new"
    assert len(httpserver.log) == 2


def test_offline_serves_cache_and_lists_every_missing_request(httpserver, tmp_path):
    httpserver.expect_request("/c").respond_with_data("{}")
    clock = FakeClock()
    url = httpserver.url_for("/c")
    make_client(tmp_path, clock).get(url, params={"page": 1})
    offline = make_client(tmp_path, clock, offline=True)
    assert offline.get(url, params={"page": 1}).from_cache
    for page in (2, 3):
        with offline.unit():
            offline.get(url, params={"page": page})
            raise AssertionError("not reached")
    with offline.unit():
        offline.post(url, json_body={"ids": ["x"]})
    with pytest.raises(OfflineMiss):
        offline.get(url, params={"page": 4})
    with pytest.raises(MarginaliaError) as exc:
        offline.raise_if_missing("corpus source 'demo' (arxiv)")
    message = str(exc.value)
    assert "corpus.http.offline: true" in message
    assert "4 request(s) are not in the cache" in message
    for page in (2, 3, 4):
        assert f"GET {url}?page={page}" in message
    assert f'POST {url} body={{"ids":["x"]}}' in message
    assert len(httpserver.log) == 1  # offline sent nothing


def test_unreadable_cache_entry_is_fetched_again(httpserver, tmp_path, caplog):
    httpserver.expect_request("/c").respond_with_data('"fresh"')
    clock = FakeClock()
    url = httpserver.url_for("/c")
    make_client(tmp_path, clock).get(url)
    (entry,) = cache_files(tmp_path)
    entry.write_text('{"format": 1, "status": 2')  # e.g. damaged by hand
    with caplog.at_level(logging.WARNING):
        assert make_client(tmp_path, clock).get(url).json() == "fresh"
    assert "ignoring unreadable cache entry" in caplog.text
    assert json.loads(entry.read_text())["body"] == '"fresh"'


def test_interrupted_cache_write_leaves_no_entry(httpserver, tmp_path, monkeypatch):
    httpserver.expect_request("/c").respond_with_data('"x"')
    clock = FakeClock()

    def boom(src, dst):
        raise KeyboardInterrupt  # as if the run was killed between write and rename

    monkeypatch.setattr("marginalia.tables.os.replace", boom)
    with pytest.raises(KeyboardInterrupt):
        make_client(tmp_path, clock).get(httpserver.url_for("/c"))
    monkeypatch.undo()
    assert cache_files(tmp_path) == []  # neither an entry nor a temporary file


# -- secrets --------------------------------------------------------------------------------


def test_api_keys_stay_out_of_cache_keys_files_and_logs(httpserver, tmp_path, caplog):
    httpserver.expect_request("/k").respond_with_data('{"ok": 1}')
    clock = FakeClock()
    url = httpserver.url_for("/k")
    with caplog.at_level(logging.DEBUG):
        make_client(tmp_path, clock).get(
            url,
            params={"q": "x"},
            secret_params={"api_key": SECRET},
            secret_headers={"x-api-key": SECRET},
            uncached_params={"mailto": "me@lab.example"},
        )
    request, _ = httpserver.log[0]
    assert request.args["api_key"] == SECRET
    assert request.args["mailto"] == "me@lab.example"
    assert request.headers["x-api-key"] == SECRET
    # without any key and with another mailto: the same cache entry
    again = make_client(tmp_path, clock).get(url, params={"q": "x"})
    assert again.from_cache
    assert len(httpserver.log) == 1
    for path in cache_files(tmp_path):
        assert SECRET not in path.read_text()
        assert SECRET not in str(path)
    ours = [r.getMessage() for r in caplog.records if r.name != "werkzeug"]  # not the server's
    assert any("api_key=***" in m for m in ours)  # urllib3's debug line, redacted
    assert not any(SECRET in m for m in ours)


def test_a_redirect_on_the_same_host_is_followed(httpserver, tmp_path):
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new?page=2"}
    )
    httpserver.expect_request("/new").respond_with_data('{"ok": 1}')
    resp = make_client(tmp_path, FakeClock()).get(httpserver.url_for("/old"))
    assert resp.json() == {"ok": 1}
    assert [r.path for r, _ in httpserver.log] == ["/old", "/new"]
    assert httpserver.log[1][0].args["page"] == "2"


def test_a_redirect_to_another_host_is_refused_and_the_key_never_leaves(httpserver, tmp_path):
    # the same server under another host name stands in for a foreign host
    foreign = httpserver.url_for("/steal").replace("localhost", "127.0.0.1")
    assert "localhost" in httpserver.url_for("/k")
    httpserver.expect_request("/k").respond_with_data("", status=302, headers={"Location": foreign})
    client = make_client(tmp_path, FakeClock())
    with pytest.raises(MarginaliaError, match="redirects to another host") as info:
        client.get(httpserver.url_for("/k"), secret_headers={"x-api-key": SECRET})
    assert SECRET not in str(info.value)
    assert [r.path for r, _ in httpserver.log] == ["/k"]  # /steal was never asked
    assert not cache_files(tmp_path)


def test_api_key_is_redacted_from_connection_errors(tmp_path, caplog):
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    clock = FakeClock()
    client = make_client(tmp_path, clock, retries=1)
    with caplog.at_level(logging.DEBUG), pytest.raises(MarginaliaError) as exc:
        client.get(f"http://127.0.0.1:{port}/works", secret_params={"api_key": SECRET})
    assert SECRET not in str(exc.value)
    assert "api_key=***" in str(exc.value)
    assert SECRET not in caplog.text
    assert "retry 1/1" in caplog.text
