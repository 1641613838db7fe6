"""Property-based tests of every parser of outside input (issue 13, item 7): whatever a file or
an API sends gives records or the project's own error (MarginaliaError), never an unhandled
exception. The config loader has its own in tests/test_config.py.

The remote sources run their real fetchers against a fake client that answers every request
with a body hypothesis draws (and runs the fetcher's own ``validate`` check as the real client
does: a body it rejects ends, after the retries, as an HTTP error)."""

from __future__ import annotations

import json
from contextlib import contextmanager
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marginalia.corpus.files import read_file_source
from marginalia.corpus.http import HttpError, HttpSettings, Response, RetryableResponse
from marginalia.corpus.records import RECORD_KEYS
from marginalia.corpus.remote import fetch_remote_source
from marginalia.errors import MarginaliaError
from marginalia.registry import Registry, parse_registry, registry_from_mapping

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
)
json_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=15,
)


def records_or_own_error(call) -> list[dict] | None:
    """The records ``call()`` returns (checked for shape), or None for a MarginaliaError."""
    try:
        records = call()
    except MarginaliaError:
        return None
    assert isinstance(records, list)
    for rec in records:
        assert set(RECORD_KEYS) <= set(rec)
        assert isinstance(rec["title"], str) and isinstance(rec["abstract"], str)
    return records


# --------------------------------------------------------------------------- local files

FORMATS = {
    "listing": "p.txt",
    "jsonl": "p.jsonl",
    "json": "p.json",
    "csv": "p.csv",
    "tsv": "p.tsv",
    "bibtex": "p.bib",
}


def _text_for(fmt: str):
    """Arbitrary text, and text shaped like the format with arbitrary pieces."""
    field = st.text(max_size=30)
    shaped = {
        "listing": st.lists(field, max_size=6).map("\n".join),
        "jsonl": st.lists(json_value.map(json.dumps), max_size=4).map("\n".join),
        "json": json_value.map(json.dumps),
        "csv": st.lists(st.lists(field, min_size=1, max_size=3), max_size=4).map(
            lambda rows: "title,abstract\n" + "\n".join(",".join(r) for r in rows)
        ),
        "tsv": st.lists(st.lists(field, min_size=1, max_size=3), max_size=4).map(
            lambda rows: "title\tabstract\n" + "\n".join("\t".join(r) for r in rows)
        ),
        "bibtex": st.lists(st.tuples(field, field, field), max_size=3).map(
            lambda es: "\n".join(
                f"@article{{{k}, title={{{t}}}, abstract={{{a}}}}}" for k, t, a in es
            )
        ),
    }[fmt]
    return st.one_of(st.text(max_size=200), shaped)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("on_error", ["fail", "skip"])
def test_a_file_of_any_content_gives_records_or_our_error(tmp_path, fmt, on_error):
    path = tmp_path / FORMATS[fmt]

    @SETTINGS
    @given(_text_for(fmt))
    def check(text):
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        source = {"name": "fuzz", "type": "file", "path": str(path), "on_error": on_error}
        records_or_own_error(lambda: read_file_source(source))

    check()


@SETTINGS
@given(st.binary(max_size=200))
def test_a_file_of_any_bytes_gives_records_or_our_error(tmp_path, data):
    path = tmp_path / "p.jsonl"
    path.write_bytes(data)
    records_or_own_error(lambda: read_file_source({"name": "f", "type": "file", "path": str(path)}))


# --------------------------------------------------------------------------- the registry

_entry_value = st.one_of(
    json_value,
    st.fixed_dictionaries(
        {},
        optional={
            "n": st.one_of(st.integers(-5, 10**7), st.none(), st.floats(), st.text(max_size=5)),
            "split": st.text(max_size=8),
            "metric_kind": st.sampled_from(["proportion", "mean_score", "correlation", "x"]),
            "scale_max": st.one_of(st.integers(-1, 100), st.floats(), st.none()),
            "aliases": st.one_of(st.lists(st.text(max_size=8), max_size=3), st.text(max_size=5)),
            "source": st.text(max_size=10),
            "n_null_reason": st.text(max_size=10),
            "item_sd": st.one_of(st.floats(), st.integers(-2, 5)),
        },
    ),
)


@SETTINGS
@given(
    st.one_of(
        json_value,
        st.fixed_dictionaries(
            {"benchmarks": st.dictionaries(st.text(max_size=10), _entry_value, max_size=3)}
        ),
    )
)
def test_a_registry_of_any_shape_loads_or_names_the_problem(data):
    try:
        registry = registry_from_mapping(data, "fuzz.yaml")
    except MarginaliaError as exc:
        assert "fuzz.yaml" in str(exc)  # the error names the file
    else:
        assert isinstance(registry, Registry)


@SETTINGS
@given(st.text(max_size=300))
def test_registry_text_of_any_content_loads_or_names_the_problem(text):
    try:
        registry = parse_registry(text, "fuzz.yaml")
    except MarginaliaError as exc:
        assert "fuzz.yaml" in str(exc)
    else:
        assert isinstance(registry, Registry)


# --------------------------------------------------------------------------- remote sources


class FakeClient:
    """Answers every request with the next drawn body (the last one again when they run out),
    and fails like a dead server after ``limit`` requests so that paging always ends."""

    def __init__(self, bodies: list[bytes], content_type: str, limit: int = 8):
        self.bodies, self.content_type, self.limit = bodies, content_type, limit
        self.settings = HttpSettings.from_config({})
        self.missing: list[str] = []
        self.requests_sent = 0
        self.cache_hits = 0

    @contextmanager
    def unit(self):
        yield

    def raise_if_missing(self, label: str) -> None:
        return None

    def request(self, method, url, *, validate=None, **kwargs) -> Response:
        self.requests_sent += 1
        if self.requests_sent > self.limit or not self.bodies:
            raise HttpError("server gone", status=503, content_type="text/plain", body=b"", url=url)
        body = self.bodies[min(self.requests_sent - 1, len(self.bodies) - 1)]
        resp = Response(200, self.content_type, body, url)
        if validate is not None:
            try:
                validate(resp, 1)
            except RetryableResponse as exc:  # the real client retries, then gives up so
                raise HttpError(
                    str(exc), status=200, content_type=self.content_type, body=body, url=url
                ) from None
        return resp


S2_PAPER = st.fixed_dictionaries(
    {},
    optional={
        "paperId": json_value,
        "title": json_value,
        "abstract": json_value,
        "externalIds": st.one_of(
            json_value,
            st.fixed_dictionaries({}, optional={"ArXiv": json_value, "DOI": json_value}),
        ),
        "year": json_value,
        "url": json_value,
    },
)
OPENALEX_WORK = st.fixed_dictionaries(
    {},
    optional={
        "id": json_value,
        "doi": json_value,
        "title": json_value,
        "display_name": json_value,
        "publication_year": json_value,
        "abstract_inverted_index": st.one_of(
            json_value, st.dictionaries(st.text(max_size=6), json_value, max_size=4)
        ),
    },
)
HF_PAPER = st.fixed_dictionaries(
    {},
    optional={
        "id": json_value,
        "title": json_value,
        "summary": json_value,
        "publishedAt": json_value,
        "paper": json_value,
    },
)

JSON_SOURCES = {
    "semanticscholar": (
        [{"ids": ["ARXIV:2301.00001", "DOI:10.1000/x"]}, {"query": "q", "max_results": 5}],
        st.one_of(
            json_value,
            st.lists(st.one_of(S2_PAPER, json_value), min_size=2, max_size=2),
            st.fixed_dictionaries(
                {"data": st.lists(S2_PAPER, max_size=3)},
                optional={"next": json_value, "total": json_value},
            ),
        ),
    ),
    "openalex": (
        [{"ids": ["10.1000/x", "W123"]}, {"query": "q", "max_results": 5}],
        st.one_of(
            json_value,
            OPENALEX_WORK,
            st.fixed_dictionaries(
                {"results": st.lists(OPENALEX_WORK, max_size=3)},
                optional={"meta": json_value},
            ),
        ),
    ),
    "huggingface": (
        [{"ids": ["2301.00001"]}, {"date": "2024-01-02", "page_size": 2}],
        st.one_of(json_value, HF_PAPER, st.lists(st.one_of(HF_PAPER, json_value), max_size=3)),
    ),
}


def _bodies(body_value):
    as_json = body_value.map(lambda v: json.dumps(v).encode())
    return st.lists(st.one_of(as_json, st.binary(max_size=40)), min_size=1, max_size=3)


@pytest.mark.parametrize("kind", sorted(JSON_SOURCES))
@pytest.mark.parametrize("mode", [0, 1])
def test_any_api_answer_gives_records_or_our_error(kind, mode):
    configs, body_value = JSON_SOURCES[kind]
    source = {"name": "fuzz", "type": kind, **configs[mode]}

    @SETTINGS
    @given(_bodies(body_value))
    def check(bodies):
        client = FakeClient(bodies, "application/json")
        records_or_own_error(lambda: fetch_remote_source(source, {}, client=client))

    check()


_atom_entry = st.tuples(
    st.text(max_size=20), st.text(max_size=20), st.text(max_size=40), st.text(max_size=12)
).map(
    lambda t: (
        f"<entry><id>{escape(t[0])}</id><title>{escape(t[1])}</title>"
        f"<summary>{escape(t[2])}</summary><published>{escape(t[3])}</published></entry>"
    )
)
_atom_feed = st.tuples(st.text(max_size=6), st.lists(_atom_entry, max_size=3)).map(
    lambda t: (
        '<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f"<opensearch:totalResults>{escape(t[0])}</opensearch:totalResults>"
        + "".join(t[1])
        + "</feed>"
    ).encode()
)


@pytest.mark.parametrize("config", [{"ids": ["2301.00001"]}, {"query": "all:x", "max_results": 5}])
def test_any_arxiv_feed_gives_records_or_our_error(config):
    source = {"name": "fuzz", "type": "arxiv", **config}

    @SETTINGS
    @given(st.lists(st.one_of(_atom_feed, st.binary(max_size=60)), min_size=1, max_size=3))
    def check(bodies):
        client = FakeClient(bodies, "application/atom+xml")
        records_or_own_error(lambda: fetch_remote_source(source, {}, client=client))

    check()
