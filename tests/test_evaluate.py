"""Scoring extraction against gold: matching tolerances, one-to-one matching, per-label P/R/F1,
attribute accuracy, hedge_local F1 and the paper-level confusion matrices, on hand-made tables
whose expected scores are worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from marginalia.columns import EFFECTS, PAPERS
from marginalia.errors import MarginaliaError
from marginalia.evaluate import read_gold, render_markdown, score_extraction
from marginalia.evaluate.match import deltas_agree, match_rows
from marginalia.registry import load_registry

TITLE_A = "Paper A: Fast Things"
TITLE_B = "Paper B -- Small Gains"
TITLE_C = "Paper C (statistics)"
TITLE_D = "Paper D, not in the gold set"


def gold(paper, title, span, delta, unit, aspect, hedge="none", **kw):
    row = {
        "paper": paper,
        "title": title,
        "span": span,
        "aspect": aspect,
        "metric": None,
        "benchmark": None,
        "baseline": None,
        "treatment": None,
        "delta": delta,
        "unit": unit,
        "scale": "relative" if unit in ("ratio", "fraction") else "ambiguous",
        "qualifier": None,
        "direction": "better",
        "lower_is_better": None,
        "note": "",
        "hedge_local": hedge,
        "hedge_local_span": None if hedge == "none" else span,
    }
    row.update(kw)
    return row


def pred(pid, title, n, span, delta, unit, aspect, hedge="none", **kw):
    row = dict.fromkeys(EFFECTS)
    row.update(
        paper_id=pid,
        title=title,
        effect_id=f"{pid}#{n}",
        span=span,
        start=0,
        end=len(span),
        aspect=aspect,
        metric="",
        benchmark="",
        delta=delta,
        unit=unit,
        scale="relative" if unit in ("ratio", "fraction") else "ambiguous",
        qualifier="",
        direction="better",
        hedge_local=hedge,
        hedge_local_span=None if hedge == "none" else span,
    )
    row.update(kw)
    return row


GOLD_EFFECTS = [
    gold(1, TITLE_A, "+4.58%", 4.58, "percent", "performance", "strong", benchmark="CIFAR-10"),
    gold(1, TITLE_A, "2.3times", 2.3, "ratio", "efficiency", "marginal"),
    gold(1, TITLE_A, "pm10\\%", -10.0, "percent", "efficiency", qualifier="range_low"),
    gold(1, TITLE_A, "pm10\\%", 10.0, "percent", "efficiency", "marginal", qualifier="range_high"),
    gold(2, TITLE_B, "about one third", 0.33, "fraction", "efficiency", qualifier="approx"),
    gold(
        2, TITLE_B, "from 58.3 to 68.6", 10.3, "points", "performance", "strong", benchmark="ARC-C"
    ),
    gold(2, TITLE_B, "7.9% on MATH", 7.9, "percent", "performance"),
]

PRED_EFFECTS = [
    pred(
        "a",
        "paper a  fast things",
        1,
        "+4.58%",
        4.58,
        "percent",
        "performance",
        "strong",
        benchmark="cifar10",
    ),
    # ratio 2.32 vs 2.3: within 1% relative; predicted none where the gold says marginal
    pred("a", "paper a  fast things", 2, "2.3times", 2.32, "ratio", "efficiency", "none"),
    pred(
        "a",
        "paper a  fast things",
        3,
        "pm10\\%",
        -10.0,
        "percent",
        "efficiency",
        qualifier="range_low",
        direction="worse",
    ),
    pred(
        "a",
        "paper a  fast things",
        4,
        "pm10\\%",
        10.0,
        "percent",
        "performance",
        "marginal",
        qualifier="range_high",
    ),
    # a second row with the same number: 4.585 is farther from 4.58 than row 1, so it is the
    # false positive
    pred("a", "paper a  fast things", 5, "4.58% again", 4.585, "percent", "performance"),
    pred("b", TITLE_B, 1, "about one third", 1 / 3, "fraction", "efficiency"),
    pred(
        "b",
        TITLE_B,
        2,
        "58.3 to 68.6",
        10.3,
        "percent",
        "performance",
        "marginal",
        benchmark="ARC-Challenge",
    ),
    # paper D is not in the gold papers: ignored
    pred("d", TITLE_D, 1, "+1%", 1.0, "percent", "performance"),
]

GOLD_PAPERS = [
    {"paper": 1, "title": TITLE_A, "n_effects": 4, "hedge": "strong",
     "hedge_spans": ["significantly"], "marginal_sense": "absent", "field": "x"},
    {"paper": 2, "title": TITLE_B, "n_effects": 3, "hedge": "marginal",
     "hedge_spans": ["slightly"], "marginal_sense": "improvement", "field": "x"},
    {"paper": 3, "title": TITLE_C, "n_effects": 0, "hedge": "none", "hedge_spans": [],
     "marginal_sense": "statistics", "field": "x"},
]  # fmt: skip

PRED_PAPERS = pd.DataFrame(
    [
        ["a", TITLE_A, "s", 2024, 5, "strong", '["significantly"]', "absent", None, ""],
        ["b", TITLE_B, "s", 2024, 2, "none", "[]", "improvement", 3, "over 3 seeds"],
        ["d", TITLE_D, "s", 2024, 1, "strong", '["x"]', "other", None, ""],
    ],
    columns=PAPERS,
)


@pytest.fixture(scope="module")
def registry(repo_dir: Path):
    return load_registry(repo_dir / "config" / "benchmarks.yaml")


@pytest.fixture(scope="module")
def result(registry):
    return score_extraction(
        pd.DataFrame(PRED_EFFECTS, columns=EFFECTS),
        PRED_PAPERS,
        GOLD_EFFECTS,
        GOLD_PAPERS,
        registry,
    )


@pytest.mark.parametrize(
    ("g", "p", "unit", "ok"),
    [
        (4.58, 4.59, "percent", True),
        (4.58, 4.595, "percent", False),
        (10.0, 10.01, "points", True),
        (-10.0, 10.0, "percent", False),
        (-0.22, -0.215, "points", True),
        (2.3, 2.32, "ratio", True),
        (2.3, 2.33, "ratio", False),
        (38.0, 38.3, "ratio", True),
        (38.0, 38.5, "ratio", False),
        (0.33, 1 / 3, "fraction", True),
        (0.5, 0.505, "fraction", True),
        (0.5, 0.51, "fraction", False),  # within 0.01 absolute but not within 1% relative
        (4.58, None, "percent", False),
        (4.58, float("nan"), "percent", False),
    ],
)
def test_delta_tolerances(g, p, unit, ok):
    assert deltas_agree(g, p, unit) is ok


def test_match_is_one_to_one_and_prefers_closest():
    gold_rows = [{"delta": 4.58, "unit": "percent", "span": "+4.58%"}]
    pred_rows = [
        {"delta": 4.585, "unit": "percent", "span": "+4.58%"},
        {"delta": 4.58, "unit": "percent", "span": "4.58"},
    ]
    assert match_rows(gold_rows, pred_rows) == [(0, 1)]


def test_match_ties_broken_by_unit_then_span_overlap():
    gold_rows = [{"delta": 2.0, "unit": "ratio", "span": "twice as fast"}]
    pred_rows = [
        {"delta": 2.0, "unit": "percent", "span": "twice as fast"},
        {"delta": 2.0, "unit": "ratio", "span": "2"},
    ]
    assert match_rows(gold_rows, pred_rows) == [(0, 1)]
    gold_rows = [
        {"delta": 8.0, "unit": "percent", "span": "ShareGPT an 8% improvement"},
        {"delta": 8.0, "unit": "percent", "span": "OpenPlatypus an 8% improvement"},
    ]
    pred_rows = [
        {"delta": 8.0, "unit": "percent", "span": "OpenPlatypus an 8%"},
        {"delta": 8.0, "unit": "percent", "span": "ShareGPT an 8%"},
    ]
    assert match_rows(gold_rows, pred_rows) == [(0, 1), (1, 0)]


def test_counts_and_overall(result):
    assert result["counts"] == {
        "gold_papers": 3,
        "gold_papers_extracted": 2,
        "gold_effects": 7,
        "extracted_effects_scored": 7,
        "extracted_effects_ignored": 1,
        "matched": 6,
    }
    overall = result["effects"]["overall"]
    assert overall["precision"] == pytest.approx(6 / 7)
    assert overall["recall"] == pytest.approx(6 / 7)
    assert overall["f1"] == pytest.approx(6 / 7)


def test_per_aspect_precision_uses_predicted_and_recall_gold_labels(result):
    perf = result["effects"]["aspect"]["performance"]
    # predicted performance: rows 1, 4, 5 of paper A and row 2 of B; matched: 1, 4 and B2
    assert (perf["tp_pred"], perf["n_pred"]) == (3, 4)
    # gold performance: +4.58%, 58.3->68.6 (matched) and 7.9% (missed)
    assert (perf["tp_gold"], perf["n_gold"]) == (2, 3)
    assert perf["precision"] == pytest.approx(0.75)
    assert perf["recall"] == pytest.approx(2 / 3)
    assert perf["f1"] == pytest.approx(2 * 0.75 * (2 / 3) / (0.75 + 2 / 3))
    eff = result["effects"]["aspect"]["efficiency"]
    assert (eff["tp_pred"], eff["n_pred"], eff["tp_gold"], eff["n_gold"]) == (3, 3, 4, 4)


def test_per_unit_breakdown(result):
    units = result["effects"]["unit"]
    assert (units["percent"]["tp_pred"], units["percent"]["n_pred"]) == (4, 5)
    assert (units["percent"]["tp_gold"], units["percent"]["n_gold"]) == (3, 4)
    # nothing predicted as points: precision undefined, the gold points row was matched
    assert units["points"]["precision"] is None
    assert units["points"]["recall"] == 1.0
    assert units["points"]["f1"] is None
    assert units["ratio"]["f1"] == 1.0
    assert units["fraction"]["f1"] == 1.0


def test_attribute_accuracy(result):
    a = result["attributes"]
    assert (a["unit"]["correct"], a["unit"]["n"]) == (5, 6)  # percent for points
    assert (a["qualifier"]["correct"], a["qualifier"]["n"]) == (5, 6)  # "" for approx
    assert (a["aspect"]["correct"], a["aspect"]["n"]) == (5, 6)
    assert (a["direction"]["correct"], a["direction"]["n"]) == (5, 6)
    assert (a["scale"]["correct"], a["scale"]["n"]) == (6, 6)
    # only the two gold rows naming a benchmark; aliases resolved by the registry
    assert (a["benchmark"]["correct"], a["benchmark"]["n"]) == (2, 2)


def test_benchmark_without_registry_compares_keys():
    res = score_extraction(
        pd.DataFrame(PRED_EFFECTS, columns=EFFECTS), PRED_PAPERS, GOLD_EFFECTS, GOLD_PAPERS
    )
    # "cifar10" == "CIFAR-10" by key, "ARC-Challenge" != "ARC-C"
    assert (res["attributes"]["benchmark"]["correct"], res["attributes"]["benchmark"]["n"]) == (
        1,
        2,
    )


def test_hedge_local_counts_none_for_marginal_as_a_miss(result):
    hl = result["hedge_local"]
    # pairs (gold, pred): strong/strong, marginal/none, none/none, marginal/marginal,
    # none/none, strong/marginal
    assert {k: hl["per_label"]["marginal"][k] for k in ("tp", "fp", "fn")} == {
        "tp": 1,
        "fp": 1,
        "fn": 1,
    }
    assert {k: hl["per_label"]["strong"][k] for k in ("tp", "fp", "fn")} == {
        "tp": 1,
        "fp": 0,
        "fn": 1,
    }
    assert hl["per_label"]["strong"]["precision"] == 1.0
    assert hl["per_label"]["strong"]["recall"] == 0.5
    micro = hl["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (2, 1, 2)
    assert micro["precision"] == pytest.approx(2 / 3)
    assert micro["recall"] == pytest.approx(0.5)
    assert micro["f1"] == pytest.approx(4 / 7)
    m = hl["confusion"]["matrix"]
    assert m["marginal"] == {"marginal": 1, "strong": 0, "none": 1}
    assert m["strong"] == {"marginal": 1, "strong": 1, "none": 0}
    assert m["none"] == {"marginal": 0, "strong": 0, "none": 2}


def test_paper_confusion_matrices(result):
    hedge = result["papers"]["hedge"]
    assert (hedge["correct"], hedge["n"]) == (1, 3)
    assert hedge["accuracy"] == pytest.approx(1 / 3)
    assert hedge["labels_pred"] == ["marginal", "strong", "mixed", "none", "(missing)"]
    assert hedge["matrix"]["strong"]["strong"] == 1
    assert hedge["matrix"]["marginal"]["none"] == 1
    assert hedge["matrix"]["none"]["(missing)"] == 1
    assert sum(sum(row.values()) for row in hedge["matrix"].values()) == 3
    sense = result["papers"]["marginal_sense"]
    assert (sense["correct"], sense["n"]) == (2, 3)
    assert sense["matrix"]["statistics"]["(missing)"] == 1
    assert sense["matrix"]["improvement"]["improvement"] == 1


def test_lists_of_misses_false_positives_and_disagreements(result):
    assert [(m["paper"], m["span"], m["delta"]) for m in result["misses"]] == [
        (2, "7.9% on MATH", 7.9)
    ]
    fps = result["false_positives"]
    assert [(f["paper"], f["span"], f["effect_id"]) for f in fps] == [(1, "4.58% again", "a#5")]
    assert [(d["paper"], d["gold"], d["pred"]) for d in result["hedge_disagreements"]] == [
        (2, "marginal", "none"),
        (3, "none", "(missing)"),
    ]
    assert result["hedge_disagreements"][0]["gold_spans"] == ["slightly"]
    assert result["hedge_disagreements"][0]["pred_spans"] == []
    assert [(d["paper"], d["pred"]) for d in result["sense_disagreements"]] == [(3, "(missing)")]
    errors = {(e["attribute"], e["gold"], e["pred"]) for e in result["attribute_errors"]}
    assert errors == {
        ("unit", "points", "percent"),
        ("qualifier", "approx", ""),
        ("aspect", "efficiency", "performance"),
        ("direction", "better", "worse"),
    }


def test_result_is_json_and_renders_markdown(result):
    json.dumps(result)
    md = render_markdown(result)
    assert "| all | 0.857 | 0.857 | 0.857 | 6/7 | 6/7 |" in md
    assert "| micro (marginal + strong) | 0.667 | 0.500 | 0.571 | 2 | 1 | 2 |" in md
    assert "| gold \\ predicted | marginal | strong | mixed | none | (missing) |" in md
    assert "## Misses (gold rows not extracted) (1)" in md
    assert "| 2 | 7.9% on MATH | 7.9000 | percent | performance |" in md


def test_no_extracted_effects():
    res = score_extraction(pd.DataFrame(columns=EFFECTS), PRED_PAPERS, GOLD_EFFECTS, GOLD_PAPERS)
    overall = res["effects"]["overall"]
    assert overall["precision"] is None
    assert overall["recall"] == 0.0
    assert overall["f1"] == 0.0
    assert len(res["misses"]) == 7
    assert res["hedge_local"]["micro"]["tp"] == 0


def test_gold_effect_without_gold_paper_is_an_error():
    bad = [gold(9, "Unknown paper", "1%", 1.0, "percent", "performance")]
    with pytest.raises(MarginaliaError, match="no paper in the gold papers"):
        score_extraction(pd.DataFrame(columns=EFFECTS), PRED_PAPERS, bad, GOLD_PAPERS)


def test_read_gold_names_missing_file(tmp_path):
    with pytest.raises(MarginaliaError, match="gold_effects.jsonl.*does not exist"):
        read_gold(tmp_path)


def test_dev_gold_scores_perfectly_against_itself(data_dir, registry):
    gold_effects, gold_papers = read_gold(data_dir / "eval" / "dev")
    papers = pd.DataFrame(gold_papers)
    papers["hedge_spans"] = papers["hedge_spans"].map(json.dumps)
    res = score_extraction(pd.DataFrame(gold_effects), papers, gold_effects, gold_papers, registry)
    assert res["counts"]["gold_papers"] == 62
    assert res["counts"]["gold_effects"] == 48
    assert res["effects"]["overall"]["f1"] == 1.0
    assert res["effects"]["strict"]["f1"] == 1.0
    assert res["attributes"].pop("attribution")["n"] == 0  # this split predates the field
    assert all(a["accuracy"] == 1.0 for a in res["attributes"].values())
    assert res["hedge_local"]["micro"]["f1"] == 1.0
    assert res["papers"]["hedge"]["accuracy"] == 1.0
    assert res["papers"]["marginal_sense"]["accuracy"] == 1.0


def test_unseen_development_gold_scores_itself_with_attribution(data_dir, registry):
    gold_effects, gold_papers = read_gold(data_dir / "eval" / "unseen" / "development")
    papers = pd.DataFrame(gold_papers)
    papers["hedge_spans"] = papers["hedge_spans"].map(json.dumps)
    res = score_extraction(pd.DataFrame(gold_effects), papers, gold_effects, gold_papers, registry)
    att = res["attributes"]["attribution"]
    assert att["n"] == len(gold_effects) and att["accuracy"] == 1.0
    assert len(res["attribution_not_own"]) == sum(g["attribution"] != "own" for g in gold_effects)
    assert res["effects"]["strict"]["f1"] == 1.0


def test_attribution_and_strict_scores_count_errors():
    gold_p = [
        {
            "arxiv_id": "2401.00001",
            "title": "T",
            "n_effects": 2,
            "hedge": "none",
            "hedge_spans": [],
            "marginal_sense": "absent",
        }
    ]
    gold_e = [
        {
            "title": "T",
            "span": "by 3%",
            "delta": 3,
            "unit": "percent",
            "aspect": "performance",
            "direction": "better",
            "scale": "absolute",
            "attribution": "own",
            "benchmark": None,
        },
        {
            "title": "T",
            "span": "of 11%",
            "delta": 11,
            "unit": "percent",
            "aspect": "performance",
            "direction": "better",
            "scale": "ambiguous",
            "attribution": "prior_work",
            "benchmark": "GSM8K, MATH and ARC-C",
        },
    ]
    pred = [
        {**gold_e[0], "paper_id": "p", "scale": "ambiguous"},  # value right, scale wrong
        {**gold_e[1], "paper_id": "p", "attribution": "own", "benchmark": "MATH"},
    ]
    papers = pd.DataFrame(
        [
            {
                "paper_id": "p",
                "title": "T",
                "hedge": "none",
                "hedge_spans": "[]",
                "marginal_sense": "absent",
            }
        ]
    )
    res = score_extraction(pd.DataFrame(pred), papers, gold_e, gold_p, None)
    assert res["effects"]["overall"]["f1"] == 1.0
    assert res["effects"]["strict"]["precision"] == 0.5
    att = res["attributes"]["attribution"]
    assert (att["n"], att["correct"]) == (2, 1)
    assert res["attributes"]["benchmark"]["correct"] == 1  # one of the gold's listed names
    assert [r["gold"] for r in res["attribution_not_own"]] == ["prior_work"]
    assert res["attribution_not_own"][0]["paper"] == "2401.00001"


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_against_scores_a_second_annotation(data_dir, tmp_path, capsys):
    """--against: a second annotator's files scored against the gold, no extractor run."""
    from marginalia.evaluate.cli import main

    gold_dir = data_dir / "eval" / "unseen" / "development"
    effects, papers = read_gold(gold_dir)
    second = [dict(r) for r in effects[1:]]  # the second annotator missed the first row
    flipped = next(i for i, r in enumerate(second) if r["direction"] == "better")
    second[flipped]["direction"] = "worse"
    papers2 = [dict(p) for p in papers]
    changed = next(i for i, p in enumerate(papers2) if p["hedge"] == "none")
    papers2[changed]["hedge"], papers2[changed]["hedge_spans"] = "strong", ["x"]
    other = tmp_path / "second"
    other.mkdir()
    _write_jsonl(other / "gold_effects.jsonl", second)
    _write_jsonl(other / "gold_papers.jsonl", papers2)
    out = tmp_path / "agreement.json"
    args = ["--gold", str(gold_dir), "--against", str(other), "--json", str(out)]
    assert main([*args, "--benchmarks", str(Path("config/benchmarks.yaml").resolve())]) == 0
    res = json.loads(out.read_text())
    n = len(effects)
    assert res["counts"]["gold_effects"] == n and res["counts"]["matched"] == n - 1
    assert res["effects"]["overall"]["precision"] == 1.0
    assert res["effects"]["overall"]["recall"] == pytest.approx((n - 1) / n)
    assert res["attributes"]["direction"]["correct"] == n - 2
    assert res["papers"]["hedge"]["accuracy"] == pytest.approx(1 - 1 / len(papers))
    strict = res["effects"]["strict"]
    assert (strict["tp_gold"], strict["n_pred"]) == (n - 2, n - 1)
    assert capsys.readouterr().out  # the markdown is printed as for an extractor run


@pytest.mark.parametrize("extra", [[], ["--corpus", "x.txt", "--against", "y"]])
def test_corpus_or_against_exactly_one(extra, data_dir):
    from marginalia.evaluate.cli import main

    with pytest.raises(SystemExit) as info:
        main(["--gold", str(data_dir / "eval" / "dev"), *extra])
    assert info.value.code == 2
