"""Power stage: design analysis functions against published numbers, properties, analyze().

Reference numbers (inline, from ../shared/reference/README.md):
- Gelman & Carlin (2014) retrodesign, alpha 0.05: (D, s) -> (power, type S, type M).
- Card et al. (2020): McNemar power for P_a 0.975, 0.80 -> 0.82, n 500: exact 0.7976, normal
  0.8093; SST-2 (test n 1821, baseline 97.2%) MDE 1.04 pp with the agreement regression.
"""

from __future__ import annotations

import json
import math
import runpy
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from marginalia.columns import POWER, POWER_FLAGS, POWER_SUMMARY
from marginalia.errors import MarginaliaError
from marginalia.power import (
    DEFAULTS,
    mcnemar_mde,
    mcnemar_power,
    mde,
    mean_score_mde,
    normal_power,
    power_config,
    retrodesign,
    retrodesign_sim,
    sigma_run_from_summary,
    summarize,
    two_proportion_mde,
    two_proportion_power,
)
from marginalia.power import analyze as analyze_stage
from marginalia.power.accuracy import _mcnemar_exact
from marginalia.registry import registry_from_mapping
from marginalia.sampling_error import (
    card2020_agreement,
    discordant_probabilities,
    mcnemar_se,
    mean_score_se,
    two_proportion_se,
)
from synthetic import point_holdout  # noqa: E402


def analyze(std, comparisons, *args, **kw):
    """The power stage with the plausible effects at the claim rows' theta_mean (point masses:
    power and type S/M at that point, as the closed forms below)."""
    kw.setdefault("holdout", point_holdout(comparisons))
    return analyze_stage(std, comparisons, *args, **kw)


REPO = Path(__file__).resolve().parents[1]

# (D, s, power, type S, type M): Gelman & Carlin (2014); type M closed form, Lu et al. (2018)
RETRODESIGN = [
    (2.8, 1.0, 0.79956, 1.2108e-6, 1.1252),
    (0.1, 3.28, 0.050106, 0.46442, 76.689),
    (1.0, 3.3, 0.060584, 0.19507, 7.7956),
]


# --------------------------------------------------------------------------- reference values


@pytest.mark.parametrize(("d", "s", "power", "type_s", "type_m"), RETRODESIGN)
def test_retrodesign_reproduces_gelman_carlin(d, s, power, type_s, type_m):
    got = retrodesign(d, s)
    assert got == pytest.approx((power, type_s, type_m), rel=1e-4)
    assert all(isinstance(v, float) for v in got)


def test_retrodesign_is_vectorised_and_sign_symmetric():
    d = np.array([r[0] for r in RETRODESIGN])
    s = np.array([r[1] for r in RETRODESIGN])
    power, type_s, type_m = retrodesign(d, s)
    assert power.shape == type_s.shape == type_m.shape == (3,)
    np.testing.assert_allclose(power, [r[2] for r in RETRODESIGN], rtol=1e-4)
    np.testing.assert_allclose(type_m, [r[4] for r in RETRODESIGN], rtol=1e-4)
    np.testing.assert_allclose(retrodesign(-d, s), (power, type_s, type_m), rtol=1e-12)
    # broadcasting one SE over several effects, and invalid inputs
    assert retrodesign(np.array([1.0, 2.0]), 1.0)[0].shape == (2,)
    assert all(math.isnan(v) for v in retrodesign(1.0, 0.0))
    assert retrodesign(0.0, 1.0) == (pytest.approx(0.05), pytest.approx(0.5), math.inf)


@pytest.mark.parametrize(("d", "s", "power", "type_s", "type_m"), RETRODESIGN)
def test_retrodesign_sim_agrees_with_closed_form(d, s, power, type_s, type_m):
    sim_power, sim_s, sim_m = retrodesign_sim(d, s, n_sims=100_000, seed=2014)
    assert sim_power == pytest.approx(power, abs=0.005)
    assert sim_s == pytest.approx(type_s, abs=0.02)
    if type_m < 10:
        assert sim_m == pytest.approx(type_m, abs=0.05)
    else:
        # D = 0.1, s = 3.28: only ~5,000 of 10^5 draws are significant and |est|/D has an SD
        # near 16, so the Monte Carlo SE of type M is ~0.2 and +-0.05 is not attainable.
        assert sim_m == pytest.approx(type_m, rel=0.01)


def test_retrodesign_sim_is_reproducible_and_vectorised():
    a = retrodesign_sim([2.8, 1.0], [1.0, 3.3], n_sims=20_000, seed=7)
    b = retrodesign_sim([2.8, 1.0], [1.0, 3.3], n_sims=20_000, seed=7)
    np.testing.assert_array_equal(a[2], b[2])
    assert a[0].shape == (2,)


def test_mcnemar_power_reproduces_card_2020():
    # P_a 0.975, accuracies 0.80 -> 0.82, n 500
    assert mcnemar_power(500, 0.80, 0.02, agreement=0.975, method="exact") == pytest.approx(
        0.7976, abs=5e-5
    )
    assert mcnemar_power(500, 0.80, 0.02, agreement=0.975, method="normal") == pytest.approx(
        0.8093, abs=5e-5
    )


def test_sst2_mde_with_card2020_agreement_regression():
    got = 100 * mcnemar_mde(1821, 0.972, power=0.8, alpha=0.05, agreement="card2020")
    assert got == pytest.approx(1.04, abs=0.01)
    # the regression's agreement at that effect, and power at the MDE is the target
    assert card2020_agreement(0.972, got / 100) == pytest.approx(
        0.41422307 + 0.58187475 * 0.972 - 0.46624237 * got / 100
    )
    assert mcnemar_power(1821, 0.972, got / 100, method="normal") == pytest.approx(0.8, abs=1e-6)


def test_mde_multiplier_and_rte_example():
    assert mde(1.0) == pytest.approx(2.8016, abs=1e-4)
    assert normal_power(mde(1.0), 1.0) == pytest.approx(0.8, abs=1e-9)
    # RTE dev, 277 items, baseline 50%: MDE 11.9 pp (the worked example)
    se_pp = 100 * two_proportion_se(277, 0.5)
    assert round(mde(se_pp), 1) == 11.9
    assert mde(np.array([1.0, 2.0, -1.0])) == pytest.approx(
        [2.8016, 5.6032, math.nan], abs=1e-3, nan_ok=True
    )


def test_two_proportion_power_matches_r_power_prop_test():
    # R: power.prop.test(n = 50, p1 = .50, p2 = .75)$power = 0.7401659 (one tail); our strict
    # two-tailed version adds the opposite tail (~1.3e-6).
    assert two_proportion_power(50, 0.5, 0.25) == pytest.approx(0.7401659, abs=5e-6)
    d = two_proportion_mde(50, 0.5, power=0.7401672)
    assert d == pytest.approx(0.25, abs=1e-4)
    assert math.isnan(two_proportion_mde(10, 0.99))  # nothing up to 100% is detectable


def test_exact_mcnemar_matches_brute_force_binomial_test():
    n, p_plus, p_minus = 40, 0.15, 0.05
    disc = p_plus + p_minus
    q = p_plus / disc
    brute = 0.0
    for m in range(1, n + 1):
        pm = stats.binom.pmf(m, n, disc)
        for b in range(m + 1):
            if b > m - b and stats.binomtest(b, m, 0.5).pvalue <= 0.05:
                brute += pm * stats.binom.pmf(b, m, q)
    assert _mcnemar_exact(n, p_plus, p_minus, 0.05) == pytest.approx(brute, rel=1e-9)


def test_mean_score_power():
    # MT-Bench: 80 questions, per-item SD 2.5 -> SE of a difference 2.5 * sqrt(2 / 80) = 0.395
    assert mean_score_se(2.5, 80) == pytest.approx(0.3953, abs=1e-4)
    assert mean_score_mde(80, 2.5) == pytest.approx(2.8016 * 0.3953, abs=1e-3)
    assert mean_score_se(2.5, 80, correlation=0.5) == pytest.approx(0.3953 / math.sqrt(2), 1e-3)


# --------------------------------------------------------------------------- properties


@settings(max_examples=60, deadline=None)
@given(
    d=st.floats(-20, 20, allow_nan=False).filter(lambda x: abs(x) > 1e-3),
    s=st.floats(0.05, 20),
    alpha=st.sampled_from([0.01, 0.05, 0.1]),
)
def test_retrodesign_bounds(d, s, alpha):
    power, type_s, type_m = retrodesign(d, s, alpha)
    assert alpha - 1e-12 <= power <= 1.0
    assert 0.0 <= type_s <= 0.5
    assert type_m >= 1.0 - 1e-12


def test_power_increases_with_signal_to_noise():
    ratio = np.linspace(0, 6, 61)
    power, type_s, type_m = retrodesign(ratio, 1.0)
    assert np.all(np.diff(power) > 0)
    assert np.all(np.diff(type_s[1:]) < 0)
    assert np.all(np.diff(type_m[1:]) < 0)
    # the same D/s gives the same power whatever the scale
    assert retrodesign(5.0, 2.0)[0] == pytest.approx(retrodesign(2.5, 1.0)[0])


def test_mde_decreases_with_n():
    ns = np.array([100, 277, 500, 1000, 5000, 50_000])
    unpaired = mde(100 * two_proportion_se(ns, 0.8))
    assert np.all(np.diff(unpaired) < 0)
    paired = [mcnemar_mde(n, 0.8) for n in ns]
    assert np.all(np.diff(paired) < 0)
    assert np.all(np.diff([two_proportion_mde(n, 0.8) for n in ns]) < 0)
    # a paired test needs a smaller gain than the unpaired one for the same n
    assert all(100 * p < u for p, u in zip(paired, unpaired, strict=True))


def test_mcnemar_exact_and_normal_close_for_large_n():
    # effect shrinking as 1/sqrt(n) keeps power fixed; the gap (a continuity effect of the
    # discrete exact test) then shrinks like 1/sqrt(n)
    for c in (0.45, 0.9):
        gaps = []
        for n in (500, 5_000, 50_000, 200_000):
            d = c / math.sqrt(n)
            exact = mcnemar_power(n, 0.8, d, 0.9, method="exact")
            normal = mcnemar_power(n, 0.8, d, 0.9, method="normal")
            assert 0.2 < normal < 0.9
            gaps.append(abs(exact - normal))
        assert np.all(np.diff(gaps) < 0)
        assert gaps[-1] < 0.005


def test_mcnemar_declines_and_clipping():
    # a decline from 0.82 to 0.80 is the improvement 0.80 -> 0.82 with the systems swapped
    down = mcnemar_power(500, 0.82, -0.02, agreement=0.975, method="exact")
    assert down == pytest.approx(0.7976, abs=5e-5)
    np.testing.assert_allclose(
        mcnemar_power([500, 500], [0.8, 0.82], [0.02, -0.02], 0.975, method="normal"),
        [0.8093477, 0.8093477],
        atol=1e-6,
    )
    # agreement above 1 - |delta| is impossible: clipped, leaving no discordant pair against
    plus, minus, agree = discordant_probabilities(0.8, 0.05, agreement=0.99)
    assert (plus, minus, agree) == pytest.approx((0.05, 0.0, 0.95))
    assert math.isnan(mcnemar_power(100, 0.98, 0.05))  # 103% accuracy
    assert mcnemar_se(500, 0.8, 0.02, 0.975) == pytest.approx(math.sqrt((0.025 - 0.0004) / 500))


@pytest.mark.parametrize("agreement", ["card2020", 0.9, 1.0, 0.0])
@pytest.mark.parametrize("extra", [0.0, 0.01])
def test_mcnemar_normal_power_over_arrays_equals_the_element_by_element_test(agreement, extra):
    # the power stage evaluates the normal test on whole quadrature grids at once; the answer
    # must be the element-by-element one, edge cases included (n < 1, NaN, accuracies outside
    # [0, 1], no change, declines)
    rng = np.random.default_rng(7)
    size = 3000
    n = rng.choice([0, 1, 5, 100, 1319, 10000, np.nan], size)
    base = rng.uniform(-0.1, 1.1, size)
    base[::50], base[::37], base[::41] = np.nan, 1.0, 0.0
    delta = rng.normal(0, 0.2, size)
    delta[::29], delta[::43] = 0.0, np.nan
    together = mcnemar_power(n, base, delta, agreement, 0.05, "normal", extra)
    one_by_one = [
        mcnemar_power(n[i], base[i], delta[i], agreement, 0.05, "normal", extra)
        for i in range(size)
    ]
    np.testing.assert_allclose(together, one_by_one, atol=1e-13)
    assert np.isnan(together).any() and np.isfinite(together).sum() > size // 4
    if extra == 0:
        assert (together == 0).any()  # no discordant pair (agreement 1) or n below 1


def test_mcnemar_extra_noise():
    base = mcnemar_power(500, 0.8, 0.02, 0.975, method="normal")
    assert mcnemar_power(500, 0.8, 0.02, 0.975, method="normal", extra_sd=0.0) == base
    noisy = [
        mcnemar_power(500, 0.8, 0.02, 0.975, method="normal", extra_sd=e)
        for e in (0.002, 0.005, 0.01)
    ]
    assert base > noisy[0] > noisy[1] > noisy[2]
    assert mcnemar_mde(500, 0.8, agreement=0.975, extra_sd=0.005) > mcnemar_mde(
        500, 0.8, agreement=0.975
    )
    with pytest.raises(ValueError, match="extra_sd needs method='normal'"):
        mcnemar_power(500, 0.8, 0.02, 0.975, method="exact", extra_sd=0.01)


# --------------------------------------------------------------------------- analyze()


class FakeRegistry:
    """The contract of marginalia.registry.Registry: canonical(name), get(canonical)."""

    def __init__(self, entries: dict[str, dict]):
        self.entries = entries

    def canonical(self, name):
        for key in self.entries:
            if str(name).lower() == key.lower():
                return key
        return None

    def get(self, name):
        canon = self.canonical(name)
        if canon is None:
            raise KeyError(name)
        return {"name": canon, **self.entries[canon]}


REGISTRY = FakeRegistry(
    {
        "RTE": {"n": 277, "split": "dev", "metric_kind": "proportion", "scale_max": 100},
        "ImageNet": {"n": 50_000, "split": "val", "metric_kind": "proportion", "scale_max": 100},
        "MT-Bench": {
            "n": 80,
            "split": "test (80 two-turn questions)",
            "metric_kind": "mean_score",
            "scale_max": 10,
            "item_sd": 2.5,
        },
    }
)

SE_RTE = 100 * math.sqrt(2 * 0.25 / 277)  # 4.2486 pp, baseline 50%
SE_IMNET = 100 * math.sqrt(2 * 0.8 * 0.2 / 50_000)  # 0.253 pp


def _std_row(eid, family="pp", **kw):
    row = {
        "paper_id": eid.split("#")[0],
        "title": f"Paper {eid}",
        "effect_id": eid,
        "span": f"span of {eid}",
        "benchmark": "",
        "family": family,
        "y": np.nan,
        "se": np.nan,
        "se_reason": "",
        "n": pd.NA,
        "baseline_level": np.nan,
        "metric_kind": pd.NA,
        "hedge_local": "none",
        "paper_hedge": "none",
        "in_model": family == "pp",
        "exclusion_reason": "" if family == "pp" else "efficiency",
    }
    row.update(kw)
    return row


def synthetic_tables():
    rows = [
        # A: RTE, small reported gain, plausible effect small -> all three flags
        _std_row(
            "p1#1",
            benchmark="RTE",
            y=1.2,
            se=SE_RTE,
            n=277,
            baseline_level=50.0,
            metric_kind="proportion",
            hedge_local="marginal",
            paper_hedge="marginal",
        ),
        # B: ImageNet, big gain, big plausible effect -> no flags
        _std_row(
            "p2#1",
            benchmark="ImageNet",
            y=5.0,
            se=SE_IMNET,
            n=50_000,
            baseline_level=80.0,
            metric_kind="proportion",
            hedge_local="strong",
            paper_hedge="strong",
        ),
        # C: ImageNet, reported 0.6 pp just above the MDE (0.71? no: 0.709) -> see test
        _std_row(
            "p2#2",
            benchmark="ImageNet",
            y=0.9,
            se=SE_IMNET,
            n=50_000,
            baseline_level=80.0,
            metric_kind="proportion",
            hedge_local="strong",
            paper_hedge="strong",
        ),
        # D: unknown benchmark, no n and no se
        _std_row(
            "p3#1",
            benchmark="FooBench",
            y=2.0,
            se_reason="n unknown",
            hedge_local="marginal",
            paper_hedge="mixed",
        ),
        # E: a speed-up
        _std_row(
            "p3#2", family="log_ratio", y=math.log(2.0), hedge_local="none", paper_hedge="mixed"
        ),
        # F: MT-Bench on the pp scale of its 0-10 range, se left to the power stage
        _std_row(
            "p4#1",
            benchmark="MT-Bench",
            y=3.0,
            n=80,
            metric_kind="mean_score",
            hedge_local="none",
            paper_hedge="none",
        ),
    ]
    std = pd.DataFrame(rows)
    std["n"] = std["n"].astype("Int64")
    comparisons = pd.DataFrame(
        {
            "analysis": ["claim", "claim", "claim", "paper", "paper", "paper"],
            "effect_id": ["p1#1", "p2#1", "p2#2", "p1#1", "p2#1", "p2#2"],
            "theta_mean": [0.8, 4.0, 0.9, 99.0, 99.0, 99.0],
        }
    )
    papers = pd.DataFrame(
        {
            "paper_id": ["p1", "p2", "p3", "p4"],
            "hedge": ["marginal", "strong", "mixed", "none"],
        }
    )
    return std, comparisons, papers


def _by_id(df):
    return df.set_index("effect_id")


UNPAIRED = {"test": "unpaired"}


def test_default_test_is_paired():
    std, comparisons, papers = synthetic_tables()
    df, _ = analyze(std, comparisons, papers, REGISTRY, {}, sigma_run=None)
    tested = df[df["assessed"].astype(bool)]
    proportion = tested[tested["metric_kind"] == "proportion"]
    assert len(proportion) and set(proportion["test"]) <= {"mcnemar", "unpaired"}
    assert (proportion["test"] == "mcnemar").any()


def test_analyze_flags_reasons_and_columns():
    std, comparisons, papers = synthetic_tables()
    # the figures below are those of the normal test with the standardized SE (the default is
    # the paired McNemar test: test_default_test_is_paired)
    power_df, summary_df = analyze(
        std,
        comparisons,
        papers,
        REGISTRY,
        UNPAIRED,
        sigma_run=None,
        diagnostics={"ok": True, "reasons": []},
    )
    assert list(power_df.columns) == POWER
    assert list(summary_df.columns) == POWER_SUMMARY
    assert len(power_df) == len(std)
    df = _by_id(power_df)

    a = df.loc["p1#1"]
    assert a.test == "unpaired" and a.n == 277
    assert a.mde == pytest.approx(11.9028, abs=1e-3)
    assert a.power_reported == pytest.approx(retrodesign(1.2, SE_RTE)[0])
    assert a.plausible_effect == 0.8  # the claim-level posterior mean, not the paper-level 99
    assert (a.power_plausible, a.type_s, a.type_m) == pytest.approx(retrodesign(0.8, SE_RTE))
    assert bool(a.within_noise) and bool(a.below_mde)
    assert bool(a.underpowered) and bool(a.exaggerated)
    assert a.flag_reason.startswith(
        "RTE dev has 277 examples; the reported 1.2 pp is below 1.96 x its SE of 4.2 pp = 8.3 pp, "
        "so it is not distinguishable from zero at alpha 0.05 (within noise; this does not show "
        "that the true effect is zero). The smallest gain detectable at 80% power is 11.9 pp, "
        "and the reported 1.2 pp is below it."
    )
    assert "underpowered" in a.flag_reason and "type M" in a.flag_reason

    b = df.loc["p2#1"]
    assert not b.within_noise and not b.below_mde and not b.underpowered and not b.exaggerated
    assert "so it is distinguishable from zero at alpha 0.05" in b.flag_reason
    assert "and the reported 5.0 pp reaches it" in b.flag_reason
    assert "the flags do not change" in b.flag_reason

    # C: 0.9 pp on ImageNet is above 1.96 se (0.496 pp) and the sampling MDE (0.709 pp) but
    # not once 1 pp of seed noise is added (se_total 1.03 pp: 1.96 se_total = 2.02 pp,
    # MDE_total = 2.8016 * sqrt(0.253^2 + 1) = 2.89 pp)
    c = df.loc["p2#2"]
    assert c.mde == pytest.approx(2.8016 * SE_IMNET, abs=1e-3)
    assert not c.within_noise and bool(c.within_noise_total)
    assert not c.below_mde and bool(c.below_mde_total)
    assert "makes the reported size not distinguishable from zero at alpha 0.05" in c.flag_reason
    assert "puts it below the minimum detectable effect" in c.flag_reason

    d = df.loc["p3#1"]
    assert not d.assessed and pd.isna(d.mde) and pd.isna(d.n)
    assert all(pd.isna(d[f]) for f in POWER_FLAGS)
    assert all(pd.isna(d[f"{f}_total"]) for f in POWER_FLAGS)
    assert "'FooBench' is not in the registry" in d.flag_reason and "(n unknown)" in d.flag_reason

    e = df.loc["p3#2"]
    assert not e.assessed and pd.isna(e.within_noise)
    assert "log-ratio" in e.flag_reason

    f = df.loc["p4#1"]
    se_mt = 2.5 * math.sqrt(2 / 80) * 10  # pp of MT-Bench's 0-10 range
    assert f.test == "mean_score" and f.se == pytest.approx(se_mt)
    assert bool(f.within_noise)  # 3.0 pp < 1.96 * 3.95 pp
    assert bool(f.below_mde)  # 3.0 pp < 2.8016 * 3.95 pp
    assert pd.isna(f.power_plausible) and pd.isna(f.underpowered)
    assert "MT-Bench test has 80 examples (difference of mean scores)" in f.flag_reason
    assert "not in the model" in f.flag_reason

    # dtypes: floats, nullable booleans for flags, Int64 n, strings
    assert power_df["mde"].dtype == "float64"
    for flag in POWER_FLAGS:
        assert str(power_df[flag].dtype) == str(power_df[f"{flag}_total"].dtype) == "boolean"
    assert str(power_df["n"].dtype) == "Int64"
    assert power_df["paper_hedge"].tolist() == [
        "marginal",
        "strong",
        "strong",
        "mixed",
        "mixed",
        "none",
    ]


def test_seed_noise_columns_and_source():
    std, comparisons, papers = synthetic_tables()
    cfg = {"sigma_run": 0.5} | UNPAIRED
    df, _ = analyze(std, comparisons, papers, REGISTRY, cfg, sigma_run=2.0)
    a = _by_id(df).loc["p1#1"]
    assert a.sigma_run == 2.0 and a.sigma_run_source.startswith("model posterior mean")
    assert a.se_total == pytest.approx(math.sqrt(SE_RTE**2 + 4.0))
    assert a.mde_total == pytest.approx(mde(a.se_total))
    assert (a.power_plausible_total, a.type_s_total, a.type_m_total) == pytest.approx(
        retrodesign(0.8, a.se_total)
    )
    assert a.power_reported_total == pytest.approx(normal_power(1.2, a.se_total))
    assert a.type_m_total > a.type_m
    # no model value -> the config value, and the source says so
    df2, _ = analyze(std, comparisons, papers, REGISTRY, cfg, sigma_run=None)
    assert (df2.sigma_run == 0.5).all()
    assert df2.sigma_run_source.iloc[0] == "config power.sigma_run (the model gives no sigma_run)"
    # the user may refuse the model's value
    df3, _ = analyze(
        std, comparisons, papers, REGISTRY, {**cfg, "sigma_run_from_model": False}, sigma_run=2.0
    )
    assert (df3.sigma_run == 0.5).all()


def test_failed_or_absent_model_keeps_sampling_columns():
    std, comparisons, papers = synthetic_tables()
    diag = {"ok": False, "reasons": ["max R-hat 1.08 > 1.01"]}
    df, summary = analyze(
        std, comparisons, papers, REGISTRY, UNPAIRED, sigma_run=3.0, diagnostics=diag
    )
    a = _by_id(df).loc["p1#1"]
    assert a.model_status == "failed"
    assert a.mde == pytest.approx(11.9028, abs=1e-3) and bool(a.within_noise)
    assert pd.isna(a.plausible_effect) and pd.isna(a.power_plausible) and pd.isna(a.type_m)
    assert pd.isna(a.underpowered) and pd.isna(a.exaggerated)
    assert a.flag_reason.startswith("The model fit failed its diagnostics")
    assert "max R-hat 1.08 > 1.01" in a.flag_reason
    assert a.sigma_run == DEFAULTS["sigma_run"]  # the failed fit's sigma_run is not used
    row = summary[(summary.scope == "overall") & (summary.flag == "underpowered")]
    assert row.denominator.tolist() == [0, 0]

    df, _ = analyze(std, None, papers, REGISTRY, {})
    a = _by_id(df).loc["p1#1"]
    assert a.model_status == "absent" and pd.isna(a.power_plausible)
    assert "the model's estimates (results/model/comparisons.csv) are absent" in a.flag_reason


def test_mcnemar_configuration():
    std, comparisons, papers = synthetic_tables()
    cfg = {"test": "mcnemar", "agreement": 0.9, "mcnemar_method": "exact"}
    df, _ = analyze(std, comparisons, papers, REGISTRY, cfg)
    b = _by_id(df).loc["p2#1"]
    assert b.test == "mcnemar" and b.agreement == pytest.approx(0.9)
    assert b.power_reported == pytest.approx(mcnemar_power(50_000, 0.8, 0.05, 0.9, method="exact"))
    assert b.mde == pytest.approx(100 * mcnemar_mde(50_000, 0.8, agreement=0.9, method="exact"))
    assert b.power_plausible == pytest.approx(mcnemar_power(50_000, 0.8, 0.04, 0.9, method="exact"))
    assert "paired McNemar test, agreement 90.0%" in b.flag_reason
    # seed noise: the normal approximation with sigma_run's variance added (1 pp -> 0.01)
    assert b.mde_total == pytest.approx(
        100 * mcnemar_mde(50_000, 0.8, agreement=0.9, method="normal", extra_sd=0.01)
    )
    assert b.mde_total > b.mde and b.power_plausible_total < b.power_plausible
    assert b.se_total == pytest.approx(math.hypot(b.se, 1.0))
    # a proportion row without a baseline falls back to unpaired, and says so
    std2 = std.copy()
    std2.loc[0, "baseline_level"] = np.nan
    a = _by_id(analyze(std2, comparisons, papers, REGISTRY, cfg)[0]).loc["p1#1"]
    assert a.test == "unpaired" and "unpaired test is used" in a.flag_reason
    # mean-score rows keep their own test
    assert _by_id(df).loc["p4#1", "test"] == "mean_score"


def test_summary_counts_and_denominators():
    std, comparisons, papers = synthetic_tables()
    df, summary = analyze(std, comparisons, papers, REGISTRY, {})
    assert summary.equals(summarize(df))
    s = summary.set_index(["scope", "group", "flag", "noise"]).sort_index()
    overall = s.loc[("overall", "all")]
    # usable n: A, B, C, F; model estimate: A, B, C
    assert overall["n_comparisons"].unique().tolist() == [6]
    assert overall["n_usable"].unique().tolist() == [4]
    wn = overall.loc[("within_noise", "sampling")]
    assert (wn["count"], wn["denominator"], wn["share"]) == (2, 4, 0.5)  # A and F
    wn_seed = overall.loc[("within_noise", "sampling+seed")]
    assert (wn_seed["count"], wn_seed["change_vs_sampling"]) == (3, 1)  # + C
    assert "up from 2" in wn_seed["note"]
    assert wn["note"] == "2 of 4 not distinguishable from zero at alpha with sampling error alone"
    bm = overall.loc[("below_mde", "sampling")]
    assert (bm["count"], bm["denominator"]) == (2, 4)  # A and F
    bm_seed = overall.loc[("below_mde", "sampling+seed")]
    assert (bm_seed["count"], bm_seed["change_vs_sampling"]) == (3, 1)  # + C
    assert set(summary.flag) == set(POWER_FLAGS)
    up = overall.loc[("underpowered", "sampling")]
    assert (up["count"], up["denominator"]) == (1, 3)
    marg = s.loc[("hedge_local", "marginal", "within_noise", "sampling")]
    assert (marg["count"], marg["denominator"], marg["n_comparisons"]) == (1, 1, 2)
    assert s.loc[("paper_hedge", "strong", "exaggerated", "sampling"), "denominator"] == 2
    assert s.loc[("benchmark", "(none)", "within_noise", "sampling"), "denominator"] == 0
    assert set(summary.scope) == {"overall", "hedge_local", "paper_hedge", "benchmark"}
    assert math.isnan(s.loc[("benchmark", "FooBench", "underpowered", "sampling"), "share"])


def test_forked_workers_give_the_table_of_one_process(monkeypatch):
    import marginalia.power.stage as stage

    std, comparisons, papers = synthetic_tables()
    std = pd.concat([std] * 3, ignore_index=True)  # more rows than workers x 4 chunks
    kwargs = dict(diagnostics={"ok": True, "reasons": []}, holdout=point_holdout(comparisons))
    serial, _ = analyze(std, comparisons, papers, REGISTRY, {}, 0.5, **kwargs)
    monkeypatch.setattr(stage, "PARALLEL_MIN_ROWS", 1)
    forked, _ = analyze(std, comparisons, papers, REGISTRY, {}, 0.5, threads=2, **kwargs)
    assert serial["power_plausible"].notna().any()
    pd.testing.assert_frame_equal(forked, serial)


def test_analyze_empty_table():
    std, comparisons, papers = synthetic_tables()
    df, summary = analyze(std.iloc[:0], comparisons, papers, REGISTRY, {"sigma_run": 0.4})
    assert df.empty and list(df.columns) == POWER
    assert len(summary) == 2 * len(POWER_FLAGS)  # overall x 4 flags x 2 noise levels
    assert (summary.denominator == 0).all() and (summary.sigma_run == 0.4).all()


def test_summary_with_real_registry_contract():
    reg = registry_from_mapping(
        {
            "benchmarks": {
                "RTE": {
                    "n": 277,
                    "split": "dev",
                    "metric_kind": "proportion",
                    "scale_max": 100,
                    "source": "test",
                },
            }
        }
    )
    std, comparisons, papers = synthetic_tables()
    df, _ = analyze(std.iloc[:1], comparisons, papers, reg, {})
    assert df.flag_reason.iloc[0].startswith("RTE dev has 277 examples")


# --------------------------------------------------------------------------- config & adapter


def test_config_defaults_match_schema_and_errors_name_the_key():
    schema = yaml.safe_load((REPO / "workflow/schemas/power.schema.yaml").read_text())
    defaults = {k: v["default"] for k, v in schema["properties"].items()}
    assert defaults == DEFAULTS
    assert all(v.get("description") for v in schema["properties"].values())
    assert schema["additionalProperties"] is False
    import jsonschema  # a pinned dependency (Snakemake's config validation uses it)

    section = yaml.safe_load((REPO / "config/config.yaml").read_text())["power"]
    jsonschema.validate(section, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"agreement": "card2021"}, schema)
    assert power_config(section) == {**DEFAULTS, **section}
    assert power_config({"power": {"alpha": 0.1}})["alpha"] == 0.1  # the whole config
    with pytest.raises(MarginaliaError, match=r"power\.agreement"):
        power_config({"agreement": 1.5})
    with pytest.raises(MarginaliaError, match=r"power\.power"):
        power_config({"power": 0.01})
    with pytest.raises(MarginaliaError, match=r"power\.tset"):
        power_config({"tset": "mcnemar"})


def test_sigma_run_from_summary():
    summary = pd.DataFrame(
        {
            "analysis": ["claim", "paper", "claim", "claim"],
            "family": ["pp", "pp", "log_ratio", "pp"],
            "parameter": ["sigma_run", "sigma_run", "sigma_run", "mu"],
            "mean": [0.73, 0.9, 0.05, 1.5],
        }
    )
    assert sigma_run_from_summary(summary) == 0.73
    assert sigma_run_from_summary(summary[summary.parameter == "mu"]) is None
    assert sigma_run_from_summary(None) is None


def test_adapter_writes_tables(tmp_path):
    std, comparisons, papers = synthetic_tables()
    (tmp_path / "model").mkdir()
    std.to_parquet(tmp_path / "model/effects_standardized.parquet")
    comparisons.to_csv(tmp_path / "model/comparisons.csv", index=False)
    pd.DataFrame(
        {"analysis": ["claim"], "family": ["pp"], "parameter": ["sigma_run"], "mean": [0.6]}
    ).to_csv(tmp_path / "model/summary.csv", index=False)
    (tmp_path / "model/diagnostics.json").write_text(json.dumps({"ok": True, "reasons": []}))
    point_holdout(comparisons).to_netcdf(tmp_path / "model/holdout.nc")
    papers.to_parquet(tmp_path / "papers.parquet")
    entries = {
        "RTE": {
            "n": 277,
            "split": "dev",
            "metric_kind": "proportion",
            "scale_max": 100,
            "source": "t",
        },
        "ImageNet": {
            "n": 50000,
            "split": "val",
            "metric_kind": "proportion",
            "scale_max": 100,
            "source": "t",
        },
        "MT-Bench": {
            "n": 80,
            "split": "test",
            "metric_kind": "mean_score",
            "scale_max": 10,
            "item_sd": 2.5,
            "source": "t",
        },
    }
    (tmp_path / "benchmarks.yaml").write_text(yaml.safe_dump({"benchmarks": entries}))
    out = tmp_path / "out"
    fake = SimpleNamespace(
        input=SimpleNamespace(
            effects=str(tmp_path / "model/effects_standardized.parquet"),
            comparisons=str(tmp_path / "model/comparisons.csv"),
            diagnostics=str(tmp_path / "model/diagnostics.json"),
            holdout=str(tmp_path / "model/holdout.nc"),
            papers=str(tmp_path / "papers.parquet"),
            benchmarks=str(tmp_path / "benchmarks.yaml"),
        ),
        output=SimpleNamespace(
            parquet=str(out / "power.parquet"),
            csv=str(out / "power.csv"),
            summary=str(out / "power_summary.csv"),
        ),
        params=SimpleNamespace(power={"test": "unpaired"}),
        log=[str(tmp_path / "analyze_power.log")],
        threads=2,
    )
    runpy.run_path(
        str(REPO / "workflow/scripts/analyze_power.py"), init_globals={"snakemake": fake}
    )
    power = pd.read_parquet(out / "power.parquet")
    assert list(power.columns) == POWER and len(power) == 6
    assert (power.sigma_run == 0.6).all()
    assert "summary.csv" in power.sigma_run_source.iloc[0]
    assert list(pd.read_csv(out / "power_summary.csv").columns) == POWER_SUMMARY
    assert pd.read_csv(out / "power.csv").shape == (6, len(POWER))
    assert "comparisons, 4 with a usable n" in (tmp_path / "analyze_power.log").read_text()


# --------------------------------------------------------------------------- flags at their edges
# DESIGN.md §5: within_noise |y| < z_{1-alpha/2} se, below_mde |y| < mde, underpowered
# power_plausible < threshold, exaggerated type_m > threshold; *_total the same with se_total.
# Each case sits a hair (relative 1e-6) on either side of its threshold, so changing one rule
# (the threshold, y for |y|, se for se_total, mde for z se) turns a test red.

EPS = 1e-6
Z05, Z10 = stats.norm.ppf(0.975), stats.norm.ppf(0.95)


def _edge(ys, se=2.0, cfg=None, thetas=None, **kw):
    """analyze() on rows with a given se (unpaired); returns the power rows in order."""
    rows = [_std_row(f"p{i}#1", y=y, se=se, **kw) for i, y in enumerate(ys)]
    comps = None
    if thetas is not None:
        comps = pd.DataFrame(
            {
                "analysis": "claim",
                "effect_id": [r["effect_id"] for r in rows],
                "theta_mean": thetas,
            }
        )
    df, summary = analyze(pd.DataFrame(rows), comps, None, None, cfg or {"sigma_run": 0.0})
    assert df["test"].eq("unpaired").all() and df["assessed"].all()
    return df, summary


def _flag(df, col):
    return [bool(v) for v in df[col]]


@pytest.mark.parametrize(
    ("alpha", "z"),
    [(0.05, Z05), (0.1, Z10)],
)
def test_within_noise_is_z_times_se_at_alpha(alpha, z):
    se = 2.0
    cut = z * se
    ys = [cut * (1 - EPS), cut * (1 + EPS), -cut * (1 - EPS), -cut * (1 + EPS)]
    df, _ = _edge(ys, se, {"alpha": alpha, "sigma_run": 0.0})
    # a decline is judged by its size: just below the cut is within noise, just above is not
    assert _flag(df, "within_noise") == [True, False, True, False]
    # well inside the MDE (2.49 se at alpha 0.1, 2.80 at 0.05) all four are below it
    assert _flag(df, "below_mde") == [True, True, True, True]
    # sigma_run 0: se_total = se, the same flags
    assert _flag(df, "within_noise_total") == [True, False, True, False]
    for r in df.itertuples():
        if r.within_noise:
            assert f"not distinguishable from zero at alpha {alpha:g}" in r.flag_reason
        else:
            assert f"distinguishable from zero at alpha {alpha:g}" in r.flag_reason
            assert "not distinguishable" not in r.flag_reason
        assert "no effect" not in r.flag_reason.lower()


def test_alpha_override_moves_within_noise():
    # 1.8 se: distinguishable at alpha 0.1 (z 1.645), not at the default 0.05 (z 1.96)
    se = 2.0
    df05, _ = _edge([1.8 * se], se)
    df10, _ = _edge([1.8 * se], se, {"alpha": 0.1, "sigma_run": 0.0})
    assert _flag(df05, "within_noise") == [True] and _flag(df10, "within_noise") == [False]


def test_within_noise_is_not_the_mde_rule():
    # between 1.96 se and the MDE (2.80 se): distinguishable from zero, yet below the MDE;
    # power_reported (observed power, about 0.6 here) drives neither flag
    se = 2.0
    df, _ = _edge([2.4 * se, -2.4 * se], se)
    assert _flag(df, "within_noise") == [False, False]
    assert _flag(df, "below_mde") == [True, True]
    assert (df["power_reported"] < 0.8).all()


@pytest.mark.parametrize("target", [0.8, 0.9])
def test_below_mde_at_its_edge_and_power_override(target):
    se = 2.0
    cut = mde(se, target, 0.05)
    # (z_{1-alpha/2} + z_power) se, up to the opposite rejection tail the MDE also counts
    assert cut == pytest.approx((Z05 + stats.norm.ppf(target)) * se, rel=1e-5)
    ys = [cut * (1 - EPS), cut * (1 + EPS), -cut * (1 - EPS), -cut * (1 + EPS)]
    df, _ = _edge(ys, se, {"power": target, "sigma_run": 0.0})
    assert df["mde"].tolist() == pytest.approx([cut] * 4)
    assert _flag(df, "below_mde") == [True, False, True, False]
    assert _flag(df, "within_noise") == [False] * 4
    # the override moves the flag: 3.0 se is above the 80% MDE (2.80 se), below the 90% one
    df_mid, _ = _edge([3.0 * se], se, {"power": target, "sigma_run": 0.0})
    assert _flag(df_mid, "below_mde") == [target == 0.9]


def test_total_flags_use_se_total_with_sigma_run():
    se, sigma_run = 2.0, 1.5
    se_total = math.hypot(se, sigma_run)  # 2.5
    cut_wn, cut_mde = Z05 * se_total, mde(se_total)
    ys = [
        cut_wn * (1 - EPS),
        cut_wn * (1 + EPS),
        -cut_wn * (1 - EPS),
        -cut_wn * (1 + EPS),
        cut_mde * (1 - EPS),
        cut_mde * (1 + EPS),
        -cut_mde * (1 - EPS),
        -cut_mde * (1 + EPS),
    ]
    df, summary = _edge(ys, se, {"sigma_run": sigma_run})
    assert df["se_total"].tolist() == pytest.approx([se_total] * 8)
    assert df["mde_total"].tolist() == pytest.approx([cut_mde] * 8)
    assert _flag(df, "within_noise_total") == [True, False, True, False] + [False] * 4
    assert _flag(df, "below_mde_total") == [True] * 4 + [True, False, True, False]
    # sampling error alone: all are above 1.96 se = 3.92; the first four are below mde(2) = 5.6
    assert _flag(df, "within_noise") == [False] * 8
    assert _flag(df, "below_mde") == [True] * 4 + [False] * 4
    wn = df.set_index("effect_id")
    assert "makes the reported size not distinguishable from zero" in wn.loc["p0#1", "flag_reason"]
    # the summary counts the new flag, with and without seed noise
    s = summary.set_index(["scope", "group", "flag", "noise"]).sort_index()
    s = s.loc[("overall", "all")]
    assert s.loc[("below_mde", "sampling"), "count"] == 4
    assert s.loc[("below_mde", "sampling+seed"), "count"] == 6
    assert s.loc[("below_mde", "sampling+seed"), "change_vs_sampling"] == 2
    assert s.loc[("within_noise", "sampling"), "count"] == 0
    assert s.loc[("within_noise", "sampling+seed"), "count"] == 2
    assert (s["denominator"].xs("below_mde") == 8).all()
    assert s.loc[("below_mde", "sampling"), "note"] == (
        "4 of 8 below the minimum detectable effect with sampling error alone"
    )


def test_unreachable_mde_is_below_mde_but_judged_by_se_for_noise():
    # McNemar on 20 items at a 99% baseline: no gain within the range reaches 80% power
    rows = [
        _std_row(
            "p1#1",
            benchmark="Tiny",
            y=0.5,
            n=20,
            baseline_level=99.0,
            metric_kind="proportion",
        )
    ]
    reg = FakeRegistry({"Tiny": {"n": 20, "split": "test", "metric_kind": "proportion"}})
    df, _ = analyze(pd.DataFrame(rows), None, None, reg, {"test": "mcnemar", "agreement": 0.99})
    r = df.iloc[0]
    assert r.test == "mcnemar" and np.isnan(r.mde)
    assert bool(r.below_mde) and bool(r.below_mde_total)
    # within_noise stays the z-se rule on the paired SE at the reported change
    assert r.se == pytest.approx(100 * mcnemar_se(20, 0.99, 0.005, 0.99))
    assert bool(r.within_noise) and Z05 * r.se > 0.5
    assert "below the minimum detectable effect" in r.flag_reason


def test_underpowered_and_exaggerated_thresholds_from_config():
    se, theta = 2.0, 3.0
    pw, _, tm = retrodesign(theta, se)  # power 0.32, type M 1.8
    y = [10.0]  # a large reported effect: observed power near 1 must not matter
    for cfg, under, exag in [
        ({}, True, False),  # defaults 0.5 and 2
        ({"underpowered_threshold": pw * (1 + EPS)}, True, False),
        ({"underpowered_threshold": pw * (1 - EPS)}, False, False),
        ({"exaggeration_threshold": tm * (1 - EPS)}, True, True),
        ({"exaggeration_threshold": tm * (1 + EPS)}, True, False),
    ]:
        df, _ = _edge(y, se, {"sigma_run": 0.0, **cfg}, thetas=[theta])
        assert df["power_reported"].iloc[0] > 0.99
        assert _flag(df, "underpowered") == [under], cfg
        assert _flag(df, "exaggerated") == [exag], cfg
    # a decline: the plausible effect's size counts, not its sign
    df, _ = _edge([-10.0], se, {"sigma_run": 0.0}, thetas=[-theta])
    assert _flag(df, "underpowered") == [True]
    assert df["type_m"].iloc[0] == pytest.approx(tm)


def test_flag_reasons_never_say_no_effect():
    std, comparisons, papers = synthetic_tables()
    for cfg in ({}, {"alpha": 0.1}, {"test": "mcnemar"}):
        df, summary = analyze(std, comparisons, papers, REGISTRY, cfg)
        assert not df["flag_reason"].str.lower().str.contains("no effect").any()
        assert not summary["note"].str.lower().str.contains("no effect").any()


def test_single_seed_false_positive_rate():
    from scipy import stats

    std, comparisons, papers = synthetic_tables()
    for sigma_run, check_nominal in ((2.0, False), (0.0, True)):
        df, _ = analyze(std, comparisons, papers, REGISTRY, UNPAIRED, sigma_run=sigma_run)
        a = df[df["assessed"].astype(bool)]
        assert len(a)
        z = stats.norm.ppf(0.975)
        expected = 2 * (1 - stats.norm.cdf(z * a["se"] / a["se_total"]))
        assert np.allclose(a["false_positive_single_seed"], expected)
        if check_nominal:  # no seed noise: the nominal 5%
            assert np.allclose(a["false_positive_single_seed"], 0.05)
        else:  # seed noise makes a single-seed test reject a null effect more often
            assert (a["false_positive_single_seed"] > 0.05).all()
    assert df.loc[~df["assessed"].astype(bool), "false_positive_single_seed"].isna().all()
