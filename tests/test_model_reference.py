"""Reference tests of the plain random-effects meta-analysis (marginalia.model.reference).

Numbers and sources: ../shared/reference/README.md. The data are tiny, so they are also inline
here and the core tests run without ../shared; where ../shared exists, the inline copies are
checked against the shared files.

- Eight schools (Rubin 1981; BDA3 Table 5.2), posteriordb priors mu ~ N(0, 5), tau ~ HalfCauchy(5)
  (reference posterior eight_schools-eight_schools_noncentered): posterior means within
  4 * sqrt(mcse_ref^2 + mcse_est^2).
- Eight schools with flat priors p(mu, tau) ∝ 1: E[mu] = 7.931 (exact by quadrature, no MCSE),
  so the tolerance is 4 * mcse_est. The flat prior gives tau heavy tails (its marginal posterior
  decays like tau^-7 for 8 schools, so the mean and variance exist and the MCSE is valid); we
  draw 4 x 2500 and require divergences below 1% of the draws.
- BCG vaccine trials (metafor dat.bcg, log risk ratios): FE, DL and REML to 4 decimals of
  metafor; the Bayesian fit with the default weakly informative prior near REML
  (mu within ±0.1 of -0.71, tau within ±0.15 of 0.56).
"""

from __future__ import annotations

import json
import math

import arviz_stats as azs
import numpy as np
import pandas as pd
import pytest

from marginalia.errors import MarginaliaError
from marginalia.model import frequentist_random_effects, random_effects
from marginalia.model.reference import build_random_effects_model, resolve_prior

SCHOOLS = list("ABCDEFGH")
EIGHT_Y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0]
EIGHT_SIGMA = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]

# posteriordb reference posterior: (mean, mcse of the reference); theta[1] in Stan is school A.
POSTERIORDB = {"mu": (4.4105, 0.0330), "tau": (3.6021, 0.0319), "theta[A]": (6.1505, 0.0557)}
FLAT_E_MU = 7.931
FLAT_E_TAU = 6.549

# metafor dat.bcg: trial, tpos, tneg, cpos, cneg
BCG = [
    (1, 4, 119, 11, 128),
    (2, 6, 300, 29, 274),
    (3, 3, 228, 11, 209),
    (4, 62, 13536, 248, 12619),
    (5, 33, 5036, 47, 5761),
    (6, 180, 1361, 372, 1079),
    (7, 8, 2537, 10, 619),
    (8, 505, 87886, 499, 87892),
    (9, 29, 7470, 45, 7232),
    (10, 17, 1699, 65, 1600),
    (11, 186, 50448, 141, 27197),
    (12, 5, 2493, 3, 2338),
    (13, 27, 16886, 29, 17825),
]

# metafor (README table): estimate, se, ci_lower, ci_upper, tau2, I2
METAFOR = {
    "FE": {"estimate": -0.4303, "ci_lower": -0.5097, "ci_upper": -0.3509},
    "DL": {
        "estimate": -0.7141,
        "ci_lower": -1.0644,
        "ci_upper": -0.3638,
        "tau2": 0.3088,
        "I2": 92.1173,
    },
    "REML": {
        "estimate": -0.7145,
        "se": 0.1798,
        "ci_lower": -1.0669,
        "ci_upper": -0.3622,
        "tau2": 0.3132,
        "I2": 92.2214,
    },
}
METAFOR_Q = 152.2330

DRAWS, TUNE, CHAINS, SEED = 1000, 1000, 4, 20251126


def bcg_yi_vi(rows) -> tuple[np.ndarray, np.ndarray]:
    t = np.array(rows, dtype=float)
    tpos, tneg, cpos, cneg = t[:, 1], t[:, 2], t[:, 3], t[:, 4]
    yi = np.log((tpos / (tpos + tneg)) / (cpos / (cpos + cneg)))
    vi = 1 / tpos - 1 / (tpos + tneg) + 1 / cpos - 1 / (cpos + cneg)
    return yi, vi


def summary(idata, var_names):
    return azs.summary(idata, var_names=var_names, round_to="none", ci_kind="eti", ci_prob=0.9)


# ------------------------------------------------------------------ fits (once per session)


@pytest.fixture(scope="session")
def eight_posteriordb():
    return random_effects(
        EIGHT_Y,
        EIGHT_SIGMA,
        SCHOOLS,
        prior="posteriordb",
        draws=DRAWS,
        tune=TUNE,
        chains=CHAINS,
        seed=SEED,
    )


@pytest.fixture(scope="session")
def eight_flat():
    return random_effects(
        EIGHT_Y,
        EIGHT_SIGMA,
        SCHOOLS,
        prior="flat",
        draws=2500,
        tune=TUNE,
        chains=CHAINS,
        seed=SEED + 1,
        target_accept=0.95,
    )


@pytest.fixture(scope="session")
def bcg_bayes():
    yi, vi = bcg_yi_vi(BCG)
    return random_effects(yi, np.sqrt(vi), draws=DRAWS, tune=TUNE, chains=CHAINS, seed=SEED + 2)


# --------------------------------------------------------------------------- shared data agree


def test_inline_eight_schools_match_shared_file(shared_dir):
    data = json.loads((shared_dir / "reference" / "eight_schools.json").read_text())
    assert data["y"] == EIGHT_Y
    assert data["sigma"] == EIGHT_SIGMA
    assert data["school"] == SCHOOLS


def test_inline_bcg_matches_shared_file(shared_dir):
    df = pd.read_csv(shared_dir / "reference" / "dat_bcg.csv")
    assert [tuple(r) for r in df[["trial", "tpos", "tneg", "cpos", "cneg"]].to_numpy()] == BCG


# --------------------------------------------------------------------------- model structure


def test_model_structure_dims_and_coords():
    model = build_random_effects_model(EIGHT_Y, EIGHT_SIGMA, SCHOOLS, prior="posteriordb")
    assert {rv.name for rv in model.free_RVs} == {"mu", "tau", "eta"}
    assert [rv.name for rv in model.observed_RVs] == ["y"]
    assert model.coords["study"] == tuple(SCHOOLS)
    assert model.named_vars_to_dims["theta"] == ("study",)
    assert model.named_vars_to_dims["eta"] == ("study",)
    # default labels are "0".."k-1"
    model2 = build_random_effects_model([1.0, 2.0], [1.0, 1.0])
    assert model2.coords["study"] == ("0", "1")


def test_prior_variants_resolve():
    y, s = np.array(EIGHT_Y), np.array(EIGHT_SIGMA)
    weak = resolve_prior("weakly_informative", y, s)
    scale = max(np.std(y, ddof=1), np.median(s))  # 11.0 = median se > sd(y) = 10.44
    assert weak["tau"] == {"dist": "half_normal", "sigma": pytest.approx(scale)}
    assert weak["mu"] == {"dist": "normal", "mu": 0.0, "sigma": pytest.approx(10 * scale)}
    assert resolve_prior("posteriordb", y, s)["tau"] == {"dist": "half_cauchy", "beta": 5.0}
    assert resolve_prior("flat", y, s) == {"mu": {"dist": "flat"}, "tau": {"dist": "half_flat"}}
    custom = resolve_prior({"tau": {"dist": "exponential", "lam": 0.5}}, y, s)
    assert custom["tau"] == {"dist": "exponential", "lam": 0.5}
    assert custom["mu"] == weak["mu"]
    flat_model = build_random_effects_model(EIGHT_Y, EIGHT_SIGMA, prior="flat")
    assert type(flat_model["tau"].owner.op).__name__.startswith("HalfFlat")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prior": "cauchy"}, "unknown"),
        ({"prior": {"tau": {"dist": "half_normal"}}}, "needs exactly the parameters"),
        ({"prior": {"tau": {"dist": "half_normal", "sigma": -1}}}, "> 0"),
        ({"prior": {"sigma": {"dist": "flat"}}}, "unknown key"),
    ],
)
def test_bad_priors_raise(kwargs, message):
    with pytest.raises(MarginaliaError, match=message):
        build_random_effects_model(EIGHT_Y, EIGHT_SIGMA, **kwargs)


@pytest.mark.parametrize(
    ("y", "se", "labels", "message"),
    [
        ([], [], None, "empty"),
        ([1.0, 2.0], [1.0], None, "one se per estimate"),
        ([1.0, 2.0], [1.0, 0.0], None, "positive"),
        ([1.0, float("nan")], [1.0, 1.0], None, "NaN"),
        ([1.0, 2.0], [1.0, 1.0], ["a"], "labels"),
        ([1.0, 2.0], [1.0, 1.0], ["a", "a"], "unique"),
    ],
)
def test_bad_inputs_raise(y, se, labels, message):
    with pytest.raises(MarginaliaError, match=message):
        build_random_effects_model(y, se, labels)


# --------------------------------------------------------------------------- eight schools


@pytest.mark.slow
def test_eight_schools_posteriordb_reference(eight_posteriordb):
    idata = eight_posteriordb
    post = idata.posterior
    assert set(post.data_vars) >= {"mu", "tau", "theta", "eta"}
    assert post["theta"].dims == ("chain", "draw", "study")
    assert list(post["study"].values) == SCHOOLS
    assert post.sizes["chain"] == CHAINS and post.sizes["draw"] == DRAWS
    assert idata.log_likelihood["y"].dims == ("chain", "draw", "study")
    assert post.attrs["sampler"] == "nutpie"
    assert post.attrs["divergences"] < 0.01 * CHAINS * DRAWS

    sm = summary(idata, ["mu", "tau", "theta"])
    assert sm["r_hat"].max() < 1.01
    for param, (ref, mcse_ref) in POSTERIORDB.items():
        est, mcse_est = sm.loc[param, "mean"], sm.loc[param, "mcse_mean"]
        tol = 4 * math.sqrt(mcse_ref**2 + mcse_est**2)
        assert abs(est - ref) < tol, f"{param}: {est:.4f} vs {ref} (tolerance {tol:.4f})"


@pytest.mark.slow
def test_eight_schools_flat_prior(eight_flat):
    idata = eight_flat
    n_draws = CHAINS * 2500
    assert idata.posterior.attrs["divergences"] < 0.01 * n_draws
    sm = summary(idata, ["mu", "tau"])
    assert sm["r_hat"].max() < 1.01
    for param, ref in (("mu", FLAT_E_MU), ("tau", FLAT_E_TAU)):
        est, mcse = sm.loc[param, "mean"], sm.loc[param, "mcse_mean"]
        assert abs(est - ref) < 4 * mcse, f"{param}: {est:.3f} vs {ref} (mcse {mcse:.3f})"
    # BDA3 §5.5: the 95% interval of mu runs from about -2 to 18.
    lo, hi = np.quantile(idata.posterior["mu"].values, [0.025, 0.975])
    assert -4.0 < lo < 0.0 and 16.0 < hi < 20.0


@pytest.mark.slow
def test_eight_schools_pymc_sampler_agrees():
    idata = random_effects(
        EIGHT_Y,
        EIGHT_SIGMA,
        SCHOOLS,
        prior="posteriordb",
        draws=500,
        tune=500,
        chains=2,
        seed=SEED + 3,
        sampler="pymc",
        cores=1,  # no fork() from this process, which already runs nutpie's threads
    )
    assert idata.posterior.attrs["sampler"] == "pymc"
    assert idata.log_likelihood["y"].dims == ("chain", "draw", "study")
    sm = summary(idata, ["mu"])
    ref, mcse_ref = POSTERIORDB["mu"]
    tol = 4 * math.sqrt(mcse_ref**2 + sm.loc["mu", "mcse_mean"] ** 2)
    assert abs(sm.loc["mu", "mean"] - ref) < tol


# --------------------------------------------------------------------------- BCG


def test_bcg_effect_sizes_match_metafor():
    yi, vi = bcg_yi_vi(BCG)
    assert yi[0] == pytest.approx(-0.8893, abs=5e-5)
    assert vi[0] == pytest.approx(0.3256, abs=5e-5)
    assert yi[7] == pytest.approx(0.0120, abs=5e-5)
    assert vi[7] == pytest.approx(0.0040, abs=5e-5)


@pytest.mark.parametrize("method", ["FE", "DL", "REML"])
def test_bcg_frequentist_matches_metafor(method):
    yi, vi = bcg_yi_vi(BCG)
    res = frequentist_random_effects(yi, v=vi, method=method)
    for key, ref in METAFOR[method].items():
        assert getattr(res, key) == pytest.approx(ref, abs=5e-5), key
    assert pytest.approx(METAFOR_Q, abs=5e-5) == res.Q
    assert res.df == 12 and res.k == 13
    if method == "FE":
        assert res.tau2 == 0.0
    # the same fit from standard errors instead of variances
    res_se = frequentist_random_effects(yi, np.sqrt(vi), method=method)
    assert res_se.estimate == pytest.approx(res.estimate, abs=1e-12)


def test_bcg_reml_prediction_interval():
    yi, vi = bcg_yi_vi(BCG)
    res = frequentist_random_effects(yi, v=vi, method="REML")
    assert round(res.pi_lower, 2) == -1.87
    assert round(res.pi_upper, 2) == 0.44
    assert res.to_dict()["method"] == "REML"


def test_eight_schools_frequentist_tau2_is_zero():
    # Q = 4.06 < df = 7: both DL and REML put tau2 at the boundary, the estimate equals FE.
    fe = frequentist_random_effects(EIGHT_Y, EIGHT_SIGMA, "FE")
    assert fe.Q < 7
    for method in ("DL", "REML"):
        res = frequentist_random_effects(EIGHT_Y, EIGHT_SIGMA, method)
        assert res.tau2 == 0.0
        assert res.estimate == pytest.approx(fe.estimate, abs=1e-9)


def test_frequentist_bad_arguments():
    with pytest.raises(MarginaliaError, match="exactly one of se or v"):
        frequentist_random_effects([1.0, 2.0])
    with pytest.raises(MarginaliaError, match="method"):
        frequentist_random_effects([1.0, 2.0], [1.0, 1.0], method="PM")


@pytest.mark.slow
def test_bcg_bayesian_near_reml(bcg_bayes):
    sm = summary(bcg_bayes, ["mu", "tau"])
    assert sm["r_hat"].max() < 1.02
    assert abs(sm.loc["mu", "mean"] - (-0.71)) < 0.1
    assert abs(sm.loc["tau", "mean"] - 0.56) < 0.15
    prior = json.loads(bcg_bayes.posterior.attrs["prior"])
    assert prior["tau"]["dist"] == "half_normal"
