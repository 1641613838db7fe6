"""Design analysis averaged over the plausible true effect (DESIGN.md §5)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from marginalia.power import mcnemar_power, retrodesign
from marginalia.power.plausible import Plausible, averaged_design
from marginalia.sampling_error import mcnemar_se


def mixture(means, sds, weights=None) -> Plausible:
    means = np.asarray(means, float)
    w = np.full(means.size, 1 / means.size) if weights is None else np.asarray(weights, float)
    return Plausible(means, np.asarray(sds, float) ** 2, w / w.sum())


@pytest.mark.parametrize("theta,se", [(0.5, 1.0), (2.0, 0.7), (-1.5, 2.0), (4.0, 1.0)])
def test_a_point_mass_gives_the_retrodesign_values(theta, se):
    got = averaged_design(mixture([theta], [0.0]), lambda t: se)
    assert got == pytest.approx(retrodesign(theta, se), rel=1e-9)


@pytest.mark.parametrize("m,s,se", [(1.0, 1.5, 1.0), (3.0, 0.5, 2.0), (-0.5, 2.5, 0.8)])
def test_power_over_a_normal_plausible_effect_is_the_closed_form(m, s, se):
    # theta ~ N(m, s^2), y | theta ~ N(theta, se^2): y ~ N(m, s^2 + se^2); significant when
    # |y| > 1.96 se
    c = 1.959963984540054 * se
    total = math.hypot(s, se)
    expected = stats.norm.sf(c, m, total) + stats.norm.cdf(-c, m, total)
    power, _, _ = averaged_design(mixture([m], [s]), lambda t: se)
    assert power == pytest.approx(expected, abs=2e-4)


def test_type_s_and_m_match_joint_simulation_of_theta_and_y_rep():
    plaus = mixture([0.5, 1.5, 3.0], [0.8, 1.0, 0.5], [0.5, 0.3, 0.2])
    se = 1.2
    power, type_s, type_m = averaged_design(plaus, lambda t: se)
    rng = np.random.default_rng(11)
    n = 2_000_000
    comp = rng.choice(3, size=n, p=plaus.weight)
    theta = rng.normal(plaus.mean[comp], np.sqrt(plaus.var[comp]))
    y = theta + se * rng.standard_normal(n)
    sig = np.abs(y) > 1.959963984540054 * se
    assert power == pytest.approx(sig.mean(), abs=3e-3)
    assert type_s == pytest.approx(np.mean(np.sign(y[sig]) != np.sign(theta[sig])), abs=3e-3)
    assert type_m == pytest.approx(np.abs(y[sig]).mean() / np.abs(theta[sig]).mean(), rel=1e-2)


def test_uncertainty_about_theta_lowers_power_at_a_large_effect_and_raises_it_near_zero():
    se = 1.0
    sharp_big, _, _ = averaged_design(mixture([4.0], [0.0]), lambda t: se)
    wide_big, _, _ = averaged_design(mixture([4.0], [3.0]), lambda t: se)
    sharp_small, _, _ = averaged_design(mixture([0.3], [0.0]), lambda t: se)
    wide_small, _, _ = averaged_design(mixture([0.3], [3.0]), lambda t: se)
    assert wide_big < sharp_big and wide_small > sharp_small


def test_mcnemar_power_is_averaged_with_the_se_of_each_true_effect():
    n, p0 = 500, 0.7
    plaus = mixture([2.0], [1.5])

    def se_at(t):
        return 100 * np.asarray(mcnemar_se(n, p0, np.asarray(t) / 100, "card2020"))

    def power_at(t):
        return mcnemar_power(n, p0, np.asarray(t) / 100, "card2020", 0.05, "normal")

    power, _, _ = averaged_design(plaus, se_at, 0.05, power_at)
    draws = np.random.default_rng(5).normal(2.0, 1.5, 20_000)
    mc = np.mean(mcnemar_power(n, p0, draws / 100, "card2020", 0.05, "normal"))
    assert power == pytest.approx(mc, abs=5e-3)


def test_grid_probabilities_sum_to_one_and_cover_the_mixture():
    plaus = mixture([-3.0, 5.0], [0.5, 2.0])
    theta, prob = plaus.grid()
    assert prob.sum() == pytest.approx(1.0)
    assert np.sum(prob * theta) == pytest.approx(plaus.center, abs=1e-2)
    assert plaus.sd == pytest.approx(math.sqrt(0.5 * 0.25 + 0.5 * 4 + 16.0), rel=1e-9)


def test_quantiles_of_the_mixture_match_a_direct_root_and_the_normal_case():
    # one normal: its own quantiles
    one = mixture([1.5], [2.0])
    np.testing.assert_allclose(
        one.quantiles((1e-5, 0.5, 1 - 1e-5)),
        stats.norm.ppf([1e-5, 0.5, 1 - 1e-5], 1.5, 2.0),
        atol=1e-6,
    )
    # a skewed mixture: the CDF at the returned points is the probability asked for
    plaus = mixture([-3.0, 0.0, 7.0], [0.3, 1.0, 4.0], [0.2, 0.5, 0.3])
    probs = (1e-5, 0.1, 0.5, 0.9, 1 - 1e-5)
    q = plaus.quantiles(probs)
    assert np.all(np.diff(q) > 0)
    for x, pr in zip(q, probs, strict=True):
        direct = sum(
            w * stats.norm.cdf(x, m, math.sqrt(v))
            for w, m, v in zip(plaus.weight, plaus.mean, plaus.var, strict=True)
        )
        assert direct == pytest.approx(pr, rel=1e-6, abs=1e-12)


def test_cdf_in_blocks_equals_the_direct_sum_over_components():
    rng = np.random.default_rng(3)
    plaus = mixture(rng.normal(0, 2, 300), rng.uniform(0.1, 3, 300), rng.uniform(0.5, 1, 300))
    x = np.linspace(-12, 12, 100)  # more points than one block
    direct = (
        stats.norm.cdf((x[:, None] - plaus.mean[None, :]) / np.sqrt(plaus.var)[None, :])
        @ plaus.weight
    )
    np.testing.assert_allclose(plaus.cdf(x), direct, atol=1e-14)
    # a point mass is a step
    assert mixture([2.0], [0.0]).cdf(np.array([1.999, 2.001])).tolist() == [0.0, 1.0]


def test_an_impossible_true_change_is_put_on_the_bound_for_every_term():
    # baseline 95%: no true gain can pass 5 pp; the plausible N(8, 2) is mostly beyond it
    n, p0 = 60, 0.95

    def se_at(t):
        return 100 * np.asarray(mcnemar_se(n, p0, np.clip(np.asarray(t) / 100, -p0, 1 - p0)))

    bound = (-95.0 + 1e-7, 5.0 - 1e-7)
    got = averaged_design(mixture([8.0], [2.0]), se_at, feasible=bound)
    # every theta beyond 5 pp counts as 5 pp: compare with the clipped distribution directly
    draws = np.clip(np.random.default_rng(1).normal(8.0, 2.0, 400_000), *bound)
    se = se_at(draws)
    z = 1.959963984540054
    upper, lower = stats.norm.sf(z - draws / se), stats.norm.cdf(-z - draws / se)
    c = z * se
    abs_y = draws * (upper - lower) + se * (
        stats.norm.pdf((c - draws) / se) + stats.norm.pdf((c + draws) / se)
    )
    expected_m = abs_y.mean() / (np.abs(draws) * (upper + lower)).mean()
    assert got[2] == pytest.approx(expected_m, rel=2e-3)
    assert got[2] > 1.2  # not the 1.1 of averaging over impossible changes
