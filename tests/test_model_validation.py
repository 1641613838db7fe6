"""Simulation-based check of the hierarchical model (the fast version of validate_model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from marginalia.errors import MarginaliaError
from marginalia.model.data import prepare_data
from marginalia.model.priors import priors_for
from marginalia.model.validation import (
    COVERAGE_COLUMNS,
    PARAMETERS,
    THETA,
    ValidationSettings,
    coverage_table,
    draw_truth,
    fit_dataset,
    simulate_effects,
)

REPO = Path(__file__).resolve().parents[1]


def test_simulated_tables_have_realistic_structure():
    settings = ValidationSettings()
    rng = np.random.default_rng(5)
    truth = draw_truth(rng, settings, priors_for("pp"))
    assert set(truth) == {p for p in PARAMETERS if not p.startswith("class_mean")}
    assert truth["tau_total"] ** 2 == pytest.approx(
        truth["tau_paper"] ** 2 + truth["tau_bench"] ** 2 + truth["tau_effect"] ** 2
    )
    assert truth["tau_paper"] >= 0 and truth["sigma_run"] > 0 and truth["sigma_unknown"] > 0
    df = simulate_effects(rng, settings, truth)
    per_paper = df.groupby("paper_id").size()
    assert 50 <= len(per_paper) <= 100
    assert per_paper.between(1, 4).all()
    assert df["effect_id"].is_unique
    assert set(df["hedge_local"]) == {"none", "marginal", "strong"}
    # unnamed benchmarks never have a known SE; about 40% of SEs are unknown in all
    assert df.loc[df["benchmark"] == "", "se"].isna().all()
    assert 0.25 < df["se"].isna().mean() < 0.55
    assert (df.loc[df["se"].notna(), "se"] > 0).all()
    # as in the model, each unnamed comparison is on a benchmark of its own
    data = prepare_data(df, "pp", "claim")
    unnamed = [b for b in data.benches if b.startswith("unnamed@")]
    assert len(unnamed) == int((df["benchmark"] == "").sum()) > 0
    for _, group in df.groupby("paper_id"):
        classes = set(group["hedge_local"])
        expected = (
            "mixed"
            if {"marginal", "strong"} <= classes
            else "marginal"
            if "marginal" in classes
            else "strong"
            if "strong" in classes
            else "none"
        )
        assert set(group["paper_hedge"]) == {expected}


def test_prior_truth_follows_the_model_priors():
    settings = ValidationSettings()
    priors = priors_for("pp")
    rng = np.random.default_rng(3)
    draws = pd.DataFrame([draw_truth(rng, settings, priors) for _ in range(4000)])
    # sigma_unknown ~ LogNormal(log 1.5, 0.75): median 1.5, log-SD 0.75, never 0
    log_su = np.log(draws["sigma_unknown"])
    assert abs(np.median(draws["sigma_unknown"]) - priors.sigma_unknown_median) < 0.1
    assert abs(log_su.std() - priors.sigma_unknown_log_sd) < 0.03
    # total SD ~ half-t3(0, 5): median 5 * 0.765 (the t3 quartile); shares ~ Dirichlet(2, 2, 2)
    assert abs(np.median(draws["tau_total"]) - priors.tau_total_scale * 0.7649) < 0.2
    share = draws["tau_paper"] ** 2 / draws["tau_total"] ** 2
    assert abs(share.mean() - 1 / 3) < 0.02 and abs(share.var() - 2 / 63) < 0.005


def test_fixed_truth_is_used_and_settings_are_checked():
    settings = ValidationSettings.from_config({"truth": "fixed", "fixed": {"mu": 7.5}})
    truth = draw_truth(np.random.default_rng(0), settings, priors_for("pp"))
    assert truth["mu"] == 7.5 and truth["tau_effect"] == 1.0
    with pytest.raises(MarginaliaError, match="validation.truth"):
        ValidationSettings.from_config({"truth": "posterior"})
    with pytest.raises(MarginaliaError, match="validation.n_papers"):
        ValidationSettings.from_config({"n_papers": [10, 5]})
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert ValidationSettings.from_config(config["validation"]) == ValidationSettings()
    schema = yaml.safe_load((REPO / "workflow/schemas/validation.schema.yaml").read_text())
    for key in ("n_datasets", "seed", "truth", "n_benchmarks", "draws", "tune", "chains"):
        assert schema["properties"][key]["default"] == getattr(ValidationSettings(), key), key


def test_coverage_table_counts_and_binomial_interval():
    records = pd.DataFrame(
        {
            "parameter": ["mu"] * 10 + [THETA] * 4,
            "dataset": list(range(10)) + [0, 0, 1, 1],
            "truth": [1.0] * 14,
            "mean": [1.5] * 10 + [1.0] * 4,
            "lo": [0.0] * 9 + [2.0] + [0.0] * 4,
            "hi": [2.0] * 9 + [3.0] + [2.0] * 4,
            "covered": [True] * 9 + [False] + [True] * 4,
            "gate_ok": [True] * 8 + [False] * 2 + [True] * 4,
        }
    )
    table = coverage_table(records, 0.9)
    assert list(table.columns) == COVERAGE_COLUMNS
    mu = table.set_index("parameter").loc["mu"]
    assert mu["n_datasets"] == 10 and mu["n_intervals"] == 10
    assert mu["coverage"] == pytest.approx(0.9)
    # Clopper-Pearson 95% interval for 9/10
    assert mu["coverage_lo95"] == pytest.approx(0.5550, abs=1e-4)
    assert mu["coverage_hi95"] == pytest.approx(0.9975, abs=1e-4)
    assert mu["mean_width"] == pytest.approx(1.9)
    assert mu["bias"] == pytest.approx(0.5)
    assert mu["n_gate_failed"] == 2
    theta = table.set_index("parameter").loc[THETA]
    assert theta["n_datasets"] == 2 and theta["n_intervals"] == 4


@pytest.mark.slow
def test_fast_simulation_check_recovers_parameters():
    from marginalia.model.calibration import design_table, simulate_dataset
    from marginalia.model.settings import ModelSettings

    model = ModelSettings.from_config({"seed": 1})
    settings = ValidationSettings.from_config(
        {
            "truth": "fixed",
            "design": "synthetic",
            "n_papers": [50, 70],
            "draws": 200,
            "tune": 300,
            "chains": 2,
        }
    )
    priors = model.priors["pp"]
    design = design_table(None, settings, priors)
    records = []
    for d in range(4):
        df, truth = simulate_dataset(design, "hedge_from_y", d, settings, priors)
        recs, _ = fit_dataset(df, truth, model, settings, seed=d)
        records += [{**r, "dataset": d} for r in recs]
    records = pd.DataFrame(records)
    coverage = coverage_table(records, 0.9)
    assert list(coverage.columns) == COVERAGE_COLUMNS
    assert list(coverage["parameter"]) == [*PARAMETERS, THETA]
    assert (coverage["n_datasets"] == 4).all()
    scalar = records[records["parameter"] != THETA]
    # 11 quantities x 4 data sets = 44 intervals at 90%: most must cover the truth
    assert len(scalar) == 44
    assert scalar["covered"].mean() >= 0.75
    assert scalar["rank"].between(0, scalar["n_rank"]).all()
    theta = coverage.set_index("parameter").loc[THETA]
    assert theta["n_intervals"] == 4 * len(design)
    assert 0.8 <= theta["coverage"] <= 0.98
    mu = coverage.set_index("parameter").loc["mu"]
    assert abs(mu["bias"]) < 1.0
    assert (coverage["coverage_lo95"] <= coverage["coverage"]).all()
    assert (coverage["coverage"] <= coverage["coverage_hi95"]).all()
