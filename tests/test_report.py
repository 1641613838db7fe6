"""Stage 6, the HTML report: escaping, exact span marks, degraded inputs, self-containment.

Inputs are synthetic (tests/synthetic.py: consistent tables in the contracts' layout,
with the real power stage run on them), so these tests need neither MCMC nor ../shared.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import runpy
import types
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import pandas as pd
import pytest
import yaml

from marginalia.errors import MarginaliaError
from marginalia.report import DEFAULTS, build_report, report_options
from marginalia.report.highlight import Span, highlight, locate
from marginalia.report.provenance import corpus_hash
from marginalia.report.values import anchor
from synthetic import synthetic_tables, write_tables

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
EVIL = "<script>alert(1)</script>"


# --------------------------------------------------------------------------- helpers


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text inside <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if tag == "script":
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


def parse(doc: str) -> Tags:
    p = Tags()
    p.feed(doc)
    return p


class AbstractMarks(HTMLParser):
    """Text of one card's abstract paragraph, and the character ranges each effect mark covers."""

    def __init__(self, card_id: str) -> None:
        super().__init__(convert_charrefs=True)
        self.card_id = card_id
        self.in_card = self.in_abstract = False
        self.text = ""
        self.ranges: dict[str, list[tuple[int, int]]] = {}
        self.cues: list[tuple[int, int, str]] = []
        self.numbers: list[tuple[int, int]] = []  # numbers not read as comparisons
        self._stack: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article" and a.get("id") == self.card_id:
            self.in_card = True
        elif self.in_card and tag == "p" and "abstract" in (a.get("class") or ""):
            self.in_abstract = True
        elif self.in_abstract:
            self._stack.append((tag, a))

    def handle_endtag(self, tag):
        if self.in_abstract and tag == "p":
            self.in_abstract = self.in_card = False
        elif self.in_abstract and self._stack:
            self._stack.pop()

    def handle_data(self, data):
        if not self.in_abstract:
            return
        start, end = len(self.text), len(self.text) + len(data)
        self.text += data
        for tag, a in self._stack:
            if tag == "a" and a.get("data-effects"):
                for key in a["data-effects"].split():
                    self.ranges.setdefault(key, []).append((start, end))
            if tag == "mark" and "cue" in (a.get("class") or "").split():
                self.cues.append((start, end, a.get("class") or ""))
            if tag == "mark" and "num" in (a.get("class") or "").split():
                self.numbers.append((start, end))


def merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def anchor_of(doc: str, effect_id: str) -> str:
    m = re.search(
        r'<tr id="([^"]+)" data-flags="[^"]*" data-effect="'
        + re.escape(html.escape(effect_id, quote=True))
        + '"',
        doc,
    )
    assert m, f"no table row for {effect_id}"
    return m.group(1)


def card_of(doc: str, paper_id: str) -> str:
    card = anchor("p", paper_id)
    assert f'<article class="card" id="{card}"' in doc, f"no card for {paper_id}"
    assert f"<span>{html.escape(paper_id)}</span>" in doc
    return card


def visible_text(doc: str) -> str:
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<svg.*?</svg>", " ", doc, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def tables() -> dict:
    return synthetic_tables(n_papers=24, seed=5)


def render(tmp_path: Path, tables: dict, config: dict | None = None, drop=()) -> str:
    inputs = write_tables(tmp_path / "in", tables)
    for key in drop:
        inputs.pop(key)
    return build_report(inputs, config or {}, now=NOW)


@pytest.fixture(scope="module")
def report(tables, tmp_path_factory) -> str:
    return render(tmp_path_factory.mktemp("report"), tables)


def copy(tables: dict) -> dict:
    return {
        k: (v.copy() if isinstance(v, pd.DataFrame) else json.loads(json.dumps(v)))
        for k, v in tables.items()
    }


# --------------------------------------------------------------------------- highlight


def test_highlight_marks_exact_offsets_and_escapes_pieces():
    text = "A <b>&</b> gain of 30-50% and only marginally 2.3x faster."
    s1 = text.index("30-50%")
    s2 = text.index("only marginally 2.3x")
    s3 = text.index("2.3x faster")
    spans = [
        Span(s1, s1 + 6, "effect", "e-1", "low"),
        Span(s1, s1 + 6, "effect", "e-2", "high"),  # a range: two rows, one span
        Span(s3, s3 + 11, "effect", "e-3", "ratio <x>"),
        Span(s2, s2 + len("only marginally 2.3x"), "cue", "marginal", 'cue "q"'),
    ]
    out = str(highlight(text, spans))
    assert "<b>" not in out and "&lt;b&gt;&amp;&lt;/b&gt;" in out
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == text  # nothing lost or duplicated
    assert (
        '<a class="eff-link" href="#e-1" data-effects="e-1 e-2" title="low\n\nhigh">'
        '<mark class="eff multi">30-50%</mark></a>' in out
    )
    # the cue and the ratio overlap on "2.3x": that piece is both, the rest one or the other
    assert '<mark class="cue cue-marginal" title="cue &#34;q&#34;">only marginally </mark>' in out
    assert (
        'data-effects="e-3" title="ratio &lt;x&gt;\n\ncue &#34;q&#34;"><mark class="eff cue '
        'cue-marginal">2.3x</mark></a><a class="eff-link" href="#e-3" data-effects="e-3" '
        'title="ratio &lt;x&gt;"><mark class="eff"> faster</mark></a>' in out
    )


def test_highlight_ignores_out_of_range_spans():
    out = str(highlight("abc", [Span(2, 9, "effect", "x", "t"), Span(1, 1, "cue", "c", "t")]))
    assert out == "abc"


def test_locate_prefers_offsets_then_searches():
    text = "from 58.9 to 61.7 and from 58.9 to 61.7"
    assert locate(text, "from 58.9 to 61.7", 22, 39) == (22, 39, "exact")
    assert locate(text, "from 58.9 to 61.7", 3, 20) == (0, 17, "found")
    assert locate(text, "FROM 58.9", None, None) == (0, 9, "found")
    assert locate(text, "by 3 points", 0, 11) == (-1, -1, "missing")


# --------------------------------------------------------------------------- full report


def test_report_shows_every_section_and_comparison(report, tables):
    tags = parse(report)
    ids = {a.get("id") for _, a in tags.tags}
    for section in (
        "headline",
        "marginal",
        "forest",
        "power",
        "comparisons",
        "papers",
        "diagnostics",
        "methods",
        "provenance",
        "cmp-table",
        "priors",
        "loo-table",
    ):
        assert section in ids, section
    rows = [a for t, a in tags.tags if t == "tr" and a.get("data-effect")]
    assert [a["data-effect"] for a in rows] == list(tables["effects"]["effect_id"])
    cards = [a for t, a in tags.tags if t == "article"]
    assert len(cards) == len(tables["corpus"])
    svgs = [a["id"] for t, a in tags.tags if t == "svg"]
    assert svgs == ["fig-hedge-pp", "fig-forest-pp", "fig-power-pp", "fig-funnel-pp"]
    assert len(set(ids - {None})) == len([a for _, a in tags.tags if a.get("id")]), "unique ids"
    # the sortable table: real <th> with buttons, every header sortable
    heads = [a for t, a in tags.tags if t == "th" and a.get("data-key")]
    assert len(heads) == 18 and all(a["data-type"] in ("num", "text") for a in heads)
    assert ("body", {"data-ready": "0", "data-model-ok": "1"}) in tags.tags


def test_headline_numbers_come_from_the_inputs(report, tables):
    text = " ".join(visible_text(report).split())
    n_papers, n_effects = len(tables["corpus"]), len(tables["effects"])
    assert f"{n_papers} papers" in text
    assert f"{n_effects} reported comparisons" in text
    power = tables["power"]
    known = power["underpowered"].notna()
    k, d = int(power.loc[known, "underpowered"].astype(bool).sum()), int(known.sum())
    assert f"{k} of {d} comparisons with a power estimate" in text
    assert f"{round(100 * k / d)}% underpowered" in text
    hc = tables["hedge_classes"]
    strong = hc[(hc.analysis == "claim") & (hc.hedge_class == "strong")].iloc[0]
    lo, hi = strong["eti_5"], strong["eti_95"]
    assert f"+{strong['mean']:.2f} [{lo:+.2f}, {hi:+.2f}]" in text


def test_marks_sit_at_the_extracted_offsets(report, tables):
    effects = tables["effects"]
    corpus = tables["corpus"].set_index("paper_id")
    checked_shared = 0
    for pid, group in effects.groupby("paper_id"):
        parser = AbstractMarks(card_of(report, pid))
        parser.feed(report)
        assert parser.text == corpus.loc[pid, "abstract"]
        for e in group.itertuples():
            key = anchor_of(report, e.effect_id)
            assert merged(parser.ranges[key]) == [(e.start, e.end)], e.effect_id
            assert parser.text[e.start : e.end] == e.span
        for _span, rows in group.groupby("span"):
            if len(rows) > 1:  # a range: both rows are marked on the same characters
                keys = [anchor_of(report, x) for x in rows.effect_id]
                assert f'data-effects="{" ".join(keys)}"' in report
                assert '<mark class="eff multi' in report
                checked_shared += 1
        for e in group.itertuples():  # the local hedge cue is underlined in its sentence
            if isinstance(e.hedge_local_span, str) and e.hedge_local_span:
                cue = [c for c in parser.cues if f"cue-{e.hedge_local}" in c[2]]
                assert any(parser.text[a:b] in e.hedge_local_span for a, b, _ in cue)
    assert checked_shared, "the synthetic corpus should contain ranges sharing one span"


def test_wrong_offsets_are_corrected_and_said(tmp_path, tables):
    t = copy(tables)
    t["effects"].loc[0, ["start", "end"]] = [0, 3]
    t["effects"].loc[1, "span"] = "a span that is nowhere"
    doc = render(tmp_path, t)
    e0, e1 = t["effects"].iloc[0], t["effects"].iloc[1]
    assert f"{e0.effect_id}: offsets 0–3 do not match the span" in html.unescape(doc)
    assert "(offsets corrected)" in doc
    assert f"{e1.effect_id}: span “a span that is nowhere” is not in the abstract" in (
        html.unescape(doc)
    )


def test_external_text_is_escaped_everywhere(tmp_path, tables):
    t = copy(tables)
    pid = t["corpus"].loc[0, "paper_id"]
    evil_abstract = (
        f"{EVIL} & <img src=x onerror=alert(2)> gains. " + t["corpus"].loc[0, "abstract"]
    )
    shift = len(evil_abstract) - len(t["corpus"].loc[0, "abstract"])
    t["corpus"].loc[0, ["title", "abstract"]] = [EVIL + " $x$ title", evil_abstract]
    t["corpus"].loc[0, "url"] = "javascript:alert(3)"
    for key in ("effects", "standardized", "power"):
        df = t[key]
        mine = df["paper_id"] == pid
        df.loc[mine, "title"] = EVIL + " $x$ title"
        if "start" in df:
            df.loc[mine, "start"] += shift
            df.loc[mine, "end"] += shift
        df.loc[mine, "benchmark"] = '<b onmouseover="alert(4)">Bench</b>'
    t["papers"].loc[0, "title"] = EVIL
    t["papers"].loc[0, "hedge_spans"] = json.dumps([EVIL, '"quoted" cue'])
    t["diagnostics"]["reasons"] = [EVIL]
    t["diagnostics"]["ok"] = False
    doc = render(tmp_path, t, {"report": {"title": EVIL}, "corpus": {"note": EVIL}})
    tags = parse(doc)
    assert EVIL not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert len(tags.scripts) == 1, "the only <script> is the report's own"
    assert "alert(" not in tags.scripts[0]
    assert not [t for t, _ in tags.tags if t == "img"]
    for tag, attrs in tags.tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        assert not str(attrs.get("href", "")).startswith("javascript:")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in doc
    # the marks still sit on the right characters after the escaped prefix
    parser = AbstractMarks(card_of(doc, pid))
    parser.feed(doc)
    assert parser.text == evil_abstract
    for e in t["effects"][t["effects"].paper_id == pid].itertuples():
        assert merged(parser.ranges[anchor_of(doc, e.effect_id)]) == [(e.start, e.end)]


def test_controls_and_bidi_overrides_are_shown_not_obeyed(tmp_path, tables):
    t = copy(tables)
    pid = t["corpus"].loc[0, "paper_id"]
    rlo, bell = "\u202e", "\x07"
    abstract = t["corpus"].loc[0, "abstract"]
    t["corpus"].loc[0, "title"] = f"Safe {rlo}txt.exe{bell} title"
    t["papers"].loc[0, "title"] = f"Safe {rlo}txt.exe{bell} title"
    for key in ("effects", "standardized", "power"):
        mine = t[key]["paper_id"] == pid
        t[key].loc[mine, "title"] = f"Safe {rlo}txt.exe{bell} title"
        t[key].loc[mine, "benchmark"] = f"Bench{rlo}"
    # a control character inside the abstract, after the marked spans (their offsets stand)
    t["corpus"].loc[0, "abstract"] = abstract + f" Tail{rlo}{bell}."
    doc = render(tmp_path, t)
    assert rlo not in doc and bell not in doc, [
        doc[max(0, i - 120) : i + 40] for i in [doc.find(rlo), doc.find(bell)]
    ]
    assert "Safe \u27e8U+202E\u27e9txt.exe\u27e8U+0007\u27e9 title" in doc
    assert "Tail\u27e8U+202E\u27e9\u27e8U+0007\u27e9." in doc
    # the marks still sit on the comparisons' own characters
    parser = AbstractMarks(card_of(doc, pid))
    parser.feed(doc)
    assert parser.text.startswith(abstract)
    for e in t["effects"][t["effects"].paper_id == pid].itertuples():
        assert merged(parser.ranges[anchor_of(doc, e.effect_id)]) == [(e.start, e.end)]


def test_no_external_resources(report):
    tags = parse(report)
    for tag, attrs in tags.tags:
        for attr in ("src", "srcset", "data", "poster", "action"):
            assert attr not in attrs or "http" not in str(attrs[attr]), (tag, attrs)
        if tag in ("link", "script", "img", "iframe", "embed", "object", "source", "use"):
            for key in ("href", "src", "xlink:href"):
                value = str(attrs.get(key) or "")
                assert "http" not in value and "//" not in value, (tag, attrs)
        if tag == "use":
            assert str(attrs.get("xlink:href", "#")).startswith("#")
    assert not [t for t, _ in tags.tags if t in ("link", "img", "iframe")]
    assert all("src" not in a for t, a in tags.tags if t == "script")
    assert "@import" not in report and "url(http" not in report and "@font-face" not in report
    assert "fetch(" not in tags.scripts[0] and "XMLHttpRequest" not in tags.scripts[0]
    # links out of the report (paper pages) are plain anchors, never loaded resources
    hrefs = [a["href"] for t, a in tags.tags if t == "a" and "http" in str(a.get("href"))]
    assert hrefs and all(h.startswith("https://arxiv.org/abs/") for h in hrefs)


def test_size_is_reasonable_for_a_hundred_papers(tmp_path):
    doc = render(tmp_path, synthetic_tables(n_papers=100, seed=2))
    size = len(doc.encode("utf-8"))
    assert 100_000 < size < 1_500_000, size


def test_same_inputs_same_report(tmp_path, tables):
    first = render(tmp_path, tables)
    assert render(tmp_path, tables) == first  # figures included: salted ids, no dates


def test_flag_reasons_name_their_inputs(report, tables):
    from marginalia.report.values import fmt

    power = tables["power"]
    row = power[power["underpowered"].fillna(False).astype(bool)].iloc[0]
    text = html.unescape(report)
    assert (
        f"underpowered: power {fmt(row.power_plausible)} < 0.50 averaged over plausible θ "
        f"{fmt(row.plausible_effect)} ± {fmt(row.plausible_sd)}, se {fmt(row.se)}"
    ) in text
    noisy = power[power["within_noise"].fillna(False).astype(bool)].iloc[0]
    assert (
        f"not distinguishable from zero at α 0.05: |y| {fmt(abs(noisy.y))} < "
        f"1.96·se {fmt(1.959964 * noisy.se)}"
    ) in text
    small = power[power["below_mde"].fillna(False).astype(bool)].iloc[0]
    assert f"below MDE: |y| {fmt(abs(small.y))} < MDE {fmt(small.mde)}" in text
    assert str(row.flag_reason) in text  # the power stage's own explanation, in a <details>


def test_priors_come_from_diagnostics_else_the_model_module(tmp_path, tables):
    t = copy(tables)
    doc = render(tmp_path / "a", t)
    assert "<caption>Priors (from diagnostics.json)</caption>" in doc
    assert "<code>LogNormal(log 1, 0.7)</code>" in doc
    del t["diagnostics"]["priors"]
    doc = render(tmp_path / "b", t)
    assert "<caption>Priors (from marginalia.model.priors)</caption>" in doc
    assert re.search(r'<th scope="row">mu</th><td><code>Normal\(', doc)
    assert "Why these priors" in doc


# --------------------------------------------------------------------------- degraded inputs


def test_failed_model_is_shown_loudly(tmp_path):
    t = synthetic_tables(n_papers=12, seed=1, model_ok=False)
    doc = render(tmp_path, t)
    banner = re.search(
        r'<div class="banner bad" role="alert" id="model-banner">(.*?)</div>', doc, re.S
    )
    assert banner and "MODEL DIAGNOSTICS NOT OK" in banner.group(1)
    assert "pp_claim: 17 divergent transitions (allowed 0)" in banner.group(1)
    assert doc.index('id="model-banner"') < doc.index('id="headline"'), "banner on top"
    assert 'data-model-ok="0"' in doc
    assert 'class="plain classes unreliable"' in doc
    assert "Diagnostics NOT OK" in doc and 'class="bad-row has-notes"' in doc
    # headline numbers: worst over the hierarchical (gating) fits, against the model's gate
    assert '<dt>divergences</dt><dd class="bad-cell">34</dd>' in doc
    assert '<dt>max R-hat (gate 1.01)</dt><dd class="bad-cell">1.080</dd>' in doc
    assert '<dt>min ESS (gate 400)</dt><dd class="bad-cell">95</dd>' in doc
    # the power stage ignores a failed fit: no plausible-effect flags, said in the tile
    assert (
        "no comparison has a power estimate at the plausible effect (the model is not usable)"
        in " ".join(visible_text(doc).split())
    )


def test_zero_effects(tmp_path, tables):
    t = copy(tables)
    for key in (
        "effects",
        "standardized",
        "comparisons",
        "power",
        "hedge_classes",
        "loo",
        "summary",
        "power_summary",
    ):
        t[key] = t[key].iloc[0:0]
    t["diagnostics"] = {"ok": False, "reasons": ["no effects to model"], "status": "no effects"}
    doc = render(tmp_path, t)
    assert "No comparisons were extracted from this corpus." in doc
    assert 'id="cmp-table"' not in doc and "<svg" not in doc
    assert "0 reported comparisons" in " ".join(visible_text(doc).split())
    assert doc.count('<article class="card"') == len(t["corpus"])
    assert "no effects to model" in doc


def test_missing_inputs_power_columns_and_nans(tmp_path, tables):
    t = copy(tables)
    t["power"] = t["power"][["effect_id", "mde"]]
    t["comparisons"].loc[:, ["theta_lo", "theta_hi", "p_positive"]] = float("nan")
    t["standardized"]["se"] = float("nan")
    t["summary"].loc[0, "r_hat"] = float("nan")
    doc = render(tmp_path, t, drop=("loo", "hedge_classes"))
    text = visible_text(doc)
    assert "input 'loo' was not given" in text and "input 'hedge_classes' was not given" in text
    assert re.search(r"The power table lacks: .*power_plausible.*underpowered", text)
    assert "No posterior per hedge class" in text
    assert not re.search(r"\bnan\b|\bNaN\b|\bNone\b", text), "missing values show as –"
    assert 'data-v="nan"' not in doc


def test_unreadable_and_absent_files_are_reported(tmp_path, tables):
    inputs = write_tables(tmp_path / "in", tables)
    Path(inputs["diagnostics"]).write_text("{not json")
    inputs["power"] = tmp_path / "nowhere.parquet"
    doc = build_report(inputs, {}, now=NOW)
    text = visible_text(doc)
    assert "input 'diagnostics'" in text and "could not be read" in text
    assert f"input 'power' ({tmp_path / 'nowhere.parquet'}) does not exist" in text
    assert "Model diagnostics unavailable." in text


def test_forest_keeps_the_most_shrunk_rows(tmp_path, tables):
    doc = render(tmp_path, tables, {"report": {"max_forest_rows": 5}})
    n_pp = int((tables["comparisons"].analysis == "claim").sum())
    assert f"{n_pp - 5} comparisons are not drawn" in doc
    forest = re.search(r'<svg id="fig-forest-pp".*?</svg>', doc, re.S).group(0)
    assert forest.count(" · ") == 5  # five row labels


# --------------------------------------------------------------------------- config, provenance


def test_schema_defaults_match_the_code_and_config_validates(repo_dir):
    schema = yaml.safe_load((repo_dir / "workflow/schemas/report.schema.yaml").read_text())
    assert {k: v["default"] for k, v in schema["properties"].items()} == DEFAULTS
    assert all(v.get("description") for v in schema["properties"].values())
    config = yaml.safe_load((repo_dir / "config/config.yaml").read_text())
    jsonschema.Draft202012Validator(schema).validate(config["report"])
    assert report_options(config) == {**DEFAULTS, **config["report"]}


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"colour": "red"}, "config key report.colour: unknown key"),
        ({"max_forest_rows": -1}, "config key report.max_forest_rows: -1 is less than"),
        (
            {"max_paper_cards": True},
            "config key report.max_paper_cards: expected integer, got True (bool)",
        ),
        ({"title": 3}, "config key report.title: expected string, got 3 (int)"),
    ],
)
def test_bad_report_config_names_the_key(section, message):
    with pytest.raises(MarginaliaError, match=re.escape(message)):
        report_options({"report": section})


def test_corpus_hash_is_defined_and_order_free():
    df = pd.DataFrame({"paper_id": ["b", "a"], "abstract": ["second\nline", "first"]})
    expected = hashlib.sha256(b"a\tfirst\nb\tsecond line\n").hexdigest()
    assert corpus_hash(df) == expected
    assert corpus_hash(df.iloc[::-1]) == expected
    assert corpus_hash(pd.DataFrame()) is None


def test_provenance_lists_versions_hash_config_and_inputs(report, tables):
    from importlib import metadata

    assert f'<th scope="row">pandas</th><td>{metadata.version("pandas")}</td>' in report
    assert f'<th scope="row">pymc</th><td>{metadata.version("pymc")}</td>' in report
    assert corpus_hash(tables["corpus"]) in report
    assert "2025-01-02T03:04:05+00:00" in report
    assert re.search(
        r"<th scope=\"row\">effects</th><td><code>[^<]*effects.parquet</code></td>"
        rf"<td class=\"n\">{len(tables['effects'])}</td>",
        report,
    )


def test_adapter_writes_the_file(tmp_path, tables, repo_dir):
    inputs = write_tables(tmp_path / "in", tables)
    out = tmp_path / "out" / "report.html"
    out.parent.mkdir()
    fake = types.SimpleNamespace(
        input=types.SimpleNamespace(items=lambda: [(k, str(v)) for k, v in inputs.items()]),
        params=types.SimpleNamespace(settings={"report": {"title": "Adapter run"}}),
        output=types.SimpleNamespace(html=str(out)),
        log=[str(tmp_path / "render.log")],
    )
    script = repo_dir / "workflow" / "scripts" / "render_report.py"
    try:
        runpy.run_path(str(script), init_globals={"snakemake": fake}, run_name="__main__")
    finally:  # marginalia.runner configured the root logger for the "job": undo it
        for handler in logging.getLogger().handlers[:]:
            handler.close()
            logging.getLogger().removeHandler(handler)
    doc = out.read_text(encoding="utf-8")
    assert "<title>Adapter run</title>" in doc and doc.rstrip().endswith("</html>")
    assert "report: " in (tmp_path / "render.log").read_text()
    assert not list(out.parent.glob(".*.tmp")), "atomic write leaves no temporary file"


def _tile(doc: str, tile_id: str) -> str:
    m = re.search(rf'<div class="tile[^"]*" id="{tile_id}">(.*?)</div>', doc, re.S)
    assert m, tile_id
    return " ".join(visible_text(m.group(1)).split())


def test_within_noise_tile_counts_the_z_se_flag(tmp_path, tables):
    """The tile counts |y| < z·se (power.csv within_noise), not |y| < MDE, and words it as a
    statement about the test; a one-line change to either count turns this red."""
    power = tables["power"]
    wn = power["within_noise"].fillna(False).astype(bool)
    bm = power["below_mde"].fillna(False).astype(bool)
    assert wn.sum() < bm.sum(), "the synthetic data must tell the two flags apart"
    doc = render(tmp_path / "a", tables)
    tile = _tile(doc, "tile-within-noise")
    assert tile.startswith(f"{int(wn.sum())} not distinguishable from zero of ")
    assert f"of {int(power['within_noise'].notna().sum())} assessed" in tile
    assert "two-sided α = 0.05" in tile
    assert f"{int(bm.sum())} of {int(power['below_mde'].notna().sum())} below" in tile
    assert "no effect" not in tile.lower() and "within noise" in tile
    # the report follows power.csv, and names the alpha of the config
    t = copy(tables)
    t["power"] = power.assign(within_noise=power["within_noise"].astype("boolean") & False)
    doc = render(tmp_path / "b", t, {"power": {"alpha": 0.1}})
    tile = _tile(doc, "tile-within-noise")
    assert tile.startswith("0 not distinguishable from zero") and "α = 0.1" in tile


def _conclusion(doc: str) -> str:
    m = re.search(r'<p class="conclusion" id="conclusion">(.*?)</p>', doc, flags=re.S)
    assert m, "no conclusion sentence on the first screen"
    return " ".join(html.unescape(m.group(1)).split())


def test_first_screen_conclusion_is_computed_from_the_posterior(tmp_path, tables):
    hc = tables["hedge_classes"]
    claim = hc[(hc["analysis"] == "claim") & (hc["family"] == "pp")].set_index("hedge_class")
    diff = claim.loc["marginal - strong"]
    text = _conclusion(render(tmp_path / "a", tables))
    assert f"{diff['eti_5']:.1f} to {diff['eti_95']:.1f}" in text
    n_m, n_s = int(claim.loc["marginal", "n_effects"]), int(claim.loc["strong", "n_effects"])
    assert f"{n_m} comparison" in text and f"{n_s} called strong" in text
    assert "opposite bound" in text
    # an interval that straddles 0 says the data cannot tell the classes apart; one that does
    # not says which way
    t = copy(tables)
    t["hedge_classes"] = hc.copy()
    row = (t["hedge_classes"]["analysis"] == "claim") & (
        t["hedge_classes"]["hedge_class"] == "marginal - strong"
    )
    t["hedge_classes"].loc[
        row & (t["hedge_classes"]["family"] == "pp"), ["mean", "eti_5", "eti_95"]
    ] = [
        -2.0,
        -5.5,
        1.5,
    ]
    assert "cannot tell" in _conclusion(render(tmp_path / "b", t))
    t["hedge_classes"].loc[
        row & (t["hedge_classes"]["family"] == "pp"), ["mean", "eti_5", "eti_95"]
    ] = [
        -4.0,
        -6.5,
        -1.5,
    ]
    text = _conclusion(render(tmp_path / "c", t))
    assert "smaller than those behind claims called strong, by 4.0 pp" in text
    assert "-6.5 to -1.5" in text


def test_diagnostics_status_names_failed_secondary_fits(tmp_path, tables):
    t = copy(tables)
    diag = json.loads(json.dumps(t["diagnostics"]))
    diag["ok"] = True
    for f in diag["fits"]:
        f["ok"] = f["model"] != "complete_pooling"
    t["diagnostics"] = diag
    doc = render(tmp_path, t)
    m = re.search(r'<div class="status ok" id="diag-status">(.*?)</div>', doc, flags=re.S)
    assert m, "status block"
    status = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())
    failed = [f["name"] for f in diag["fits"] if not f["ok"]]
    assert failed and "every fit passed" not in status
    assert all(name in status for name in failed) and "every primary fit" in status


def test_funnel_plot_draws_every_modelled_comparison_with_a_known_se(report, tables):
    std = tables["standardized"]
    pp = std[(std["family"] == "pp") & std["in_model"].astype(bool) & (std["se"] > 0)]
    m = re.search(r'<figure class="fig" id="funnel">(.*?)</figure>', report, flags=re.S)
    assert m, "funnel plot"
    legend = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())
    counts = pp["hedge_local"].fillna("none").replace("", "none").value_counts()
    for cls, n in counts.items():
        assert f"{cls} ({n})" in legend


def test_log_ratio_classes_are_shown_as_factors(tmp_path, tables):
    t = copy(tables)
    hc = tables["hedge_classes"]
    extra = hc[hc["family"] == "pp"].copy()
    extra["family"] = "log_ratio"
    extra[["mean", "eti_5", "eti_95"]] = [1.0, 0.5, 1.5]
    t["hedge_classes"] = pd.concat([hc, extra], ignore_index=True)
    doc = render(tmp_path, t)
    m = re.search(
        r'<table class="plain classes[^"]*" id="classes-log_ratio">(.*?)</table>', doc, re.S
    )
    assert m, "log_ratio class table"
    cells = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())
    assert "×2.72 [×1.65, ×4.48]" in cells and "(log +1.00)" in cells


def test_paper_card_says_how_many_runs_its_results_average(tmp_path, tables):
    t = copy(tables)
    papers = t["papers"]
    papers["n_seeds"] = pd.array([5] + [None] * (len(papers) - 1), dtype="Int64")
    papers["n_seeds_span"] = ["averaged over five seeds"] + [""] * (len(papers) - 1)
    page = html.unescape(render(tmp_path, t))
    assert page.count("results averaged over") == 1
    assert (
        "results averaged over 5 runs (“averaged over five seeds”: seed noise divided by 5)"
        in page.replace("<q>", "“").replace("</q>", "”")
    )


def test_numbers_not_read_as_comparisons_are_marked_apart(tmp_path, tables):
    t = copy(tables)
    corpus = t["corpus"]
    pid = t["effects"]["paper_id"].iloc[0]
    i = corpus.index[corpus["paper_id"] == pid][0]
    extra = " The base model reaches 55.5% accuracy in 2024 with 120 ms per query (see Table 2)."
    corpus.loc[i, "abstract"] += extra
    doc = render(tmp_path, t)
    parser = AbstractMarks(card_of(doc, pid))
    parser.feed(doc)
    abstract = corpus.loc[i, "abstract"]
    assert parser.text == abstract  # nothing lost or duplicated by the new marks
    marked = [abstract[a:b] for a, b in merged(parser.numbers)]
    assert marked == ["55.5%", "120 ms"]  # a level and a measure; not the year or "2"
    effects = t["effects"][t["effects"]["paper_id"] == pid]
    for a, b in parser.numbers:  # never inside an extracted comparison
        assert not any(e.start < b and a < e.end for e in effects.itertuples())
    card = doc[doc.index(f'id="{card_of(doc, pid)}"') :]
    assert "· 2 other numbers not read as comparisons" in card[: card.index("</header>")]
    assert 'title="a number not read as a comparison: a level, a setting or a share' in card
    # one such number: the singular
    corpus.loc[i, "abstract"] = corpus.loc[i, "abstract"].replace(" with 120 ms per query", "")
    card = render(tmp_path / "one", t)
    card = card[card.index(f'id="{card_of(card, pid)}"') :]
    assert "· 1 other number not read as a comparison" in card[: card.index("</header>")]


def test_a_number_inside_a_cue_keeps_the_cue_mark():
    text = "It is only marginally higher (<4%) than before."
    cue = (text.index("only"), text.index(")") + 1)
    num = (text.index("4%"), text.index("4%") + 2)
    out = str(highlight(text, [Span(*cue, "cue", "marginal", "c"), Span(*num, "number", "", "n")]))
    assert '<mark class="cue cue-marginal num" title="n\n\nc">4%</mark>' in out
    assert html.unescape(re.sub(r"<[^>]+>", "", out)) == text


ROW = re.compile(
    r'<tr id="([^"]+)" data-flags="[^"]*" data-effect="[^"]*"[^>]*>\s*'
    r'<td data-v="[^"]*"><a href="#([^"]+)"'
)


def test_large_corpora_table_follows_the_cards_and_figures_draw_a_sample(tmp_path, tables, report):
    doc = render(tmp_path, tables, {"report": {"max_paper_cards": 3, "max_figure_points": 4}})
    cards = re.findall(r'<article class="card" id="([^"]+)"', doc)
    assert len(cards) == 3
    rows = ROW.findall(doc)
    every = ROW.findall(report)
    # the table lists exactly the comparisons of the papers shown as cards...
    assert {p for _, p in rows} <= set(cards)
    assert sorted(rows) == sorted((r, p) for r, p in every if p in cards)
    assert 0 < len(rows) < len(every)
    # ...so every highlighted span of a card links to a row that exists
    row_ids = {r for r, _ in rows}
    links = re.findall(r'<a class="eff-link" href="#([^"]+)"', doc)
    assert links and set(links) <= row_ids
    text = " ".join(visible_text(doc).split())
    assert f"lists the {len(rows)} comparisons of the first 3 of 24 papers" in text
    assert f"all {len(every)} are in this run's model/comparisons.csv and power.csv" in text
    # figures draw a seeded sample and say so; the counts still cover every comparison
    assert text.count("A random sample of 4 of the") == 3
    std = tables["standardized"]
    pp = std[(std["family"] == "pp") & std["in_model"].astype(bool) & (std["se"] > 0)]
    m = re.search(r'<figure class="fig" id="funnel">(.*?)</figure>', doc, flags=re.S)
    legend = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())
    assert f"A random sample of 4 of the {len(pp)} comparisons" in legend
    for cls, n in pp["hedge_local"].fillna("none").replace("", "none").value_counts().items():
        assert f"{cls} ({n})" in legend
    # the full report has no such notes
    assert "A random sample of" not in report and 'id="cmp-capped"' not in report
