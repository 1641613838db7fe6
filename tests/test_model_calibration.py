"""validate_model's simulation studies: design, simulation, SBC statistics, the workflow rules."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from marginalia.model.calibration import (
    DESIGN_COLUMNS,
    MISSPECIFICATION_COLUMNS,
    SBC_COLUMNS,
    design_table,
    ecdf_band,
    misspecification_table,
    sbc_table,
    simulate_dataset,
)
from marginalia.model.priors import priors_for
from marginalia.model.validation import DIFFERENCE, ValidationSettings

REPO = Path(__file__).resolve().parents[1]
PRIORS = priors_for("pp")


def standardized() -> pd.DataFrame:
    """Five claims of three papers, one of them a range (two rows, one claim)."""
    return pd.DataFrame(
        {
            "effect_id": ["a#1", "a#2", "a#3", "b#1", "c#1", "c#2"],
            "claim_id": ["a#1", "a#2", "a#2", "b#1", "c#1", "c#2"],
            "paper_id": ["a", "a", "a", "b", "c", "c"],
            "benchmark": ["GSM8K", "MATH", "MATH", "GSM8K", "", "MMLU"],
            "family": ["pp"] * 6,
            "y": [1.0, 2.0, 4.0, 3.0, 0.5, 6.0],
            "se": [0.8, 1.0, 1.0, np.nan, np.nan, 1.2],
            "qualifier": ["", "", "", "up_to", "", ""],
            "hedge_local": ["marginal", "none", "none", "strong", "none", "strong"],
            "paper_hedge": ["mixed"] * 3 + ["strong", "strong", "strong"],
            "in_model": [True] * 6,
        }
    )


def test_design_is_the_claim_level_structure_of_the_data():
    design = design_table(standardized(), ValidationSettings(), PRIORS)
    assert list(design.columns) == DESIGN_COLUMNS
    assert len(design) == 5  # the range is one claim
    rng_row = design.set_index("effect_id").loc["a#2"]
    assert rng_row["extra_var"] == pytest.approx(4.0 / 12)
    assert list(design["hedge_local"]) == ["marginal", "none", "strong", "none", "strong"]
    assert design["benchmark"].str.startswith("unnamed@").sum() == 1


def test_simulation_is_deterministic_and_each_study_sets_its_hedges():
    design = design_table(standardized(), ValidationSettings(), PRIORS)
    settings = ValidationSettings(truth="fixed")
    a, ta = simulate_dataset(design, "sbc", 3, settings, PRIORS)
    b, tb = simulate_dataset(design, "sbc", 3, settings, PRIORS)
    pd.testing.assert_frame_equal(a, b)
    assert ta == tb
    assert ta["mu"] != settings.fixed.mu  # SBC draws the truth from the priors
    assert list(a["hedge_local"]) == list(design["hedge_local"])
    y_df, t_fixed = simulate_dataset(design, "hedge_from_y", 0, settings, PRIORS)
    assert t_fixed["mu"] == settings.fixed.mu
    order = y_df.sort_values("y")["hedge_local"].tolist()
    assert order[0] == "marginal" and order[-1] == "strong"
    th_df, _ = simulate_dataset(design, "hedge_from_theta", 0, settings, PRIORS)
    order = th_df.sort_values("theta_true")["hedge_local"].tolist()
    assert order[0] == "marginal" and order[-1] == "strong"


def test_ecdf_band_holds_uniform_ranks_at_its_level():
    n, n_rank = 100, 49
    z, lo, hi, gamma = ecdf_band(n, n_rank, 0.95)
    assert 0 < gamma < 0.05 and np.all(lo <= z) and np.all(z <= hi)
    rng = np.random.default_rng(2)
    inside = []
    for _ in range(1000):
        ranks = rng.integers(0, n_rank + 1, n)
        ecdf = np.array([(ranks <= j).mean() for j in range(n_rank)])
        inside.append(np.all((ecdf >= lo) & (ecdf <= hi)))
    assert 0.92 <= np.mean(inside) <= 0.98


def _records(ranks: np.ndarray, parameter: str = "mu", study: str = "sbc") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "study": study,
            "parameter": parameter,
            "rank": ranks,
            "n_rank": 99,
            "covered": (ranks >= 5) & (ranks <= 95),
            "gate_ok": True,
            "truth": 0.0,
            "mean": 0.0,
        }
    )


def test_sbc_table_passes_uniform_ranks_and_fails_an_overconfident_fit():
    rng = np.random.default_rng(4)
    good = _records(rng.integers(0, 100, 200))
    # too narrow a posterior: the truth falls in the tails (U-shaped ranks)
    bad = _records(
        np.where(rng.random(200) < 0.5, rng.integers(0, 5, 200), rng.integers(96, 100, 200)),
        "tau_total",
    )
    table = sbc_table(pd.concat([good, bad], ignore_index=True)).set_index("parameter")
    assert list(sbc_table(good).columns) == SBC_COLUMNS
    assert bool(table.loc["mu", "inside_band"]) and table.loc["mu", "chi2_p"] > 0.01
    assert (
        not bool(table.loc["tau_total", "inside_band"]) and table.loc["tau_total", "chi2_p"] < 1e-6
    )
    assert table.loc["tau_total", "coverage"] < 0.5


def test_misspecification_table_reports_attenuation_and_calibration():
    truth = np.array([-4.0, -2.0, -6.0, -3.0, -5.0])
    records = pd.DataFrame(
        {
            "study": "hedge_from_theta",
            "parameter": DIFFERENCE,
            "truth": truth,
            "mean": truth / 2,  # the estimate recovers half the true difference
            "covered": [False, True, False, True, False],
        }
    )
    row = misspecification_table(records).iloc[0]
    assert list(misspecification_table(records).columns) == MISSPECIFICATION_COLUMNS
    assert row["attenuation"] == pytest.approx(0.5)
    assert row["bias"] == pytest.approx(2.0)
    assert row["calibration_slope"] == pytest.approx(2.0)
    assert row["coverage_difference"] == pytest.approx(0.4)


@pytest.mark.slow
def test_validate_model_runs_one_job_per_data_set(tmp_path):
    from wf import make_workdir, run_snakemake

    work = make_workdir(
        tmp_path,
        {
            "validation": {
                "n_datasets": 1,
                "design": "synthetic",
                "n_papers": [20, 25],
                "draws": 150,
                "tune": 200,
                "chains": 2,
                "rank_draws": 49,
            }
        },
    )
    dry = run_snakemake(work, "validate_model", "-n", cores=4)
    counts = {}
    for line in dry.stdout.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("simulate_dataset", "fit_simulated"):
            counts[parts[0]] = int(parts[1])
    assert counts == {"simulate_dataset": 3, "fit_simulated": 3}  # 3 studies x 1 data set
    run_snakemake(work, "validate_model", cores=4)
    out = work / "results/validation"
    sbc = pd.read_csv(out / "sbc.csv")
    assert set(sbc["study"]) == {"sbc", "hedge_from_y", "hedge_from_theta"}
    assert (sbc["n_datasets"] == 1).all() and (sbc["n_rank"] == 49).all()
    mis = pd.read_csv(out / "misspecification.csv")
    assert list(mis["study"]) == ["sbc", "hedge_from_y", "hedge_from_theta"]
    assert "<svg" in (out / "sbc_ecdf.svg").read_text()
    assert len(list((out / "sbc/fits").glob("*.json"))) == 1
    # the standardized effects were not needed: the design is synthetic
    assert not (work / "results/model/effects_standardized.parquet").exists()
