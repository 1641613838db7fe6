"""The report in a real browser: headless Chromium renders it and its JavaScript works.

Chromium's --dump-dom prints the DOM after the page's scripts ran, so the tests check what the
script changed: <body data-ready="1"> (set only after initialisation succeeded), the table state
read from the URL hash (#sort=key:dir&q=text&flags=a,b), row order, hidden rows, aria-sort. A
hostile abstract must not run any script. Skips where Debian's chromium is not installed.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from marginalia.report import build_report
from synthetic import synthetic_tables, write_tables

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOW = datetime(2025, 1, 2, tzinfo=UTC)


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    if Path("/usr/bin/chromium").exists():
        return "/usr/bin/chromium"
    pytest.skip("headless Chromium is not installed (Debian: apt-get install chromium)")


def run_chromium(tmp: Path, url: str, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [
        chromium(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=5000",
        *extra,
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def dump_dom(tmp: Path, page: Path, state: str = "") -> str:
    res = run_chromium(tmp, page.as_uri() + (f"#{state}" if state else ""), "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    assert "</html>" in res.stdout, res.stderr[-2000:]
    return res.stdout


class Dom(HTMLParser):
    """Enough of the DOM for the checks: body/th/tr attributes, row cells' data-v, counters."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.body: dict = {}
        self.table: dict = {}
        self.heads: list[dict] = []
        self.rows: list[dict] = []
        self.controls: dict = {}
        self.count = ""
        self._in_count = False
        self._in_table = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body = a
        elif tag == "table" and a.get("id") == "cmp-table":
            self.table, self._in_table = a, True
        elif self._in_table and tag == "th" and "data-key" in a:
            self.heads.append(a)
        elif self._in_table and tag == "tr" and "data-effect" in a:
            self.rows.append({**a, "cells": []})
        elif self._in_table and tag == "td" and self.rows:
            self.rows[-1]["cells"].append(a.get("data-v", ""))
        elif a.get("id") == "cmp-controls":
            self.controls = a
        elif a.get("id") == "cmp-count":
            self._in_count = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        if tag == "p":
            self._in_count = False

    def handle_data(self, data):
        if self._in_count:
            self.count += data


def dom(text: str) -> Dom:
    d = Dom()
    d.feed(text)
    return d


def column(d: Dom, key: str) -> int:
    return [h["data-key"] for h in d.heads].index(key)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("browser")
    tables = synthetic_tables(n_papers=30, seed=11)
    path = tmp / "report.html"
    path.write_text(build_report(write_tables(tmp / "in", tables), {}, now=NOW), "utf-8")
    return path, tables


def test_page_initialises_without_errors(page, tmp_path):
    path, tables = page
    d = dom(dump_dom(tmp_path, path))
    assert d.body.get("data-ready") == "1", d.body
    assert "data-js-error" not in d.body
    assert "hidden" not in d.controls, "the controls are shown once the script runs"
    assert len(d.rows) == len(tables["effects"])
    assert not any("hidden" in r for r in d.rows)
    assert d.table.get("data-visible") == str(len(tables["effects"]))
    assert not any("aria-sort" in h for h in d.heads)
    assert [r["data-effect"] for r in d.rows] == list(tables["effects"]["effect_id"])


def test_sort_and_flag_filter_from_the_url_hash(page, tmp_path):
    path, tables = page
    d = dom(dump_dom(tmp_path, path, "sort=delta:desc&flags=underpowered"))
    assert d.body.get("data-ready") == "1" and "data-js-error" not in d.body
    assert d.table.get("data-sorted") == "delta:desc"
    sorted_heads = [(h["data-key"], h.get("aria-sort")) for h in d.heads if "aria-sort" in h]
    assert sorted_heads == [("delta", "descending")]
    deltas = [float(r["cells"][column(d, "delta")]) for r in d.rows]
    assert deltas == sorted(deltas, reverse=True)
    power = tables["power"]
    flagged = set(power.loc[power["underpowered"].fillna(False).astype(bool), "effect_id"])
    assert 0 < len(flagged) < len(d.rows)
    shown = {r["data-effect"] for r in d.rows if "hidden" not in r}
    assert shown == flagged
    assert d.count.strip() == f"Showing {len(flagged)} of {len(d.rows)} comparisons"


def test_text_filter_and_text_sort(page, tmp_path):
    path, tables = page
    effects = tables["effects"]
    word = effects["benchmark"].replace("", None).dropna().iloc[0]
    d = dom(dump_dom(tmp_path, path, f"sort=paper:asc&q={word.lower()}"))
    assert d.body.get("data-ready") == "1"
    shown = [r for r in d.rows if "hidden" not in r]
    expected = effects["effect_id"][effects["benchmark"] == word]
    assert {r["data-effect"] for r in shown} >= set(expected)
    titles = [r["cells"][column(d, "paper")].lower() for r in shown]
    assert titles == sorted(titles)


def test_degraded_report_still_initialises(tmp_path):
    tables = synthetic_tables(n_papers=6, seed=3, model_ok=False)
    for key in ("effects", "standardized", "comparisons", "power"):
        tables[key] = tables[key].iloc[0:0]
    path = tmp_path / "empty.html"
    path.write_text(build_report(write_tables(tmp_path / "in", tables), {}, now=NOW), "utf-8")
    text = dump_dom(tmp_path, path, "sort=delta:desc")
    d = dom(text)
    assert d.body.get("data-ready") == "1" and "data-js-error" not in d.body
    assert d.body.get("data-model-ok") == "0"
    assert 'id="model-banner"' in text and not d.rows


def test_hostile_abstract_runs_no_script(tmp_path):
    tables = synthetic_tables(n_papers=4, seed=2)
    payload = (
        "<script>document.body.setAttribute('data-pwned','1')</script>"
        "<img src=x onerror=\"document.body.setAttribute('data-pwned','2')\"> "
    )
    corpus = tables["corpus"]
    shift = len(payload)
    corpus.loc[0, "abstract"] = payload + corpus.loc[0, "abstract"]
    corpus.loc[0, "title"] = payload
    mine = tables["effects"]["paper_id"] == corpus.loc[0, "paper_id"]
    tables["effects"].loc[mine, ["start", "end"]] += shift
    path = tmp_path / "hostile.html"
    path.write_text(build_report(write_tables(tmp_path / "in", tables), {}, now=NOW), "utf-8")
    d = dom(dump_dom(tmp_path, path))
    assert d.body.get("data-ready") == "1"
    assert "data-pwned" not in d.body


def test_screenshot_is_not_blank(page, tmp_path):
    path, _ = page
    shot = tmp_path / "shot.png"
    res = run_chromium(tmp_path, path.as_uri(), f"--screenshot={shot}", "--window-size=1280,1600")
    assert res.returncode == 0 and shot.exists(), res.stderr[-2000:]
    from PIL import Image  # Pillow comes with matplotlib

    with Image.open(shot) as img:
        assert img.format == "PNG" and img.size == (1280, 1600)
        grey = img.convert("L")
        colours = grey.getcolors(maxcolors=256) or []
        dark = sum(n for n, value in colours if value < 128)
    # a blank page is one colour; the report has text, tiles, a table and figures
    assert len(colours) > 50, f"only {len(colours)} grey levels: blank page?"
    assert dark > 0.005 * 1280 * 1600, "hardly any dark (text) pixels"
