"""The model's tables computed from a hand-built posterior, value by value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from marginalia.model.data import prepare_data
from marginalia.model.fitting import HierarchicalFit
from marginalia.model.settings import ModelSettings
from marginalia.model.tables import comparisons_table, hedge_classes_table


def hand_built() -> HierarchicalFit:
    """Three comparisons (marginal, strong, strong) and 2 chains x 3 draws chosen by hand."""
    df = pd.DataFrame(
        {
            "effect_id": ["a#1", "b#1", "b#2"],
            "paper_id": ["a", "b", "b"],
            "benchmark": ["GSM8K", "GSM8K", "MATH"],
            "family": ["pp"] * 3,
            "y": [1.0, 4.0, 6.0],
            "se": [1.0, np.nan, 2.0],
            "qualifier": [""] * 3,
            "hedge_local": ["marginal", "strong", "strong"],
            "paper_hedge": ["marginal", "strong", "strong"],
            "in_model": [True] * 3,
        }
    )
    data = prepare_data(df, "pp", "claim")
    theta = np.array(
        [
            [[0.5, 3.0, 5.0], [1.5, 4.0, 7.0], [-0.5, 2.0, 6.0]],
            [[2.0, 5.0, 4.0], [0.9, 3.5, 6.5], [1.1, 4.5, 5.5]],
        ]
    )
    post = xr.Dataset(
        {
            "theta": (("chain", "draw", "effect"), theta),
            "tau_total": (("chain", "draw"), np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])),
            "sigma_run": (("chain", "draw"), np.full((2, 3), 1.0)),
            "sigma_unknown": (("chain", "draw"), np.full((2, 3), 3.0)),
            "class_mean": (
                ("chain", "draw", "hedge"),
                np.stack([theta[..., 0], theta[..., 1:].mean(axis=-1)], axis=-1),
            ),
        },
        coords={"effect": list(data.effect_ids), "hedge": ["marginal", "strong"]},
    )
    tree = xr.DataTree.from_dict({"posterior": post})
    return HierarchicalFit("pp_claim", "hierarchical", data, tree, {"ok": True})


def test_comparisons_table_values():
    fit = hand_built()
    table = comparisons_table(fit, ModelSettings.from_config({"rope": 1.0}))
    theta = fit.idata.posterior["theta"].values.reshape(6, 3)
    a = table.set_index("effect_id").loc["a#1"]
    assert a["theta_mean"] == pytest.approx(theta[:, 0].mean())
    assert a["theta_lo"] == pytest.approx(np.quantile(theta[:, 0], 0.05))
    assert a["p_positive"] == pytest.approx(5 / 6)  # one draw of -0.5
    assert a["p_meaningful"] == pytest.approx(3 / 6)  # 1.5, 2.0, 1.1 exceed the ROPE of 1
    # pooling factor s^2 / (s^2 + tau^2) with s^2 = se^2 + sigma_run^2 = 2, tau^2 in {1, 4, 9}
    assert a["shrinkage"] == pytest.approx(np.mean([2 / 3, 2 / 6, 2 / 11]))
    b = table.set_index("effect_id").loc["b#1"]  # unknown se: sigma_unknown^2 + 1 = 10
    assert b["shrinkage"] == pytest.approx(np.mean([10 / 11, 10 / 14, 10 / 19]))
    wider = comparisons_table(fit, ModelSettings.from_config({"rope": 1.6}))
    assert wider.set_index("effect_id").loc["a#1", "p_meaningful"] == pytest.approx(1 / 6)


def test_hedge_classes_table_values():
    fit = hand_built()
    table = hedge_classes_table(fit, 0.9).set_index("hedge_class")
    theta = fit.idata.posterior["theta"].values.reshape(6, 3)
    marginal, strong = theta[:, 0], theta[:, 1:].mean(axis=1)
    assert table.loc["marginal", "mean"] == pytest.approx(marginal.mean())
    assert table.loc["strong", "sd"] == pytest.approx(strong.std(ddof=1))
    assert table.loc["strong", "n_effects"] == 2 and table.loc["strong", "n_known_se"] == 1
    diff = table.loc["marginal - strong"]
    assert diff["mean"] == pytest.approx((marginal - strong).mean())
    assert diff["eti_95"] == pytest.approx(np.quantile(marginal - strong, 0.95))
    assert diff["p_marginal_lt_strong"] == pytest.approx(np.mean(marginal < strong))
    assert np.isnan(table.loc["none", "mean"]) and table.loc["none", "n_effects"] == 0


def test_model_stage_progress_says_how_far_and_how_long(caplog, monkeypatch):
    import logging

    import marginalia.model.fitting as fitting

    clock = iter([0.0, 0.0, 0.0, 10.0, 20.0])  # init, start, then one per fit
    monkeypatch.setattr(fitting.time, "perf_counter", lambda: next(clock))
    progress = fitting.Progress()
    progress.start(4)
    with caplog.at_level(logging.INFO, logger="marginalia.model.fitting"):
        progress.fitting("pp_claim, hierarchical", 21)
        progress.fitting("pp_complete_pooling, complete_pooling", 21)
        progress.fitting("pp_no_pooling, no_pooling", 21)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[0] == "model fit 1 of ~4 (pp_claim, hierarchical, 21 effects): 0 s so far"
    assert lines[1].endswith("10 s so far, about 30 s left")  # 10 s per fit, 3 to go
    assert lines[2].startswith("model fit 3 of ~4") and lines[2].endswith("about 20 s left")


def loo_tree(rng: np.random.Generator, n: int, shift: float) -> xr.DataTree:
    """A fit's log-likelihood groups: normal observations under a model centred ``shift`` off."""
    y = rng.normal(size=n)
    draws = rng.normal(0.0, 0.05, size=(2, 400, 1)) + shift
    loglik = -0.5 * (np.log(2 * np.pi) + (y[None, None, :] - draws) ** 2)
    return xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset({"mu": (("chain", "draw"), draws[..., 0])}),
            "log_likelihood": xr.Dataset({"y": (("chain", "draw", "effect"), loglik)}),
            "observed_data": xr.Dataset({"y": (("effect",), y)}),
        }
    )


def test_loo_above_its_size_is_subsampled_and_close_to_the_full_estimate():
    from marginalia.model.tables import loo_table

    rng = np.random.default_rng(4)
    fits = {"good": loo_tree(rng, 3000, 0.0), "off": loo_tree(np.random.default_rng(4), 3000, 1.0)}
    full = loo_table("pp", fits).set_index("model")
    sub = loo_table("pp", fits, subsample=500).set_index("model")
    assert full["note"].eq("").all()
    assert sub["note"].str.contains("random sample of 500 of 3000 comparisons").all()
    se = sub["note"].str.extract(r"subsampling SE ([0-9.]+)")[0].astype(float)
    assert (se > 0).all()
    assert (abs(sub["elpd"] - full["elpd"]) < 4 * se + 1e-6).all()
    # the same sample for both models: the better one still ranks first
    assert sub.loc["good", "rank"] == 0 and sub.loc["off", "rank"] == 1
    assert sub.loc["off", "elpd_diff"] == pytest.approx(full.loc["off", "elpd_diff"], rel=0.1)
    # at or below the size, nothing changes
    assert loo_table("pp", fits, subsample=3000).equals(loo_table("pp", fits))


@pytest.mark.parametrize("all_known", [True, False])
def test_selection_omega_1_reuses_the_primary_fit_when_every_se_is_known(monkeypatch, all_known):
    """omega = 1 adds log 1 = 0 to the primary model: on the same comparisons it is the primary
    fit, reused; with an unknown SE the subset differs and it is sampled."""
    import dataclasses

    import marginalia.model.sensitivity as sens

    n = 6
    se = [1.0] * n if all_known else [1.0] * (n - 1) + [np.nan]
    df = pd.DataFrame(
        {
            "effect_id": [f"p{i}#1" for i in range(n)],
            "paper_id": [f"p{i}" for i in range(n)],
            "benchmark": ["GSM8K"] * n,
            "family": ["pp"] * n,
            "y": np.linspace(0.0, 5.0, n),
            "se": se,
            "qualifier": [""] * n,
            "hedge_local": ["marginal", "strong"] * 3,
            "paper_hedge": ["marginal", "strong"] * 3,
            "in_model": [True] * n,
        }
    )
    data = prepare_data(df, "pp", "claim")
    base = hand_built()
    rng = np.random.default_rng(0)
    post = base.idata.posterior.dataset.drop_vars("theta").drop_dims("effect")
    post = post.assign(
        theta=(("chain", "draw", "effect"), rng.normal(size=(2, 3, n))),
        mu=(("chain", "draw"), rng.normal(size=(2, 3))),
    ).assign_coords(effect=list(data.effect_ids))
    primary = dataclasses.replace(base, data=data, idata=xr.DataTree.from_dict({"posterior": post}))
    sampled: list[str] = []

    def fake_fit(fit_data, kind, settings, *, cores, label=None):
        sampled.append(kind)
        return dataclasses.replace(primary, data=fit_data, model=kind)

    monkeypatch.setattr(sens, "fit_data", fake_fit)
    table, diags = sens.fit_sensitivities(df, primary, ModelSettings(), cores=1)
    assert ("selection_1" in sampled) is not all_known
    by_name = {d["name"]: d for d in diags}
    assert ("reused_from" in by_name["sensitivity_selection_1"]) is all_known
    if all_known:
        rows = table.set_index(["sensitivity", "quantity"])
        pd.testing.assert_frame_equal(
            rows.loc["selection_1"][["mean", "sd", "lo", "hi"]],
            rows.loc["primary"][["mean", "sd", "lo", "hi"]],
        )
