"""Tests of stage 3, marginalia.standardize: model scales, signs, sampling SEs, exclusions."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marginalia.columns import EFFECTS, STANDARDIZED, STANDARDIZED_ADDED
from marginalia.errors import MarginaliaError
from marginalia.registry import parse_registry
from marginalia.standardize import (
    DEFAULTS,
    FAMILIES,
    check_standardize_config,
    standardize,
)
from marginalia.standardize.classify import metric_class


def entry(n, kind="proportion", scale_max=100, item_sd=None, typical=None, aliases=()):
    return {
        "aliases": list(aliases),
        "n": n,
        "split": "test",
        "metric_kind": kind,
        "scale_max": scale_max,
        "item_sd": item_sd,
        "typical_baseline": typical,
        "source": "test fixture",
    }


REGISTRY = {
    "benchmarks": {
        "GSM8K": entry(1319, aliases=["gsm-8k"]),
        "TypicalBench": entry(1000, typical=70),
        "NoSize": entry(None),
        "MT-Bench": entry(80, kind="mean_score", scale_max=10, item_sd=2.5),
        "STS-B": entry(1500, kind="correlation"),
        "WMT14": entry(3003, kind="bleu"),
        "GLUE": entry(None, kind="score"),
    }
}


def effect(**kw) -> dict:
    row = {
        "paper_id": "arxiv:0000.00001",
        "title": "A paper",
        "effect_id": "arxiv:0000.00001#1",
        "span": "x",
        "start": 0,
        "end": 1,
        "aspect": "performance",
        "metric": "accuracy",
        "benchmark": "",
        "baseline": None,
        "treatment": None,
        "delta": 1.0,
        "unit": "percent",
        "scale": "absolute",
        "qualifier": "",
        "direction": "better",
        "lower_is_better": False,
        "hedge_local": "none",
        "hedge_local_span": None,
        "attribution": "own",
    }
    row.update(kw)
    return row


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=EFFECTS)
    df["baseline"] = df["baseline"].astype(float)
    df["treatment"] = df["treatment"].astype(float)
    df["lower_is_better"] = df["lower_is_better"].astype("boolean")
    return df


def one(config=None, registry=REGISTRY, **kw) -> pd.Series:
    return standardize(frame([effect(**kw)]), None, registry, config).iloc[0]


def binomial_se(p1, p2, n):
    return 100 * math.sqrt(p1 * (1 - p1) / n + p2 * (1 - p2) / n)


def paired_se(p, n):
    """McNemar SE (pp) at baseline p and no change, Card et al. (2020)'s agreement, written
    here independently of the package: disagreement = 1 - P_a, P_a clipped to [|2p-1|, 1]."""
    agree = min(max(0.41422307 + 0.58187475 * p, abs(2 * p - 1)), 1.0)
    return 100 * math.sqrt((1 - agree) / n)


# --------------------------------------------------------------------------- table contract


def test_columns_types_and_invariants():
    rows = [
        effect(benchmark="GSM8K", baseline=85.6, treatment=90.3, delta=4.7, unit="points"),
        effect(aspect="efficiency", metric="speedup", unit="ratio", delta=2.3, scale="relative"),
        effect(unit="fraction", delta=0.33, scale="relative", lower_is_better=True),
    ]
    papers = pd.DataFrame({"paper_id": ["arxiv:0000.00001"], "hedge": ["marginal"]})
    out = standardize(frame(rows), papers, REGISTRY, {})
    assert list(out.columns) == STANDARDIZED == EFFECTS + STANDARDIZED_ADDED
    assert list(out["family"]) == ["pp", "log_ratio", "excluded"]
    assert str(out["n"].dtype) == "Int64"
    assert out["in_model"].dtype == bool
    assert list(out["in_model"]) == [True, True, False]
    assert out["y"].isna().tolist() == [False, False, True]
    assert list(out["exclusion_reason"].iloc[:2]) == ["", ""]
    assert list(out["paper_hedge"]) == ["marginal"] * 3
    # effects columns are passed through unchanged
    pd.testing.assert_frame_equal(out[EFFECTS], frame(rows))


def test_empty_effects_give_empty_table():
    out = standardize(frame([]), None, REGISTRY, None)
    assert list(out.columns) == STANDARDIZED and len(out) == 0


def test_missing_effects_column_is_a_clear_error():
    with pytest.raises(MarginaliaError, match=r"missing column\(s\) \['scale'\]"):
        standardize(frame([effect()]).drop(columns="scale"), None, REGISTRY, {})


def test_paper_missing_from_papers_gives_na_hedge():
    papers = pd.DataFrame({"paper_id": ["other"], "hedge": ["strong"]})
    out = standardize(frame([effect()]), papers, REGISTRY, {})
    assert out["paper_hedge"].isna().all()


# --------------------------------------------------------------------------- binomial SE


def test_binomial_se_at_stated_levels():
    r = one(benchmark="GSM8K", baseline=85.6, treatment=90.3, delta=4.7, unit="points")
    assert r.family == "pp" and r.y == pytest.approx(4.7)
    assert r.n == 1319 and r.metric_kind == "proportion" and r.baseline_level == 85.6
    # paired by default (DESIGN.md §3): McNemar with Card et al.'s agreement at the baseline and
    # a change of 0: P_a = 0.41422307 + 0.58187475 * 0.856 = 0.91231, sqrt(0.08769 / 1319)
    assert r.se == pytest.approx(0.8154, abs=1e-4) and r.se_kind == "paired"
    assert "paired (McNemar)" in r.se_reason
    # the two-independent-samples SE is kept for the sensitivity fit and the band
    assert r.se_unpaired == pytest.approx(1.2644, abs=1e-4)
    assert r.se_unpaired == pytest.approx(binomial_se(0.856, 0.903, 1319))
    assert 0.6 < r.se / r.se_unpaired < 0.8


def test_binomial_se_baseline_from_treatment_minus_delta():
    # "84.86% on CIFAR-10 (+4.44%)": the baseline level is 80.42
    r = one(benchmark="GSM8K", treatment=84.86, delta=4.44, scale="ambiguous")
    assert r.baseline_level == pytest.approx(80.42)
    assert r.se == pytest.approx(paired_se(0.8042, 1319))
    assert r.se_unpaired == pytest.approx(binomial_se(0.8042, 0.8486, 1319))


def test_binomial_se_at_typical_baseline():
    r = one(benchmark="TypicalBench", delta=5.0, scale="absolute")
    assert r.baseline_level == 70
    assert r.se == pytest.approx(paired_se(0.70, 1000))
    assert r.se == pytest.approx(1.3359, abs=1e-4)
    assert r.se_unpaired == pytest.approx(1.9937, abs=1e-4)
    assert "typical_baseline" in r.se_reason


def test_binomial_se_upper_bound_without_baseline():
    r = one(benchmark="GSM8K", delta=3.0, scale="absolute")
    # the largest disagreement of the regression: where 0.414 + 0.582 p = 1 - 2p (p = 0.227)
    assert r.se == pytest.approx(100 * math.sqrt(0.453758 / 1319), rel=1e-5)
    assert r.se == pytest.approx(1.8548, abs=1e-4)
    assert r.se_unpaired == pytest.approx(100 * math.sqrt(0.5 / 1319))
    assert pd.isna(r.baseline_level)
    assert "upper bound" in r.se_reason and r.se_kind == "paired"
    r2 = one({"missing_baseline": "omit"}, benchmark="GSM8K", delta=3.0, scale="absolute")
    assert pd.isna(r2.se) and "omit" in r2.se_reason and r2.n == 1319


def test_benchmark_alias_resolved_through_registry_object():
    import yaml

    registry = parse_registry(yaml.safe_dump(REGISTRY), "bench.yaml")
    r = one(registry=registry, benchmark="gsm-8k", baseline=50.0, treatment=52.0, delta=2.0)
    assert r.n == 1319 and r.se == pytest.approx(paired_se(0.5, 1319))


# --------------------------------------------------------------------------- other SE rules


def test_mean_score_rescaled_with_item_sd_se():
    r = one(benchmark="MT-Bench", metric="MT-Bench score", delta=0.4, unit="points")
    assert r.family == "pp" and r.y == pytest.approx(4.0)
    # paired: the two systems' scores on an item correlate 0.5 (DESIGN.md §3)
    assert r.se == pytest.approx(2.5 * math.sqrt(2 * (1 - 0.5) / 80) * 10)
    assert r.se_kind == "paired_mean"
    assert r.se_unpaired == pytest.approx(2.5 * math.sqrt(2 / 80) * 10)
    assert r.metric_kind == "mean_score" and "rescaled from 0-10" in r.scale_note


def test_correlation_fisher_z_se():
    r = one(
        benchmark="STS-B", metric="Spearman correlation", baseline=80.0, treatment=82.0, delta=2
    )
    expected = 100 * math.sqrt(((1 - 0.8**2) ** 2 + (1 - 0.82**2) ** 2) / (1500 - 3))
    assert r.se == pytest.approx(expected) and r.se == pytest.approx(1.2580, abs=1e-4)
    assert "Fisher z" in r.se_reason and "approximate" in r.se_reason
    assert r.se_kind == "unpaired_approx" and r.se_unpaired == pytest.approx(r.se)


def test_correlation_on_unit_scale_times_100():
    r = one(
        benchmark="STS-B",
        metric="Pearson",
        baseline=0.75,
        treatment=0.78,
        delta=0.03,
        unit="points",
    )
    assert r.y == pytest.approx(3.0) and r.baseline_level == pytest.approx(75.0)
    assert "0-1 scale" in r.scale_note


def test_bleu_se_left_empty_with_reason():
    r = one(benchmark="WMT14", metric="BLEU", delta=1.2, unit="points")
    assert r.family == "pp" and r.y == pytest.approx(1.2)
    assert pd.isna(r.se) and "bootstrap" in r.se_reason and r.n == 3003


@pytest.mark.parametrize(
    ("benchmark", "reason"),
    [
        ("", "no benchmark named"),
        ("Unheard-Of Bench", "not in the registry"),
        ("NoSize", "registry gives no n for NoSize"),
    ],
)
def test_missing_n_gives_empty_se_with_reason(benchmark, reason):
    r = one(benchmark=benchmark, delta=2.0)
    assert r.family == "pp" and r.in_model
    assert pd.isna(r.se) and pd.isna(r.n)
    assert reason in r.se_reason


def test_f1_score_has_no_se():
    r = one(benchmark="GSM8K", metric="F1", baseline=41.0, treatment=39.9, delta=-1.1)
    assert r.metric_kind == "score" and pd.isna(r.se) and "score" in r.se_reason


# --------------------------------------------------------------------------- scales


def test_relative_percent_converted_through_stated_baseline():
    r = one(benchmark="GSM8K", baseline=60.0, delta=10.0, scale="relative")
    assert r.family == "pp" and r.y == pytest.approx(6.0)
    assert r.se == pytest.approx(paired_se(0.60, 1319))
    assert r.se_unpaired == pytest.approx(binomial_se(0.60, 0.66, 1319))
    assert "relative 10% of the stated baseline 60 = 6 pp" in r.scale_note


def test_relative_percent_baseline_from_treatment():
    r = one(treatment=66.0, delta=10.0, scale="relative")
    assert r.y == pytest.approx(6.0) and "baseline from the stated treatment" in r.scale_note


def test_relative_percent_of_bounded_metric_without_baseline_excluded():
    r = one(delta=10.0, scale="relative")
    assert r.family == "excluded" and not r.in_model and pd.isna(r.y)
    assert "without a stated baseline" in r.exclusion_reason


def test_bare_ambiguous_percent_is_left_out_of_the_primary_fit():
    """ "improves accuracy by up to 2.5%": points or relative? The text does not say."""
    r = one(metric=None, delta=2.5, scale="ambiguous", qualifier="up_to")
    assert r.family == "excluded" and not r.in_model
    assert r.exclusion_reason.startswith("ambiguous_scale")
    assert r.scale_used == ""


def test_ambiguous_percent_with_a_stated_level_is_read_as_points():
    """ "reaches 70.7% (+4.6%)": the stated treatment makes points the natural reading."""
    r = one(metric="accuracy", delta=4.6, treatment=70.7, scale="ambiguous")
    assert r.family == "pp" and r.y == pytest.approx(4.6) and r.in_model
    assert "ambiguous percent with a stated level" in r.scale_note
    assert r.scale_used == "absolute"


def test_relative_percent_of_a_0_to_10_score_uses_the_registry_scale():
    """ "10% relative over a baseline MT-Bench score of 7.0" is 0.7 of 10 points = 7 pp."""
    r = one(
        benchmark="MT-Bench", metric="MT-Bench score", delta=10.0, baseline=7.0, scale="relative"
    )
    assert r.family == "pp" and r.y == pytest.approx(7.0)
    assert r.scale_used == "relative" and "0-10 scale" in r.scale_note


def test_relative_percent_of_a_0_to_1_level_is_in_points_of_100():
    """ "a 10% relative gain over an accuracy of 0.6" is 0.06 on 0-1 = 6 pp, not 0.06 pp."""
    r = one(metric="accuracy", delta=10.0, baseline=0.6, scale="relative")
    assert r.family == "pp" and r.y == pytest.approx(6.0)
    assert r.scale_used == "relative"


def test_relative_percent_of_a_0_to_100_level_unchanged():
    r = one(metric="accuracy", delta=10.0, baseline=60.0, scale="relative")
    assert r.y == pytest.approx(6.0) and r.scale_used == "relative"


@pytest.mark.parametrize("whose", ["prior_work", "problem", "hypothetical"])
def test_only_own_results_enter_the_model(whose):
    r = one(benchmark="GSM8K", baseline=50.0, treatment=61.0, delta=11.0, attribution=whose)
    assert r.family == "excluded" and not r.in_model
    assert whose in r.exclusion_reason and "own" in r.exclusion_reason
    own = one(benchmark="GSM8K", baseline=50.0, treatment=61.0, delta=11.0, attribution="own")
    assert own.in_model and own.y == pytest.approx(11.0)


def test_log_ratio_reading_is_relative():
    r = one(aspect="efficiency", metric="speedup", unit="ratio", delta=2.3, scale="relative")
    assert r.family == "log_ratio" and r.scale_used == "relative"


def test_absolute_percent_not_marked_ambiguous():
    r = one(baseline=25.0, treatment=27.49, delta=2.49)
    assert r.y == pytest.approx(2.49) and "ambiguous" not in r.scale_note


def test_points_of_unknown_range():
    excluded = one(metric="CLIP score", delta=-0.05, unit="points", direction="worse")
    assert excluded.family == "excluded" and "unknown range" in excluded.exclusion_reason
    kw = dict(metric="LiveX score", baseline=21.1, treatment=24.6, delta=3.5, unit="points")
    assert one(**kw).y == pytest.approx(3.5)
    assert "range unknown" in one(**kw).scale_note
    assert one({"unknown_scale_points": False}, **kw).family == "excluded"


def test_impossible_pp_difference_excluded():
    r = one(delta=150.0)
    assert r.family == "excluded" and "max_abs_pp" in r.exclusion_reason


# --------------------------------------------------------------------------- signs


@pytest.mark.parametrize(
    ("kw", "y"),
    [
        (dict(delta=2.0, direction="better"), 2.0),
        (dict(delta=-1.1, unit="points", metric="F1", direction="worse"), -1.1),
        # a lower-is-better bounded metric: an error rate falling 2 points is +2
        (dict(metric="error rate", delta=-2.0, direction="better", lower_is_better=True), 2.0),
        (dict(metric="error rate", delta=2.0, direction="worse", lower_is_better=True), -2.0),
        # no direction: the sign of the change and the polarity decide
        (dict(delta=2.0, direction="", lower_is_better=False), 2.0),
        (dict(metric="error rate", delta=-3.0, direction="", lower_is_better=True), 3.0),
    ],
)
def test_pp_sign_positive_means_better(kw, y):
    r = one(**kw)
    assert r.family == "pp" and r.y == pytest.approx(y)


def test_no_direction_and_no_polarity_excluded():
    r = one(delta=2.0, direction="", lower_is_better=None)
    assert r.family == "excluded" and "direction unknown" in r.exclusion_reason


def test_direction_overriding_the_stated_change_is_noted():
    # DeepCache's "slight decrease of 0.22 in FID" is annotated worse; FID with both levels
    r = one(
        metric="FID",
        baseline=5.0,
        treatment=4.78,
        delta=-0.22,
        unit="points",
        direction="worse",
        lower_is_better=True,
    )
    assert r.family == "log_ratio" and r.y == pytest.approx(-math.log(5.0 / 4.78))


@pytest.mark.parametrize(
    ("kw", "y"),
    [
        # speedup 2.3x
        (dict(aspect="efficiency", metric="speedup", unit="ratio", delta=2.3), math.log(2.3)),
        # "an order of magnitude fewer comparisons": factor 10 of a lower-is-better quantity
        (
            dict(metric="number of comparisons", unit="ratio", delta=10, lower_is_better=True),
            2.302585,
        ),
        # "affecting the sensitivity by a factor 2", worse
        (dict(metric="GW sensitivity", unit="ratio", delta=2, direction="worse"), -math.log(2)),
        # "trains 65% faster"
        (dict(aspect="efficiency", metric="training speed", delta=65), math.log(1.65)),
        # "marginally higher (<4%) inference times", a cost
        (
            dict(
                aspect="efficiency",
                metric="inference time",
                delta=4,
                direction="worse",
                lower_is_better=True,
            ),
            -math.log(1.04),
        ),
        # "reduces latency by 40%"
        (
            dict(aspect="efficiency", metric="latency", delta=-40, lower_is_better=True),
            -math.log(0.6),
        ),
        # a percent change of an unbounded performance metric (perplexity down 10%)
        (dict(metric="perplexity", delta=-10, lower_is_better=True), -math.log(0.9)),
        # FID from 10 to 8 (points, both levels): a ratio
        (
            dict(
                metric="FID",
                baseline=10.0,
                treatment=8.0,
                delta=-2.0,
                unit="points",
                lower_is_better=True,
            ),
            math.log(10 / 8),
        ),
    ],
)
def test_log_ratio_values_and_signs(kw, y):
    kw.setdefault("scale", "relative")
    r = one(**kw)
    assert r.family == "log_ratio" and r.in_model
    assert r.y == pytest.approx(y, abs=1e-6)
    assert pd.isna(r.se) and "log ratios" in r.se_reason
    assert "paper's method is better" in r.scale_note


def test_ratio_without_direction_excluded():
    r = one(unit="ratio", delta=3.0, direction="", scale="relative")
    assert r.family == "excluded" and "ratio without a direction" in r.exclusion_reason


def test_non_positive_factor_excluded():
    r = one(aspect="efficiency", metric="cost", delta=-100.0, lower_is_better=True)
    assert r.family == "excluded" and "not positive" in r.exclusion_reason


# --------------------------------------------------------------------------- exclusions


def test_efficiency_never_pp_and_excludable():
    kw = dict(aspect="efficiency", metric="training time", delta=-20.0, lower_is_better=True)
    assert one(**kw).family == "log_ratio"
    # absolute/ambiguous percents of an unbounded quantity are read as relative changes
    r = one(scale="ambiguous", **kw)
    assert r.family == "log_ratio" and "read as relative" in r.scale_note
    ex = one({"efficiency": "exclude"}, **kw)
    assert ex.family == "excluded" and not ex.in_model
    assert "efficiency" in ex.exclusion_reason
    # an additive efficiency change without levels is neither pp nor a ratio
    pts = one(
        aspect="efficiency", metric="latency", delta=-3.0, unit="points", lower_is_better=True
    )
    assert pts.family == "excluded" and "unbounded" in pts.exclusion_reason


@pytest.mark.parametrize(
    "kw",
    [
        dict(unit="fraction", delta=0.33, lower_is_better=True, metric="comparisons"),
        dict(unit="fraction", delta=-0.5, lower_is_better=True, metric="error gap"),
        dict(
            span="typically <1% of the original training cost",
            aspect="efficiency",
            metric="fine-tuning cost",
            delta=1,
            lower_is_better=True,
            qualifier="at_most",
        ),
        # "(30-50%)" of the training data: no "of" in the span, a positive percent of a
        # lower-is-better quantity called better is a level
        dict(
            span="(30-50%)",
            aspect="efficiency",
            metric="training data",
            delta=30,
            lower_is_better=True,
        ),
    ],
)
def test_fractions_and_percent_of_reference_excluded(kw):
    r = one(scale="relative", **kw)
    assert r.family == "excluded" and not r.in_model and pd.isna(r.y)
    assert "percent-of-reference level" in r.exclusion_reason
    assert "standardize.levels" in r.exclusion_reason


def test_levels_as_log_ratio_when_configured():
    r = one(
        {"levels": "log_ratio"},
        unit="fraction",
        delta=0.33,
        scale="relative",
        lower_is_better=True,
        metric="comparisons",
    )
    assert r.family == "log_ratio" and r.y == pytest.approx(-math.log(0.33))
    r2 = one(
        {"levels": "log_ratio"},
        unit="fraction",
        delta=-0.5,
        scale="relative",
        lower_is_better=True,
        metric="error gap",
    )
    assert r2.y == pytest.approx(math.log(2))


def test_missing_delta_excluded():
    r = one(delta=None)
    assert r.family == "excluded" and r.exclusion_reason == "no numeric delta"


# --------------------------------------------------------------------------- config, helpers


def test_config_defaults_and_errors():
    assert check_standardize_config(None) == {**DEFAULTS, "max_abs_pp": 100.0}
    with pytest.raises(
        MarginaliaError, match=r"config key standardize.default_baseline: unknown key"
    ):
        check_standardize_config({"default_baseline": 50})
    with pytest.raises(MarginaliaError, match="standardize.levels"):
        check_standardize_config({"levels": "keep"})
    with pytest.raises(MarginaliaError, match="standardize.max_abs_pp"):
        check_standardize_config({"max_abs_pp": 0})


def test_schema_defaults_match_code(repo_dir):
    import yaml

    schema = yaml.safe_load((repo_dir / "workflow/schemas/standardize.schema.yaml").read_text())
    assert {k: v["default"] for k, v in schema["properties"].items()} == DEFAULTS
    assert all(v.get("description") for v in schema["properties"].values())
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize(
    ("metric", "kind"),
    [
        ("accuracy", "proportion"),
        ("robust accuracy", "proportion"),
        ("pass@1", "proportion"),
        ("win rate", "proportion"),
        ("F1", "score"),
        ("ROUGE-L", "score"),
        ("Spearman correlation", "correlation"),
        ("BLEU", "bleu"),
        ("FID", "unbounded"),
        ("inference time", "unbounded"),
        ("mean squared error", "unbounded"),
        ("GSM8K score", None),
        ("", None),
    ],
)
def test_metric_class(metric, kind):
    assert metric_class(metric) == kind


# --------------------------------------------------------------------------- gold dev set


def test_gold_dev_effects_standardize(data_dir):
    rows = [json.loads(line) for line in (data_dir / "eval/dev/gold_effects.jsonl").open()]
    effects = []
    for i, g in enumerate(rows):
        e = effect(**{k: g[k] for k in EFFECTS if k in g})
        e.update(paper_id=f"p{g['paper']}", effect_id=f"p{g['paper']}#{i}")
        e["qualifier"] = g["qualifier"] or ""
        effects.append(e)
    out = standardize(frame(effects), None, REGISTRY, {})
    assert set(out["family"]) <= set(FAMILIES)
    eff = out[out["aspect"] == "efficiency"]
    assert not (eff["family"] == "pp").any()
    assert (out["in_model"] == (out["family"] != "excluded")).all()
    assert (out["exclusion_reason"].eq("") == out["in_model"]).all()
    # every pp effect in the gold set reports an improvement except the F1 decline (P75)
    pp = out[out["family"] == "pp"]
    negative = pp[pp["y"] < 0]
    assert list(negative["metric"]) == ["F1"]
    assert negative["y"].item() == pytest.approx(-1.1)
    by_span = dict(zip(out["span"], out["family"], strict=False))
    assert by_span["about one third of the comparisons"] == "excluded"
    assert by_span["a speedup factor of 2.3times"] == "log_ratio"
    assert by_span["from 58.3 to 68.6"] == "pp"


# --------------------------------------------------------------------------- property test


_rows = st.fixed_dictionaries(
    {
        "aspect": st.sampled_from(["performance", "efficiency", ""]),
        "metric": st.sampled_from(["accuracy", "FID", "F1", "speedup", "", None, "MT-Bench score"]),
        "benchmark": st.sampled_from(["", "GSM8K", "MT-Bench", "STS-B", "WMT14", "Nope"]),
        "baseline": st.one_of(st.none(), st.floats(-10, 200)),
        "treatment": st.one_of(st.none(), st.floats(-10, 200)),
        "delta": st.one_of(st.none(), st.floats(-300, 300)),
        "unit": st.sampled_from(["percent", "points", "ratio", "fraction", "x"]),
        "scale": st.sampled_from(["absolute", "relative", "ambiguous"]),
        "direction": st.sampled_from(["better", "worse", ""]),
        "lower_is_better": st.sampled_from([True, False, None]),
    }
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_rows, min_size=1, max_size=5))
def test_arbitrary_effects_never_crash_and_keep_invariants(rows):
    out = standardize(frame([effect(**r) for r in rows]), None, REGISTRY, {})
    assert len(out) == len(rows)
    assert set(out["family"]) <= set(FAMILIES)
    assert (out["in_model"] == (out["family"] != "excluded")).all()
    assert out.loc[out["in_model"], "y"].map(math.isfinite).all()
    assert out.loc[~out["in_model"], "y"].isna().all()
    assert (out.loc[out["family"] == "pp", "y"].abs() <= 100).all()
    se = out["se"].dropna()
    assert (se > 0).all()
    assert (out.loc[out["se"].isna(), "se_reason"].str.len() > 0).all()
    assert not ((out["aspect"] == "efficiency") & (out["family"] == "pp")).any()


def test_relative_percent_trusts_the_registry_scale_over_a_small_level():
    """GSM8K is reported on 0-100: a 50% relative gain over 0.8% is 0.4 pp, not 40 pp."""
    r = one(benchmark="GSM8K", delta=50.0, baseline=0.8, treatment=1.2, scale="relative")
    assert r.y == pytest.approx(0.4)


def test_relative_reading_of_bare_percents_uses_stated_baselines_in_points():
    rows = [
        effect(benchmark="GSM8K", baseline=60.0, treatment=62.0, delta=2.0),
        effect(benchmark="GSM8K", baseline=70.0, treatment=71.0, delta=1.0),
        effect(
            benchmark="MT-Bench",
            metric="MT-Bench score",
            baseline=7.0,
            treatment=7.4,
            delta=0.4,
            unit="points",
        ),
        effect(
            benchmark="MT-Bench",
            metric="MT-Bench score",
            baseline=6.0,
            treatment=6.5,
            delta=0.5,
            unit="points",
        ),
        effect(metric="accuracy", delta=20.0, scale="ambiguous"),  # bare: left out
    ]
    out = standardize(frame(rows), None, REGISTRY, {})
    bare = out.iloc[4]
    assert bare["exclusion_reason"].startswith("ambiguous_scale")
    assert bare["y_points"] == pytest.approx(20.0)
    # median stated baseline on 0-100: 60, 70, 70 (MT-Bench 7.0 of 10), 60 -> 65 pp
    assert bare["y_relative"] == pytest.approx(20.0 * 65.0 / 100.0)
    assert out.iloc[:4]["y_points"].isna().all()


def test_tables_without_attribution_count_as_own():
    df = frame([effect(benchmark="GSM8K", baseline=50.0, treatment=52.0, delta=2.0)])
    out = standardize(df.drop(columns=["attribution"]), None, REGISTRY, {})
    assert out["in_model"].all() and list(out["attribution"]) == ["own"]


def test_a_range_is_one_claim_and_other_rows_are_their_own():
    rows = [
        effect(effect_id="p#1", start=5, end=12, qualifier="range_low", delta=2.0, unit="points"),
        effect(effect_id="p#2", start=5, end=12, qualifier="range_high", delta=5.0, unit="points"),
        effect(effect_id="p#3", start=20, end=24, delta=1.0, unit="points"),
        # the same offsets in another paper are another claim
        effect(
            effect_id="q#1",
            paper_id="q",
            start=5,
            end=12,
            qualifier="range_low",
            delta=1.0,
            unit="points",
        ),
    ]
    out = standardize(frame(rows), None, REGISTRY)
    assert list(out["claim_id"]) == ["p#1", "p#1", "p#3", "q#1"]
