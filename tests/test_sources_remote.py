"""Remote sources against a local server replaying recorded API responses.

The recorded bodies live in ../shared/fixtures/http (see its README); tests that read them use
the ``http_fixtures`` fixture and skip where it is absent. Later pages are built by slicing the
recorded bodies. Waits go through a fake clock.
"""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from werkzeug import Request
from werkzeug import Response as WResponse

from marginalia.corpus import load_source
from marginalia.corpus.http import HttpClient, HttpSettings
from marginalia.corpus.openalex import rebuild_abstract
from marginalia.corpus.remote import fetch_remote_source
from marginalia.corpus.semanticscholar import FIELDS
from marginalia.corpus.semanticscholar import clean_id as s2_id
from marginalia.errors import MarginaliaError
from marginalia.tables import write_jsonl

ATOM = "application/atom+xml; charset=utf-8"
JSON = "application/json"
SECRET = "s2-secret-key-0000111122223333"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class NoJitter(random.Random):
    def random(self) -> float:
        return 0.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fetch(tmp_path: Path, clock: FakeClock) -> Callable[..., list[dict]]:
    """fetch(source, **http) with a fake clock and the cache in tmp_path/cache."""

    def run(source: dict, **http) -> list[dict]:
        settings = {
            "cache_dir": str(tmp_path / "cache"),
            "min_interval": 0.0,
            "retries": 2,
            "backoff": 1.0,
            "contact": "tests@marginalia.example",
        }
        settings.update(http)
        client = HttpClient(
            HttpSettings(**settings), sleep=clock.sleep, clock=clock.clock, rng=NoJitter()
        )
        return fetch_remote_source(source, {}, client=client)

    return run


def cache_files(tmp_path: Path) -> list[Path]:
    root = tmp_path / "cache"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def reply(body: bytes | str, status: int = 200, ctype: str = JSON) -> WResponse:
    return WResponse(body, status=status, headers={"Content-Type": ctype})


def requests_to(httpserver, path: str | None = None) -> list[Request]:
    return [r for r, _ in httpserver.log if path is None or r.path == path]


# -- arXiv ----------------------------------------------------------------------------------

ARXIV_SEARCH = "arxiv/query_search_all-transformer_AND_cat-cs.LG_start0_max5.xml"
SEARCH_IDS = ["2606.13677", "2606.13591", "2606.13568", "2606.13515", "2606.13501"]


def split_feed(xml: str) -> tuple[str, list[str], str]:
    """(head, entries, tail) of a recorded Atom feed, to build other pages from it."""
    found = list(re.finditer(r"  <entry>.*?</entry>\n", xml, re.S))
    return xml[: found[0].start()], [m.group(0) for m in found], xml[found[-1].end() :]


def feed(head: str, entries: list[str], tail: str, total: int | None = None) -> str:
    if total is not None:
        head = re.sub(r"<opensearch:totalResults>\d+<", f"<opensearch:totalResults>{total}<", head)
    return head + "".join(entries) + tail


def arxiv_source(**keys) -> dict:
    return {"name": "arx", "type": "arxiv", **keys}


def test_arxiv_ids_strip_versions_and_report_missing(
    httpserver, http_fixtures, fetch, caplog, tmp_path
):
    body = (http_fixtures / "arxiv/query_id_list_0808.05394_1707.08567.xml").read_bytes()
    httpserver.expect_request("/api/query").respond_with_data(body, content_type=ATOM)
    ids_file = tmp_path / "ids.txt"
    ids_file.write_text("# my list\narXiv:1707.08567v1  # a proceedings volume\n\n0808.05394\n")
    src = arxiv_source(ids_file=str(ids_file), base_url=httpserver.url_for("/api"))
    with caplog.at_level(logging.INFO):
        records = fetch(src)
    (req,) = requests_to(httpserver)
    assert req.args["id_list"] == "1707.08567,0808.05394"
    assert (req.args["start"], req.args["max_results"]) == ("0", "2")
    (rec,) = records
    assert rec["paper_id"] == "arxiv:1707.08567"
    assert rec["title"].startswith("Proceedings of Workshop AEW10")
    assert rec["abstract"].startswith('The 10th Asia-Europe workshop in "Concepts in Information')
    assert (rec["year"], rec["source"], rec["doi"]) == (2017, "arx", None)
    assert rec["url"] == "https://arxiv.org/abs/1707.08567"
    assert "1 of 2 requested arXiv ids not found: 0808.05394" in caplog.text
    assert "batch 1/1: 2 ids -> 1 papers" in caplog.text
    assert "1 missing" in caplog.text


def test_arxiv_id_batches_hold_at_most_100_ids(httpserver, http_fixtures, fetch, clock, caplog):
    head, entries, tail = split_feed((http_fixtures / ARXIV_SEARCH).read_text())
    by_id = dict(zip(SEARCH_IDS, entries, strict=True))

    def handler(request: Request) -> WResponse:
        wanted = request.args["id_list"].split(",")
        hits = [by_id[i] for i in wanted if i in by_id]
        return reply(feed(head, hits, tail, total=len(hits)), ctype=ATOM)

    httpserver.expect_request("/api/query").respond_with_handler(handler)
    ids = [f"2601.{n:05d}" for n in range(97)] + SEARCH_IDS + [f"2602.{n:05d}" for n in range(48)]
    src = arxiv_source(ids=ids, batch_size=500, base_url=httpserver.url_for("/api"))
    with caplog.at_level(logging.INFO):
        records = fetch(src, min_interval=5.0)
    sizes = [len(r.args["id_list"].split(",")) for r in requests_to(httpserver)]
    assert sizes == [100, 50]
    assert [r["arxiv_id"] for r in records] == SEARCH_IDS
    assert "145 of 150 requested arXiv ids not found" in caplog.text
    assert clock.sleeps == [5.0]  # http.min_interval between the two batches


def test_arxiv_min_interval_from_http_and_source(httpserver, http_fixtures, fetch, clock):
    body = (http_fixtures / "arxiv/query_id_list_0808.05394_1707.08567.xml").read_bytes()
    httpserver.expect_request("/api/query").respond_with_data(body, content_type=ATOM)
    ids = ["1707.08567", "1707.08568", "1707.08569"]
    fetch(arxiv_source(ids=ids, batch_size=1, base_url=httpserver.url_for("/api")), min_interval=5)
    assert clock.sleeps == [5.0, 5.0]
    clock.sleeps.clear()
    src = arxiv_source(ids=ids, batch_size=1, min_interval=0, base_url=httpserver.url_for("/api"))
    fetch(src, min_interval=5, refresh=True)
    assert clock.sleeps == []  # the source's min_interval wins for a local server


def test_arxiv_400_error_feed_names_source_and_id(httpserver, http_fixtures, fetch, tmp_path):
    body = (http_fixtures / "arxiv/query_id_list_abc_error400.xml").read_bytes()
    httpserver.expect_request("/api/query").respond_with_data(body, status=400, content_type=ATOM)
    src = arxiv_source(ids=["abc"], base_url=httpserver.url_for("/api"))
    with pytest.raises(MarginaliaError) as exc:
        fetch(src)
    message = str(exc.value)
    assert message.startswith("corpus source 'arx' (arxiv): arXiv rejected the request (id 'abc')")
    assert "incorrect id format for abc" in message
    assert "config key ids/ids_file of corpus.sources[name=arx]" in message
    assert len(httpserver.log) == 1  # a 400 is not retried
    assert cache_files(tmp_path) == []


def test_arxiv_empty_feed_is_retried_once_then_reported_missing(
    httpserver, http_fixtures, fetch, clock, caplog
):
    body = (http_fixtures / "arxiv/query_id_list_0000.0000_empty.xml").read_bytes()
    httpserver.expect_request("/api/query").respond_with_data(body, content_type=ATOM)
    with caplog.at_level(logging.INFO):
        records = fetch(arxiv_source(ids=["0000.0000"], base_url=httpserver.url_for("/api")))
    assert records == []
    assert len(httpserver.log) == 2
    assert clock.sleeps == [1.0]
    assert "1 of 1 requested arXiv ids not found: 0000.0000" in caplog.text


def _arxiv_pages(http_fixtures, *, empty_first_page2: int = 0) -> Callable[[Request], WResponse]:
    head, entries, tail = split_feed((http_fixtures / ARXIV_SEARCH).read_text())
    empties = {"left": empty_first_page2}

    def handler(request: Request) -> WResponse:
        start, size = int(request.args["start"]), int(request.args["max_results"])
        page = entries[start : start + size]
        if start > 0 and empties["left"] > 0:
            empties["left"] -= 1
            page = []
        return reply(feed(head, page, tail), ctype=ATOM)

    return handler


def test_arxiv_query_pages_with_start_and_max_results(httpserver, http_fixtures, fetch, caplog):
    httpserver.expect_request("/api/query").respond_with_handler(_arxiv_pages(http_fixtures))
    src = arxiv_source(
        query="all:transformer AND cat:cs.LG",
        max_results=5,
        page_size=3,
        sort="submittedDate",
        base_url=httpserver.url_for("/api"),
    )
    with caplog.at_level(logging.INFO):
        records = fetch(src)
    args = [dict(r.args) for r in requests_to(httpserver)]
    assert [(a["start"], a["max_results"]) for a in args] == [("0", "3"), ("3", "2")]
    assert {a["search_query"] for a in args} == {"all:transformer AND cat:cs.LG"}
    assert {(a["sortBy"], a["sortOrder"]) for a in args} == {("submittedDate", "descending")}
    assert [r["arxiv_id"] for r in records] == SEARCH_IDS
    assert records[0]["title"] == "Mana: Dexterous Manipulation of Articulated Tools"
    assert "(<1 minute per tool)" in records[0]["abstract"]  # &lt; decoded
    assert {r["year"] for r in records} == {2026}
    assert "page 2 (start=3): 2 entries, 2 new, 5/5 papers (totalResults 28946)" in caplog.text


def test_arxiv_empty_page_transient_is_retried(httpserver, http_fixtures, fetch, clock):
    handler = _arxiv_pages(http_fixtures, empty_first_page2=1)
    httpserver.expect_request("/api/query").respond_with_handler(handler)
    src = arxiv_source(query="all:transformer", max_results=5, page_size=3)
    records = fetch({**src, "base_url": httpserver.url_for("/api")})
    assert [r["arxiv_id"] for r in records] == SEARCH_IDS
    assert len(httpserver.log) == 3
    assert clock.sleeps == [1.0]


def test_arxiv_persistent_empty_page_fails_and_keeps_only_complete_pages(
    httpserver, http_fixtures, fetch, tmp_path
):
    handler = _arxiv_pages(http_fixtures, empty_first_page2=99)
    httpserver.expect_request("/api/query").respond_with_handler(handler)
    src = arxiv_source(query="all:transformer", max_results=5, page_size=3)
    with pytest.raises(MarginaliaError, match=r"empty arXiv page at start=3 although totalResults"):
        fetch({**src, "base_url": httpserver.url_for("/api")})
    (entry,) = cache_files(tmp_path)  # page 1 only, complete
    assert "start=0" in json.loads(entry.read_text())["request"]["url"]


def test_arxiv_query_stops_at_total_results(httpserver, http_fixtures, fetch):
    head, entries, tail = split_feed((http_fixtures / ARXIV_SEARCH).read_text())
    httpserver.expect_request("/api/query").respond_with_data(
        feed(head, entries[:2], tail, total=2), content_type=ATOM
    )
    src = arxiv_source(query="x", max_results=100, base_url=httpserver.url_for("/api"))
    records = fetch(src)
    assert len(records) == 2
    assert len(httpserver.log) == 1


def test_arxiv_malformed_xml_is_retried_then_reported(httpserver, http_fixtures, fetch, tmp_path):
    good = (http_fixtures / "arxiv/query_id_list_0808.05394_1707.08567.xml").read_bytes()
    bodies = [good[:700], good]
    httpserver.expect_request("/api/query").respond_with_handler(
        lambda r: reply(bodies.pop(0) if len(bodies) > 1 else bodies[0], ctype=ATOM)
    )
    src = arxiv_source(ids=["1707.08567"], base_url=httpserver.url_for("/api"))
    assert [r["arxiv_id"] for r in fetch(src)] == ["1707.08567"]
    assert len(httpserver.log) == 2
    httpserver.clear()
    httpserver.expect_request("/api/query").respond_with_data(b"<feed><entry>", content_type=ATOM)
    with pytest.raises(MarginaliaError, match="arXiv sent an unusable feed .*malformed XML"):
        fetch({**src, "ids": ["1707.00001"]})
    assert len(cache_files(tmp_path)) == 1  # only the good response


# -- Semantic Scholar -----------------------------------------------------------------------

S2_BATCH = "semanticscholar/paper_batch_POST_4ids.json"
S2_IDS = [
    "CorpusId:211530585",
    "CorpusId:470667",
    "10.2139/ssrn.2250500",
    "0f40b1f08821e22e859c6050916cec3667778613",
]


def s2_source(base: str, **keys) -> dict:
    return {"name": "s2", "type": "semanticscholar", "base_url": base, **keys}


def test_s2_clean_id_forms():
    assert s2_id("arXiv:2103.14030v2") == "ARXIV:2103.14030"
    assert s2_id("2103.14030") == "ARXIV:2103.14030"
    assert s2_id("10.1109/ICCV48922.2021.00986") == "DOI:10.1109/ICCV48922.2021.00986"
    assert s2_id("doi:10.1/x") == "DOI:10.1/x"
    assert s2_id("corpusid:470667") == "CorpusId:470667"
    sha = "0f40b1f08821e22e859c6050916cec3667778613"
    assert s2_id(sha) == sha


def test_s2_batch_posts_ids_and_reports_null_as_missing(httpserver, http_fixtures, fetch, caplog):
    body = (http_fixtures / S2_BATCH).read_bytes()
    httpserver.expect_request("/graph/v1/paper/batch", method="POST").respond_with_data(
        body, content_type=JSON
    )
    with caplog.at_level(logging.INFO):
        records = fetch(s2_source(httpserver.url_for("/graph/v1"), ids=S2_IDS))
    (req,) = requests_to(httpserver)
    assert req.method == "POST"
    assert req.args["fields"] == FIELDS == "title,abstract,externalIds,year,url,venue"
    assert json.loads(req.get_data()) == {
        "ids": [S2_IDS[0], S2_IDS[1], "DOI:10.2139/ssrn.2250500", S2_IDS[3]]
    }
    assert [r["doi"] for r in records] == [
        "10.2139/ssrn.288970",
        "10.2139/ssrn.2250500",
        "10.1257/rct.1355",
    ]
    assert [r["year"] for r in records] == [2001, 2013, 2023]
    assert records[0]["title"] == "How Much Should We Trust Differences-in-Differences Estimates?"
    assert records[0]["abstract"].startswith("Most Difference-in-Difference (DD) papers")
    assert records[0]["url"].startswith("https://www.semanticscholar.org/paper/c31c87c5")
    assert {r["source"] for r in records} == {"s2"}
    assert "1 of 4 requested S2 ids not found: CorpusId:211530585" in caplog.text


def test_s2_null_abstract_is_kept_with_a_warning(httpserver, http_fixtures, fetch, caplog):
    papers = json.loads((http_fixtures / S2_BATCH).read_text())
    papers[2]["abstract"] = None
    httpserver.expect_request("/graph/v1/paper/batch").respond_with_json(papers)
    with caplog.at_level(logging.INFO):
        records = fetch(s2_source(httpserver.url_for("/graph/v1"), ids=S2_IDS))
    assert len(records) == 3
    assert records[1]["abstract"] == ""
    assert (
        records[1]["title"] == "The Miracle of Microfinance? Evidence from a Randomized Evaluation"
    )
    assert "S2 has no abstract for 'The Miracle of Microfinance?" in caplog.text
    assert "1 without abstract" in caplog.text


def test_s2_batch_chunks(httpserver, http_fixtures, fetch):
    papers = json.loads((http_fixtures / S2_BATCH).read_text())
    answer = dict(zip([s2_id(i) for i in S2_IDS], papers, strict=True))
    httpserver.expect_request("/graph/v1/paper/batch").respond_with_handler(
        lambda r: reply(json.dumps([answer[i] for i in json.loads(r.get_data())["ids"]]))
    )
    records = fetch(s2_source(httpserver.url_for("/graph/v1"), ids=S2_IDS, batch_size=2))
    sent = [json.loads(r.get_data())["ids"] for r in requests_to(httpserver)]
    assert [len(s) for s in sent] == [2, 2]
    assert len(records) == 3


def _s2_search_pages(http_fixtures, last_total: int | None = None):
    data = json.loads(
        (http_fixtures / "semanticscholar/paper_search_transformer_limit5.json").read_text()
    )

    def handler(request: Request) -> WResponse:
        offset, limit = int(request.args["offset"]), int(request.args["limit"])
        if offset == 0:
            page = dict(data)  # the recorded first page
            page["data"] = data["data"][:limit]
            page["next"] = limit
        else:
            page = {"total": last_total or data["total"], "offset": offset}
            page["data"] = data["data"][offset : offset + limit]
            if last_total is None:
                page["next"] = offset + limit
        return reply(json.dumps(page))

    return handler


def test_s2_search_pages_with_offset_and_next(httpserver, http_fixtures, fetch, caplog):
    httpserver.expect_request("/graph/v1/paper/search").respond_with_handler(
        _s2_search_pages(http_fixtures)
    )
    src = s2_source(
        httpserver.url_for("/graph/v1"), query="transformer", max_results=5, page_size=3
    )
    with caplog.at_level(logging.INFO):
        records = fetch(src)
    args = [dict(r.args) for r in requests_to(httpserver)]
    assert [(a["offset"], a["limit"]) for a in args] == [("0", "3"), ("3", "2")]
    assert {a["query"] for a in args} == {"transformer"}
    assert [r["arxiv_id"] for r in records] == [
        "2103.14030",
        "2012.07436",
        "2004.05150",
        "2111.09881",
        "2108.10257",
    ]
    assert records[0]["title"].startswith("Swin Transformer")
    assert "page 1 (offset=0): 3 papers, 3/360715 so far" in caplog.text


def test_s2_search_stops_when_next_is_absent(httpserver, http_fixtures, fetch):
    httpserver.expect_request("/graph/v1/paper/search").respond_with_handler(
        _s2_search_pages(http_fixtures, last_total=5)
    )
    src = s2_source(
        httpserver.url_for("/graph/v1"), query="transformer", max_results=50, page_size=3
    )
    records = fetch(src)
    assert len(records) == 5
    assert len(httpserver.log) == 2


def test_s2_recorded_404_is_a_clear_error(httpserver, http_fixtures, fetch):
    body = (http_fixtures / "semanticscholar/paper_0_error404.json").read_bytes()
    httpserver.expect_request("/graph/v1/paper/batch").respond_with_data(
        body, status=404, content_type=JSON
    )
    with pytest.raises(MarginaliaError) as exc:
        fetch(s2_source(httpserver.url_for("/graph/v1"), ids=["0"]))
    assert str(exc.value).startswith(
        "corpus source 's2' (semanticscholar): Semantic Scholar answered HTTP 404: "
        "Paper with id 0 not found (check the ids in corpus.sources)"
    )
    assert len(httpserver.log) == 1


def test_s2_recorded_429_is_retried_with_backoff(httpserver, http_fixtures, fetch, clock):
    limited = (http_fixtures / "semanticscholar/paper_search_turing_error429.json").read_bytes()
    good = (http_fixtures / S2_BATCH).read_bytes()
    bodies = [(limited, 429), (limited, 429), (good, 200)]
    httpserver.expect_request("/graph/v1/paper/batch").respond_with_handler(
        lambda r: reply(*bodies.pop(0))
    )
    records = fetch(s2_source(httpserver.url_for("/graph/v1"), ids=S2_IDS), backoff=3.0)
    assert len(records) == 3
    assert clock.sleeps == [3.0, 6.0]


def test_s2_persistent_429_names_the_way_out(httpserver, http_fixtures, fetch, clock):
    limited = (http_fixtures / "semanticscholar/paper_search_turing_error429.json").read_bytes()
    httpserver.expect_request("/graph/v1/paper/search").respond_with_data(
        limited, status=429, content_type=JSON
    )
    src = s2_source(httpserver.url_for("/graph/v1"), query="turing")
    with pytest.raises(MarginaliaError) as exc:
        fetch(src, retries=1)
    assert "Semantic Scholar answered HTTP 429: Too Many Requests." in str(exc.value)
    assert "api_key_env" in str(exc.value)
    assert len(httpserver.log) == 2


def test_s2_api_key_header_from_env(
    httpserver, http_fixtures, fetch, monkeypatch, caplog, tmp_path
):
    monkeypatch.setenv("MY_S2_KEY", SECRET)
    body = (http_fixtures / S2_BATCH).read_bytes()
    httpserver.expect_request("/graph/v1/paper/batch").respond_with_data(body, content_type=JSON)
    src = s2_source(httpserver.url_for("/graph/v1"), ids=S2_IDS, api_key_env="MY_S2_KEY")
    with caplog.at_level(logging.DEBUG):
        fetch(src)
    (req,) = requests_to(httpserver)
    assert req.headers["x-api-key"] == SECRET
    assert "using the API key from environment variable MY_S2_KEY" in caplog.text
    assert SECRET not in caplog.text
    assert all(SECRET not in p.read_text() for p in cache_files(tmp_path))


# -- OpenAlex -------------------------------------------------------------------------------


def oa_source(base: str, **keys) -> dict:
    return {"name": "oa", "type": "openalex", "base_url": base, **keys}


def test_rebuild_abstract_orders_tokens_by_position():
    index = {"improves": [1], "Our": [0], "by": [3], "method": [4], "it": [2, 5], "1%.": [6]}
    assert rebuild_abstract(index) == "Our improves it by method it 1%."
    assert rebuild_abstract(None) == ""
    assert rebuild_abstract({}) == ""


def test_openalex_dois_no_abstract_and_404_html(httpserver, http_fixtures, fetch, caplog):
    found = http_fixtures / "openalex/work_doi_10.1007_s40278-023-41815-2_no_abstract.json"
    gone = (http_fixtures / "openalex/work_doi_not_found_error404.html").read_bytes()
    httpserver.expect_request(
        "/works/https://doi.org/10.1007/s40278-023-41815-2"
    ).respond_with_data(found.read_bytes(), content_type=JSON)
    httpserver.expect_request(
        "/works/https://doi.org/10.1046/j.1365-2699.2003.00795"
    ).respond_with_data(gone, status=404, content_type="text/html; charset=utf-8")
    src = oa_source(
        httpserver.url_for("/"),
        ids=["https://doi.org/10.1007/S40278-023-41815-2", "doi:10.1046/j.1365-2699.2003.00795"],
    )
    with caplog.at_level(logging.INFO):
        records = fetch(src)
    (rec,) = records
    assert rec["doi"] == "10.1007/s40278-023-41815-2"
    assert rec["title"] == "Convalescent-anti-sars-cov-2-plasma/immune-globulin"
    assert rec["abstract"] == ""
    assert rec["paper_id"] == "doi:10.1007/s40278-023-41815-2"
    first = requests_to(httpserver)[0]
    assert first.environ["RAW_URI"].startswith(
        "/works/https://doi.org/10.1007%2Fs40278-023-41815-2?"
    )
    assert first.args["mailto"] == "tests@marginalia.example"
    assert "abstract_inverted_index" in first.args["select"]
    assert "OpenAlex has no abstract for 'Convalescent" in caplog.text
    assert "1 of 2 requested DOI/work ids not found: 10.1046/j.1365-2699.2003.00795" in caplog.text
    assert "1 missing, 1 without abstract" in caplog.text
    assert len(httpserver.log) == 2  # the 404 was not retried


def test_openalex_filter_rebuilds_abstracts(httpserver, http_fixtures, fetch):
    body = http_fixtures / "openalex/works_filter_title.search_augmenting_llms_chemistry_tools.json"
    httpserver.expect_request("/works").respond_with_data(body.read_bytes(), content_type=JSON)
    flt = "title.search:Augmenting large language models with chemistry tools"
    records = fetch(oa_source(httpserver.url_for("/"), filter=flt, mailto="lab@uni.example"))
    (req,) = requests_to(httpserver)
    assert (req.args["filter"], req.args["cursor"]) == (flt, "*")
    assert req.args["mailto"] == "lab@uni.example"
    assert [r["doi"] for r in records] == [
        "10.1038/s42256-024-00832-8",
        "10.48550/arxiv.2304.05376",
    ]
    assert [r["arxiv_id"] for r in records] == [None, "2304.05376"]
    assert [r["year"] for r in records] == [2024, 2023]
    assert records[0]["abstract"].startswith("Abstract Large language models (LLMs) have shown")
    assert records[1]["abstract"].startswith("Over the last decades, excellent computational")
    assert records[1]["abstract"].endswith("between experimental and computational chemistry.")
    assert "  " not in records[1]["abstract"]


def test_openalex_query_is_sent_as_search(httpserver, http_fixtures, fetch):
    body = (http_fixtures / "openalex/works_filter_title.search_paperqa.json").read_bytes()
    httpserver.expect_request("/works").respond_with_data(body, content_type=JSON)
    (rec,) = fetch(oa_source(httpserver.url_for("/"), query="PaperQA"))
    (req,) = requests_to(httpserver)
    assert req.args["search"] == "PaperQA" and "filter" not in req.args
    assert rec["arxiv_id"] == "2312.07559"
    assert rec["paper_id"] == "arxiv:2312.07559"
    assert rec["abstract"].startswith("Large Language Models (LLMs) generalize well")


def test_openalex_cursor_paging(httpserver, http_fixtures, fetch):
    data = json.loads(
        (
            http_fixtures
            / "openalex/works_filter_title.search_augmenting_llms_chemistry_tools.json"
        ).read_text()
    )

    def handler(request: Request) -> WResponse:
        page = json.loads(json.dumps(data))
        if request.args["cursor"] == "*":
            page["results"] = data["results"][:1]
            page["meta"].update(page=None, next_cursor="Ic3VyZT0y")
        else:
            assert request.args["cursor"] == "Ic3VyZT0y"
            page["results"] = data["results"][1:]
            page["meta"].update(page=None, next_cursor=None)
        return reply(json.dumps(page))

    httpserver.expect_request("/works").respond_with_handler(handler)
    records = fetch(
        oa_source(httpserver.url_for("/"), filter="title.search:chemistry", page_size=1)
    )
    assert [r.args["cursor"] for r in requests_to(httpserver)] == ["*", "Ic3VyZT0y"]
    assert {r.args["per_page"] for r in requests_to(httpserver)} == {"1"}
    assert len(records) == 2


def test_openalex_api_key_param_is_not_part_of_the_cache_key(
    httpserver, http_fixtures, fetch, monkeypatch, caplog, tmp_path
):
    body = (http_fixtures / "openalex/works_filter_title.search_paperqa.json").read_bytes()
    httpserver.expect_request("/works").respond_with_data(body, content_type=JSON)
    src = oa_source(httpserver.url_for("/"), query="PaperQA")
    monkeypatch.setenv("OPENALEX_API_KEY", SECRET)
    with caplog.at_level(logging.DEBUG):
        first = fetch(src)
    assert requests_to(httpserver)[0].args["api_key"] == SECRET
    monkeypatch.delenv("OPENALEX_API_KEY")
    assert fetch(src) == first  # same cache entry without the key
    assert len(httpserver.log) == 1
    ours = [r.getMessage() for r in caplog.records if r.name != "werkzeug"]
    assert not any(SECRET in m for m in ours)
    assert all(SECRET not in p.read_text() and SECRET not in str(p) for p in cache_files(tmp_path))


# -- Hugging Face ---------------------------------------------------------------------------

HF_DAILY = "huggingface/daily_papers_limit30.json"


def hf_source(base: str, **keys) -> dict:
    return {"name": "hf", "type": "huggingface", "base_url": base, **keys}


def _hf_pages(http_fixtures):
    items = json.loads((http_fixtures / HF_DAILY).read_text())

    def handler(request: Request) -> WResponse:
        limit, page = int(request.args["limit"]), int(request.args["p"])
        return reply(json.dumps(items[page * limit : (page + 1) * limit]))

    return handler, items


def test_hf_daily_papers_for_a_date(httpserver, http_fixtures, fetch):
    handler, items = _hf_pages(http_fixtures)
    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    records = fetch(hf_source(httpserver.url_for("/api"), date="2026-06-11"))
    (req,) = requests_to(httpserver)
    assert dict(req.args) == {"date": "2026-06-11", "limit": "100", "p": "0"}
    assert len(records) == 30
    assert [r["arxiv_id"] for r in records] == [i["paper"]["id"] for i in items]
    first = records[0]
    assert first["title"].startswith("On the Limits of LLM Adaptability")
    assert first["abstract"].startswith("Large Language Models (LLMs) are increasingly used")
    assert first["year"] == 2026 and first["source"] == "hf"
    assert first["url"] == "https://arxiv.org/abs/2606.00467"


def test_hf_daily_papers_page_while_full(httpserver, http_fixtures, fetch, caplog):
    handler, _ = _hf_pages(http_fixtures)
    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    with caplog.at_level(logging.INFO):
        records = fetch(hf_source(httpserver.url_for("/api"), date="2026-06-11", page_size=20))
    assert [r.args["p"] for r in requests_to(httpserver)] == ["0", "1"]
    assert len(records) == 30
    assert "2026-06-11 page 1: 10 papers, 10 new" in caplog.text


def test_hf_date_range_visits_each_day_and_deduplicates(httpserver, http_fixtures, fetch):
    handler, _ = _hf_pages(http_fixtures)
    httpserver.expect_request("/api/daily_papers").respond_with_handler(handler)
    src = hf_source(httpserver.url_for("/api"), date_range=["2026-06-30", "2026-07-02"])
    records = fetch(src)
    dates = [r.args["date"] for r in requests_to(httpserver)]
    assert dates == ["2026-06-30", "2026-07-01", "2026-07-02"]
    assert len(records) == 30  # the same papers every day are kept once


def test_hf_reversed_date_range_fails_before_any_request(httpserver, fetch):
    src = hf_source(httpserver.url_for("/api"), date_range=["2026-07-02", "2026-06-30"])
    with pytest.raises(MarginaliaError, match="date_range: the last day 2026-06-30 is before"):
        fetch(src)
    assert httpserver.log == []


def test_hf_papers_by_arxiv_id(httpserver, http_fixtures, fetch, monkeypatch, caplog):
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_value")
    body = (http_fixtures / "huggingface/papers_2605.15320.json").read_bytes()
    httpserver.expect_request("/api/papers/2605.15320").respond_with_data(body, content_type=JSON)
    httpserver.expect_request("/api/papers/2605.99999").respond_with_data(
        '{"error":"Paper not found"}', status=404, content_type=JSON
    )
    with caplog.at_level(logging.INFO):
        records = fetch(hf_source(httpserver.url_for("/api"), ids=["2605.15320v2", "2605.99999"]))
    (rec,) = records
    assert rec["paper_id"] == "arxiv:2605.15320"
    assert rec["title"].startswith("FFAvatar: Few-Shot, Feed-Forward")
    assert rec["year"] == 2026 and len(rec["abstract"]) > 200
    assert requests_to(httpserver)[0].headers["Authorization"] == "Bearer hf_secret_token_value"
    assert "1 of 2 requested arXiv ids not found: 2605.99999" in caplog.text
    assert "hf_secret_token_value" not in caplog.text


# -- cache, offline mode, failures ------------------------------------------------------------


def test_second_run_is_served_from_the_cache(httpserver, http_fixtures, fetch, caplog):
    body = (http_fixtures / "arxiv/query_id_list_0808.05394_1707.08567.xml").read_bytes()
    httpserver.expect_request("/api/query").respond_with_data(body, content_type=ATOM)
    src = arxiv_source(ids=["1707.08567", "0808.05394"], base_url=httpserver.url_for("/api"))
    first = fetch(src)
    with caplog.at_level(logging.INFO):
        second = fetch(src)
    assert second == first
    assert len(httpserver.log) == 1
    assert "(0 requests sent, 1 served from the cache" in caplog.text


def test_offline_lists_every_missing_request(httpserver, http_fixtures, fetch, tmp_path):
    body = (http_fixtures / "huggingface/papers_2605.15320.json").read_bytes()
    httpserver.expect_request("/api/papers/2605.15320").respond_with_data(body, content_type=JSON)
    base = httpserver.url_for("/api")
    fetch(hf_source(base, ids=["2605.15320"]))
    assert len(httpserver.log) == 1
    src = hf_source(base, ids=["2605.15320", "2601.00001", "2601.00002"])
    with pytest.raises(MarginaliaError) as exc:
        fetch(src, offline=True)
    message = str(exc.value)
    assert message.startswith("corpus source 'hf' (huggingface): offline mode")
    assert "2 request(s) are not in the cache" in message
    assert f"GET {base}/papers/2601.00001" in message
    assert f"GET {base}/papers/2601.00002" in message
    assert "2605.15320" not in message  # that one is cached
    assert len(httpserver.log) == 1  # nothing sent offline
    # with the cached id only, offline mode works
    (rec,) = fetch(hf_source(base, ids=["2605.15320"]), offline=True)
    assert rec["arxiv_id"] == "2605.15320"


def test_offline_with_an_empty_cache_names_each_batch(httpserver, fetch):
    src = s2_source(httpserver.url_for("/graph/v1"), ids=S2_IDS, batch_size=2)
    with pytest.raises(MarginaliaError) as exc:
        fetch(src, offline=True)
    lines = [ln for ln in str(exc.value).splitlines() if ln.startswith("  - POST")]
    assert len(lines) == 2
    assert '"ids":["CorpusId:211530585","CorpusId:470667"]' in lines[0]
    assert "fields=title%2Cabstract%2CexternalIds%2Cyear%2Curl%2Cvenue" in lines[0]
    assert httpserver.log == []


def test_failed_source_leaves_no_output_and_only_complete_cache_entries(
    httpserver, http_fixtures, tmp_path
):
    good = (http_fixtures / "arxiv/query_id_list_0808.05394_1707.08567.xml").read_bytes()
    bad = (http_fixtures / "arxiv/query_id_list_abc_error400.xml").read_bytes()
    httpserver.expect_request(
        "/api/query", query_string={"id_list": "1707.08567", "start": "0", "max_results": "1"}
    ).respond_with_data(good, content_type=ATOM)
    httpserver.expect_request("/api/query").respond_with_data(bad, status=400, content_type=ATOM)
    src = arxiv_source(
        ids=["1707.08567", "abc"], batch_size=1, base_url=httpserver.url_for("/api"), min_interval=0
    )
    http = {"cache_dir": str(tmp_path / "cache"), "retries": 0, "min_interval": 0}
    out = tmp_path / "results" / "arx.jsonl"
    with pytest.raises(MarginaliaError, match="incorrect id format for abc"):
        write_jsonl(out, load_source(src, http))  # what the fetch_source adapter does
    assert not out.exists() and not out.parent.exists()
    (entry,) = cache_files(tmp_path)  # batch 1 only, and complete
    assert json.loads(entry.read_text())["status"] == 200
    assert len(httpserver.log) == 2
