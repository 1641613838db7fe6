"""Shared benchmarks' effects sampled explicitly (papers still integrated out).

The selection fits always sample them (their reporting probability is conditional on them),
and any hierarchical fit does above ``model.explicit_benchmarks_above`` shared benchmarks: the
same model as the fully marginal one, in other coordinates (docs/model.md, "At scale").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from scipy import stats

from marginalia.model.data import grouping, prepare_data
from marginalia.model.likelihood import (
    CENTRED_MIN_EFFECTS,
    SELECTION_Z,
    build_hierarchical_model,
    explicit_benches,
)
from marginalia.model.priors import priors_for
from marginalia.model.recovery import recover_effects
from marginalia.model.settings import ModelSettings
from test_model_hierarchical import (
    FIXED_HYPER,
    TRUTH,
    effects_table,
    generate_effects,
    grouped_example,
    mu_without_and_with_selection,
)


def test_explicit_when_selected_or_above_the_threshold_and_only_with_shared_benchmarks():
    df, _, _ = grouped_example("more_benchmarks")  # two shared benchmarks
    group = grouping(prepare_data(df, "pp", "claim"))
    assert explicit_benches(group, True, None)
    assert not explicit_benches(group, False, None)
    assert explicit_benches(group, False, 1) and not explicit_benches(group, False, 2)
    lone = grouping(prepare_data(effects_table(y=[1.0, 2.0], benchmark=["A", "B"]), "pp", "claim"))
    assert not explicit_benches(lone, True, 0)  # nothing shared: nothing to sample


def test_papers_only_grouping_keeps_lone_benchmarks_in_the_diagonal():
    df, _, _ = grouped_example("more_benchmarks")
    group = grouping(prepare_data(df, "pp", "claim"))
    given = group.papers_only()
    assert given.shared_benches.size == 0 and (given.bench_col < 0).all()
    assert np.array_equal(given.lone_bench, group.lone_bench)
    assert np.array_equal(given.paper_col, group.paper_col)


@pytest.mark.parametrize("kind", ["more_papers", "more_benchmarks"])
def test_explicit_likelihood_is_the_dense_normal_given_the_benchmark_effects(kind):
    """At any point, the explicit model's likelihood term is log N(y - mean - Z_b v | 0,
    noise + tau_effect^2 + tau_paper^2 Z_p Z_p' + tau_bench^2 [lone benchmark])."""
    df, z_paper, z_bench = grouped_example(kind)
    data = prepare_data(df, "pp", "claim")
    group = grouping(data)
    model = build_hierarchical_model(data, priors_for("pp"), explicit_above=0)
    assert "v_bench_shared" in model.named_vars
    h = FIXED_HYPER
    point = hyper_point(model)
    rng = np.random.default_rng(3)
    for name in ("m_bench_centred", "z_bench"):
        if name in point:
            point[name] = rng.normal(size=point[name].shape)
    (v_expr,) = model.replace_rvs_by_values([model["v_bench_shared"]])
    v = np.asarray(
        model.compile_fn(v_expr, inputs=model.value_vars, on_unused_input="ignore")(point)
    )
    got = float(model.compile_logp(vars=[model["y_marginal"]], jacobian=False)(point))
    s = np.where(data.se_known, data.se_filled, h["sigma_unknown"])
    cov = (
        np.diag(s**2 + h["sigma_run"] ** 2 + h["tau_effect"] ** 2)
        + h["tau_paper"] ** 2 * z_paper @ z_paper.T
        + h["tau_bench"] ** 2 * np.diag(group.lone_bench)
    )
    shift = np.zeros(data.n_effects)
    on = group.bench_col >= 0
    shift[on] = v[group.bench_col[on]]
    resid = data.y - h["mu"] - h["beta_upto"] * data.upto - shift
    expected = stats.multivariate_normal(np.zeros(data.n_effects), cov).logpdf(resid)
    assert got == pytest.approx(expected, rel=1e-9)


def hyper_point(model) -> dict[str, np.ndarray]:
    """The model's initial point with the population parameters at :data:`FIXED_HYPER`."""
    h = FIXED_HYPER
    return model.initial_point() | {
        "mu": np.array(h["mu"]),
        "beta_upto": np.array(h["beta_upto"]),
        "log_tau_paper": np.array(np.log(h["tau_paper"])),
        "log_tau_bench": np.array(np.log(h["tau_bench"])),
        "log_var_effect_run": np.array(np.log(h["tau_effect"] ** 2 + h["sigma_run"] ** 2)),
        "logit_run_share": np.array(np.log(h["sigma_run"] ** 2 / h["tau_effect"] ** 2)),
        "sigma_unknown_log__": np.array(np.log(h["sigma_unknown"])),
    }


def test_integrating_the_sampled_benchmark_effects_out_gives_the_integrated_likelihood():
    """One centred benchmark (A), two non-centred (B, C) listed out of order, a lone one, unnamed
    comparisons and shared papers: the explicit model's likelihood times the benchmark effects'
    prior, integrated over them (exactly: it is Gaussian in them), is the integrated model's
    likelihood at the same population parameters."""
    bench = ["B"] * 3 + ["A"] * (CENTRED_MIN_EFFECTS + 2) + ["C"] * 2 + ["D"] + [""] * 4
    n = len(bench)
    rng = np.random.default_rng(8)
    df = effects_table(
        y=rng.normal(2.0, 3.0, size=n),
        se=np.where(rng.random(n) < 0.3, np.nan, rng.uniform(0.5, 2.0, size=n)),
        benchmark=bench,
        qualifier=["up_to" if i % 7 == 0 else "" for i in range(n)],
    )
    data = prepare_data(df, "pp", "claim")
    explicit = build_hierarchical_model(data, priors_for("pp"), explicit_above=0)
    integrated = build_hierarchical_model(data, priors_for("pp"))
    assert list(explicit.coords["bench_centred"]) == ["A"]
    assert list(explicit.coords["bench_noncentred"]) == ["B", "C"]
    terms = [explicit["y_marginal"], explicit["m_bench_centred"], explicit["z_bench"]]
    f_point = explicit.compile_logp(vars=terms, jacobian=False)
    point = hyper_point(explicit)

    def f(x: np.ndarray) -> float:
        return float(f_point(point | {"m_bench_centred": x[:1], "z_bench": x[1:]}))

    # f is quadratic in x = (m_A, z_B, z_C): its value, gradient and Hessian from 1 + 2d + d(d-1)/2
    # evaluations are exact, and so is the Gaussian integral
    d = 3
    eye = np.eye(d)
    f0 = f(np.zeros(d))
    fp = np.array([f(eye[i]) for i in range(d)])
    fm = np.array([f(-eye[i]) for i in range(d)])
    g = (fp - fm) / 2
    hess = np.diag(fp + fm - 2 * f0)
    for i in range(d):
        for j in range(i + 1, d):
            hess[i, j] = hess[j, i] = (
                f(eye[i] + eye[j]) - f0 - g[i] - g[j] - 0.5 * (hess[i, i] + hess[j, j])
            )
    log_integral = (
        f0
        - 0.5 * g @ np.linalg.solve(hess, g)
        + 0.5 * d * np.log(2 * np.pi)
        - 0.5 * np.linalg.slogdet(-hess)[1]
    )
    expected = float(
        integrated.compile_logp(vars=[integrated["y_marginal"]], jacobian=False)(
            hyper_point(integrated)
        )
    )
    assert log_integral == pytest.approx(expected, rel=1e-8)
    # and v is (m_A - mu, tau_bench z_B, tau_bench z_C) in the order of the shared benchmarks
    (v_expr,) = explicit.replace_rvs_by_values([explicit["v_bench_shared"]])
    v_fn = explicit.compile_fn(v_expr, inputs=explicit.value_vars, on_unused_input="ignore")
    v = v_fn(point | {"m_bench_centred": np.array([4.0]), "z_bench": np.array([0.5, -1.0])})
    order = list(explicit.coords["shared_bench"])
    tau_b = FIXED_HYPER["tau_bench"]
    expect = {"A": 4.0 - FIXED_HYPER["mu"], "B": 0.5 * tau_b, "C": -1.0 * tau_b}
    assert np.allclose(v, [expect[b] for b in order])


def test_benchmarks_with_many_comparisons_are_centred_the_others_not():
    df = effects_table(
        y=np.linspace(0.0, 3.0, CENTRED_MIN_EFFECTS + 3),
        benchmark=["A"] * CENTRED_MIN_EFFECTS + ["B", "B", "C"],
    )
    data = prepare_data(df, "pp", "claim")
    model = build_hierarchical_model(data, priors_for("pp"), explicit_above=0)
    assert list(model.coords["bench_centred"]) == ["A"]
    assert list(model.coords["bench_noncentred"]) == ["B"]  # C is lone: integrated out
    assert list(model.coords["shared_bench"]) == ["A", "B"]


def test_recovered_effects_given_sampled_benchmark_effects_follow_their_conditional():
    """With ``v_bench_shared`` in the posterior, the papers' and effects' terms are drawn from
    their Gaussian conditional given it, and the shared benchmarks' effects are those draws."""
    df, z_paper, z_bench = grouped_example("more_benchmarks")
    data = prepare_data(df, "pp", "claim")
    group = grouping(data)
    h = dict(FIXED_HYPER)
    n = 40_000
    v_fixed = np.array([0.7, -1.1])
    assert group.shared_benches.size == v_fixed.size
    post = xr.Dataset({k: (("chain", "draw"), np.full((1, n), val)) for k, val in h.items()})
    post["v_bench_shared"] = (("chain", "draw", "shared_bench"), np.tile(v_fixed, (1, n, 1)))
    idata = recover_effects(xr.DataTree.from_dict({"posterior": post}), data, rng=5)
    shift = z_bench[:, group.shared_benches] @ v_fixed
    mean = h["mu"] + h["beta_upto"] * data.upto + shift
    s = np.where(data.se_known, data.se_filled, h["sigma_unknown"])
    lone_b = z_bench[:, group.lone_bench.astype(bool) @ z_bench > 0]
    z = np.hstack([z_paper, lone_b, np.eye(data.n_effects)])
    g = np.diag(
        [h["tau_paper"] ** 2] * z_paper.shape[1]
        + [h["tau_bench"] ** 2] * lone_b.shape[1]
        + [h["tau_effect"] ** 2] * data.n_effects
    )
    sigma = np.diag(s**2 + h["sigma_run"] ** 2) + z @ g @ z.T
    gain = g @ z.T @ np.linalg.inv(sigma)
    e_mean = gain @ (data.y - mean)
    e_cov = g - gain @ z @ g
    theta_mean = h["mu"] + shift + z @ e_mean
    theta_cov = z @ e_cov @ z.T
    theta = idata.posterior["theta"].values.reshape(n, -1)
    assert np.all(np.abs(theta.mean(0) - theta_mean) < 5 * np.sqrt(np.diag(theta_cov) / n))
    assert np.allclose(np.cov(theta, rowvar=False), theta_cov, atol=0.04 * theta_cov.max())
    v = idata.posterior["v_bench"].values.reshape(n, -1)
    assert np.allclose(v[:, group.shared_benches], v_fixed)
    u = idata.posterior["u_paper"].values.reshape(n, -1)
    n_p = z_paper.shape[1]
    assert np.all(np.abs(u.mean(0) - e_mean[:n_p]) < 5 * np.sqrt(np.diag(e_cov)[:n_p] / n))


@pytest.mark.slow
def test_sampling_benchmark_effects_explicitly_gives_the_same_posterior():
    """The explicit coordinates are the same model: mu, the spreads and the class means agree
    with the fully marginal fit within Monte Carlo error (four chains each)."""
    from marginalia.model.fitting import fit_data

    data = prepare_data(generate_effects(11, TRUTH), "pp", "claim")
    settings = {"draws": 1000, "tune": 1000, "chains": 4, "seed": 3}
    fits = {
        above: fit_data(
            data,
            "hierarchical",
            ModelSettings.from_config(settings | {"explicit_benchmarks_above": above}),
            cores=2,
        )
        for above in (10_000, 0)
    }
    assert not fits[10_000].diagnostics["explicit_benches"]
    assert fits[0].diagnostics["explicit_benches"]
    for fit in fits.values():
        assert fit.ok, fit.diagnostics["reasons"]
    for var in ("mu", "tau_total", "tau_bench", "class_mean"):
        a, b = (np.asarray(f.idata.posterior[var].values, dtype=float) for f in fits.values())
        a = a.reshape(-1, *a.shape[2:])
        b = b.reshape(-1, *b.shape[2:])
        # MC error of a difference of two means with ESS >= 800 each, and a generous factor
        tol = 5 * np.sqrt(a.var(0) / 800 + b.var(0) / 800)
        assert np.all(np.abs(a.mean(0) - b.mean(0)) < tol), var
        assert np.allclose(a.std(0), b.std(0), rtol=0.15), var


def selected_on_shared_benchmarks(seed: int, omega: float, n: int = 240) -> pd.DataFrame:
    """One comparison per paper on 20 shared benchmarks (mu = 1, tau_bench = 1); every
    significant result reported, a non-significant one with probability ``omega``."""
    rng = np.random.default_rng(seed)
    bench_effect = rng.normal(0.0, 1.0, size=20)
    rows = []
    while len(rows) < n:
        b = int(rng.integers(20))
        theta = 1.0 + bench_effect[b] + rng.normal(0.0, 0.7)
        se = rng.uniform(0.5, 1.2)
        y = rng.normal(theta, se)
        if y / se >= SELECTION_Z or rng.random() < omega:
            rows.append({"y": y, "se": se, "benchmark": f"b{b}"})
    out = pd.DataFrame(rows)
    return effects_table(
        y=out["y"].to_numpy(),
        se=out["se"].to_numpy(),
        benchmark=out["benchmark"].tolist(),
        effect_id=[f"s{i}#1" for i in range(n)],
        paper_id=[f"s{i}" for i in range(n)],
    )


@pytest.mark.slow
def test_selection_fit_on_shared_benchmarks_recovers_mu_instead_of_running_away():
    """Selected results on shared benchmarks: the plain model overstates mu (1.0); the
    selection fit with the true weight brings it back. With the reporting probability taken
    under the benchmarks' marginal distribution instead of given their effects, this fit drifted
    to mu = -2.5 +- 0.6 with tau_bench doubled (docs/model.md, "Selection fits")."""

    data = prepare_data(selected_on_shared_benchmarks(2, 0.2), "pp", "claim")
    plain, corrected, ok = mu_without_and_with_selection(data)
    assert ok
    assert plain[0] - 1.0 > 1.5 * plain[1]  # selection inflates the plain estimate
    assert abs(corrected[0] - 1.0) < 3 * corrected[1]
    assert abs(corrected[0] - 1.0) < abs(plain[0] - 1.0)
