"""Property tests of the comparison extractor: it never crashes, spans are exact, ranges pair up.

Texts are drawn from arbitrary Unicode and from a grammar of abstract-like fragments (numbers,
units, qualifiers, comparison words, LaTeX artefacts), so that the rules' branches are reached.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marginalia.extract import extract_effects
from marginalia.extract.effects import find_effects
from marginalia.extract.numbers import find_quantities

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NUMBERS = st.one_of(
    st.integers(min_value=0, max_value=3000).map(str),
    st.floats(min_value=0, max_value=999, allow_nan=False).map(lambda v: f"{v:.2f}"),
    st.sampled_from(["+4.58", "-1.2", "(+2.53", "\u22120.5", "1/3 rd", "2,710", "8/255"]),
)
UNITS = st.sampled_from(
    [
        "%",
        r"\%",
        " percent",
        " percentage points",
        "x",
        "\u00d7",
        "times",
        " times",
        "-fold",
        " points",
        "F1",
        " BLEU",
        "",
        "",
        "B",
        "M-word",
    ]
)
WORDS = st.sampled_from(
    [
        "by",
        "up to",
        "upto",
        "more than",
        "over",
        "less than",
        "<",
        "approx",
        "about",
        "nearly",
        "an average of",
        "from",
        "to",
        "rightarrow",
        "vs.",
        "which rises to",
        "(from",
        ")",
        "(",
        "improves accuracy",
        "faster",
        "fewer",
        "reduction in",
        "drop in",
        "higher",
        "lower than",
        "of the original training cost",
        "twice as fast",
        "doubles",
        "half",
        "one third of the",
        "an order of magnitude",
        "two orders of magnitude",
        "pm",
        "\u00b1",
        "-",
        " to ",
        ", respectively,",
        "on GSM8K",
        "in FID",
        "speedup",
        "the",
        "and",
        ".",
        ", while",
        "scriptsize",
        "epsilon=",
        "O(T^{",
        "}",
    ]
)
FRAGMENT = st.one_of(st.tuples(NUMBERS, UNITS).map("".join), WORDS, st.text(max_size=8))
ABSTRACTS = st.lists(FRAGMENT, max_size=30).map(" ".join)


def _check_rows(text: str, rows: list[dict]) -> None:
    for r in rows:
        assert 0 <= r["start"] < r["end"] <= len(text)
        assert text[r["start"] : r["end"]] == r["span"]
        assert r["unit"] in ("percent", "points", "ratio", "fraction")
        assert r["scale"] in ("absolute", "relative", "ambiguous")
        assert r["direction"] in ("better", "worse")
        assert r["aspect"] in ("performance", "efficiency")
        assert r["delta"] == r["delta"]  # not NaN
        if r["unit"] == "ratio":
            assert r["delta"] > 0
    # ranges come as adjacent (range_low, range_high) pairs with one span
    quals = [r["qualifier"] for r in rows]
    for i, q in enumerate(quals):
        if q == "range_low":
            assert quals[i + 1] == "range_high"
            assert rows[i]["span"] == rows[i + 1]["span"]
            assert rows[i]["delta"] <= rows[i + 1]["delta"]
        if q == "range_high":
            assert i > 0 and quals[i - 1] == "range_low"


@SETTINGS
@given(st.text())
def test_arbitrary_unicode_never_raises(text):
    rows = extract_effects("p:1", "title", text)
    _check_rows(text, rows)
    for q in find_quantities(text):
        assert 0 <= q.start < q.end <= len(text)


@SETTINGS
@given(ABSTRACTS)
def test_spans_are_exact_substrings(text):
    _check_rows(text, find_effects(text))


@SETTINGS
@given(
    st.floats(min_value=0.1, max_value=99, allow_nan=False),
    st.floats(min_value=0.1, max_value=99, allow_nan=False),
    st.sampled_from(
        ["{a}-{b}%", r"{a} to {b}\%", "+{a} to +{b}", "{a}x-{b}x", "pm{a}%", "\u00b1{a}%"]
    ),
    st.sampled_from(
        [
            "The method improves accuracy by ",
            "We see gains of ",
            "Costs vary by ",
            "It is ",
            "The model has ",
        ]
    ),
    st.sampled_from([" on the benchmark.", " fewer parameters.", " faster.", "."]),
)
def test_every_range_gives_two_rows_with_one_span(a, b, template, before, after):
    phrase = template.format(a=f"{a:.1f}", b=f"{b:.1f}")
    text = before + phrase + after
    rows = find_effects(text)
    _check_rows(text, rows)
    ranged = [r for r in rows if r["qualifier"] in ("range_low", "range_high")]
    in_phrase = [r for r in rows if r["span"] == phrase]
    if ranged or in_phrase:
        assert [r["qualifier"] for r in in_phrase] == ["range_low", "range_high"]
        assert ranged == in_phrase


@SETTINGS
@given(
    st.sampled_from(["+{a} to +{b}", "{a}x-{b}x", "pm{a}\\%", "\u00b1{a}%"]),
    st.floats(min_value=0.1, max_value=50, allow_nan=False),
    st.floats(min_value=51, max_value=99, allow_nan=False),
)
def test_marked_ranges_are_always_extracted(template, a, b):
    phrase = template.format(a=f"{a:.2f}", b=f"{b:.2f}")
    text = f"Our approach brings consistent improvements ({phrase}) on all tasks."
    rows = find_effects(text)
    assert [r["qualifier"] for r in rows] == ["range_low", "range_high"]
    assert {r["span"] for r in rows} == {phrase}
    lo, hi = rows[0]["delta"], rows[1]["delta"]
    assert lo <= hi


@pytest.mark.parametrize(
    "text",
    ["a \u017fix-fold gain", "\u017fix times faster", "\u017feven-fold", "one-\u017fixth of it"],
)
def test_case_folding_look_alikes_do_not_crash(text):
    """Long s and dotless i match number words case-insensitively but are not number words."""
    assert extract_effects("p", "t", text) == []
