"""The leave-paper-out predictive of theta (DESIGN.md §5) against dense Gaussian conditioning."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from marginalia.model.data import prepare_data
from marginalia.model.holdout import draw_subset, holdout_moments, psis_holdout, with_refit


def example() -> pd.DataFrame:
    """Eleven comparisons of six papers: shared and lone papers and benchmarks, an unknown SE, an
    'up to', a range's spread and an unnamed benchmark."""
    papers = ["a", "a", "a", "b", "b", "c", "d", "d", "e", "f", "f"]
    benches = [
        "GSM8K",
        "MATH",
        "GSM8K",
        "GSM8K",
        "MMLU",
        "MATH",
        "MMLU",
        "",
        "HumanEval",
        "MATH",
        "",
    ]
    n = len(papers)
    return pd.DataFrame(
        {
            "effect_id": [f"{p}#{i}" for i, p in enumerate(papers)],
            "paper_id": papers,
            "benchmark": benches,
            "family": ["pp"] * n,
            "y": [1.0, 3.0, -2.0, 4.0, 0.5, 2.5, 6.0, 1.5, -0.5, 2.0, 3.5],
            "se": [0.5, np.nan, 1.0, 0.8, np.nan, 2.0, 1.1, 0.7, 1.5, np.nan, 0.9],
            "qualifier": ["", "up_to", "", "", "", "", "", "up_to", "", "", ""],
            "hedge_local": ["none"] * n,
            "paper_hedge": ["none"] * n,
            "in_model": [True] * n,
        }
    )


def phi_example(n_draws: int, seed: int = 3) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "mu": rng.normal(2.0, 1.0, n_draws),
        "beta_upto": rng.normal(1.0, 0.5, n_draws),
        "tau_paper": rng.uniform(0.2, 2.0, n_draws),
        "tau_bench": rng.uniform(0.2, 2.0, n_draws),
        "tau_effect": rng.uniform(0.1, 1.5, n_draws),
        "sigma_run": rng.uniform(0.3, 1.2, n_draws),
        "sigma_unknown": rng.uniform(0.5, 3.0, n_draws),
    }


def dense(data, phi: dict[str, np.ndarray], s: int, paper: int):
    """Dense reference for draw s: theta_k | y_-i and log p(y_i | y_-i)."""
    zp = np.eye(len(data.papers))[data.paper_idx]
    zb = np.eye(len(data.benches))[data.bench_idx]
    sd = np.where(data.se_known, data.se_filled, phi["sigma_unknown"][s])
    noise = sd**2 + phi["sigma_run"][s] ** 2 * data.run_share + data.range_var
    cov_t = (
        phi["tau_paper"][s] ** 2 * zp @ zp.T
        + phi["tau_bench"][s] ** 2 * zb @ zb.T
        + phi["tau_effect"][s] ** 2 * np.eye(data.n_effects)
    )
    cov_y = cov_t + np.diag(noise)
    mean_y = phi["mu"][s] + phi["beta_upto"][s] * data.upto
    mine = data.paper_idx == paper
    rest = ~mine
    solve = np.linalg.solve(cov_y[np.ix_(rest, rest)], np.eye(rest.sum()))
    dev = data.y[rest] - mean_y[rest]
    t_mean = phi["mu"][s] + cov_t[np.ix_(mine, rest)] @ solve @ dev
    t_var = np.diag(
        cov_t[np.ix_(mine, mine)] - cov_t[np.ix_(mine, rest)] @ solve @ cov_t[np.ix_(rest, mine)]
    )
    y_mean = mean_y[mine] + cov_y[np.ix_(mine, rest)] @ solve @ dev
    y_cov = (
        cov_y[np.ix_(mine, mine)] - cov_y[np.ix_(mine, rest)] @ solve @ cov_y[np.ix_(rest, mine)]
    )
    loglik = stats.multivariate_normal(y_mean, y_cov).logpdf(data.y[mine])
    return t_mean, t_var, loglik


def test_downdate_matches_dense_conditioning_for_every_paper_and_draw():
    df = example()
    df.loc[df.effect_id == "d#7", "se"] = np.nan
    data = prepare_data(df, "pp", "claim")
    # a range's spread on one comparison
    data = type(data)(
        **{
            **data.__dict__,
            "extra_var": np.where(np.arange(data.n_effects) == 3, 2.0, 0.0),
            "n_seeds": np.where(np.arange(data.n_effects) == 5, 4.0, 1.0),
        }
    )
    phi = phi_example(5)
    mean, var, loglik = holdout_moments(data, phi)
    for s in range(5):
        for i in range(len(data.papers)):
            t_mean, t_var, ll = dense(data, phi, s, i)
            mine = data.paper_idx == i
            assert mean[s, mine] == pytest.approx(t_mean, rel=1e-9, abs=1e-9)
            assert var[s, mine] == pytest.approx(t_var, rel=1e-9, abs=1e-9)
            assert loglik[s, i] == pytest.approx(ll, rel=1e-9, abs=1e-9)


def test_a_paper_does_not_inform_its_own_plausible_effect():
    df = example()
    data = prepare_data(df, "pp", "claim")
    phi = phi_example(4)
    before, _, _ = holdout_moments(data, phi)
    moved = df.copy()
    moved.loc[moved.paper_id == "a", "y"] += 40.0  # paper a reports far larger gains
    after, _, ll = holdout_moments(prepare_data(moved, "pp", "claim"), phi)
    a = data.paper_idx == data.papers.index("a")
    np.testing.assert_allclose(after[:, a], before[:, a], rtol=1e-12)
    # ... but it does move the plausible effect of another paper on the same benchmark
    gsm8k_b = np.array(data.effect_ids) == "b#3"
    mmlu_b = np.array(data.effect_ids) == "b#4"
    assert np.all(after[:, gsm8k_b] > before[:, gsm8k_b] + 1.0)
    np.testing.assert_allclose(after[:, mmlu_b], before[:, mmlu_b], rtol=1e-12)


def test_psis_weights_are_normalized_and_refit_replaces_a_paper():
    data = prepare_data(example(), "pp", "claim")
    phi = phi_example(400)
    hold = psis_holdout(data, phi)
    np.testing.assert_allclose(np.exp(hold.log_weight).sum(axis=0), 1.0, rtol=1e-9)
    # leaving a paper out moves weight to the draws that explain it worst: the weights fall
    # as log p(y_i | y_-i, phi) rises
    _, _, loglik = holdout_moments(data, phi)
    for i in range(len(data.papers)):
        assert np.corrcoef(hold.log_weight[:, i], loglik[:, i])[0, 1] < -0.9
    assert hold.pareto_k.shape == (len(data.papers),)
    assert set(hold.method) <= {"psis", "psis_high_k"}
    mean, sd = hold.summary()
    assert np.all(np.isfinite(mean)) and np.all(sd > 0)
    refit_phi = phi_example(800, seed=9)
    with_refit(hold, 0, refit_phi, n_draws=400)
    assert hold.method[0] == "refit"
    np.testing.assert_allclose(np.exp(hold.log_weight[:, 0]), 1 / 400)
    index = draw_subset(800, 400)
    expected, _, _ = holdout_moments(
        data, {k: v[index] for k, v in refit_phi.items()}, np.array([0])
    )
    mine = data.paper_idx == 0
    np.testing.assert_allclose(hold.mean[:, mine], expected[:, mine])


def test_draw_subset_is_evenly_spaced_and_keeps_everything_when_small():
    assert list(draw_subset(5, 10)) == [0, 1, 2, 3, 4]
    idx = draw_subset(8000, 1000)
    assert idx.size == 1000 and idx[0] == 0 and idx[-1] == 7999


def test_a_paper_with_unreliable_weights_is_refit_without_it(monkeypatch):
    import marginalia.model.holdout as holdout_mod
    from marginalia.model.fitting import fit_data
    from marginalia.model.settings import ModelSettings

    df = example()
    settings = ModelSettings.from_config(
        {"draws": 200, "tune": 300, "chains": 2, "seed": 5, "holdout_refit_max": 1}
    )
    data = prepare_data(df, "pp", "claim")
    fit = fit_data(data, "hierarchical", settings, cores=1)
    monkeypatch.setattr(holdout_mod, "GOOD_K", -np.inf)  # every paper counts as unreliable
    hold, record = holdout_mod.leave_paper_out(fit, df, settings, cores=1)
    worst = int(np.argmax(hold.pareto_k))
    assert [r["paper_id"] for r in record["refits"]] == [data.papers[worst]]
    if record["refits"][0]["ok"]:
        assert hold.method[worst] == "refit"
        assert record["methods"]["refit"] == 1
    else:  # a refit that fails its gate keeps the weights, marked unreliable
        assert hold.method[worst] == "psis_high_k"
    assert sum(record["methods"].values()) == len(data.papers)
    assert record["methods"].get("psis_high_k", 0) >= len(data.papers) - 1
