"""Compile once: models of the same structure share one compiled nutpie model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import marginalia.model.sampling as sampling
from marginalia.model.data import prepare_data
from marginalia.model.likelihood import MODEL_BUILDERS, build_hierarchical_model
from marginalia.model.priors import priors_for


def table(**columns) -> pd.DataFrame:
    base = {
        "effect_id": [f"e{i}" for i in range(6)],
        "paper_id": ["a", "a", "b", "c", "c", "d"],
        "benchmark": ["X", "Y", "X", "Y", "", "X"],
        "family": ["pp"] * 6,
        "y": [1.0, 2, 3, 4, 5, 6],
        "se": [1.0, np.nan, 1, 2, 1, 1],
        "qualifier": ["", "up_to", "", "", "", ""],
        "hedge_local": ["none", "marginal", "none", "strong", "none", "strong"],
        "paper_hedge": ["none"] * 6,
        "in_model": [True] * 6,
    }
    base.update(columns)
    return pd.DataFrame(base)


def signature(df: pd.DataFrame, builder=build_hierarchical_model, priors=None) -> str:
    return builder(prepare_data(df, "pp", "claim"), priors or priors_for("pp")).marginalia_signature


def test_the_digest_sees_every_constant_and_ignores_the_data():
    base = signature(table())
    assert signature(table(y=[9.0, 8, 7, 6, 5, 4], se=[2.0, 1, np.nan, 2, 1, 1])) == base
    # the grouping is data: other papers and benchmarks, even other sizes, share the graph...
    assert signature(table(benchmark=["X", "Y", "Z", "Y", "", "X"])) == base
    assert signature(table(paper_id=["a", "b", "b", "c", "c", "d"])) == base
    assert signature(pd.concat([table(), table().assign(effect_id=list("uvwxyz"))])) == base
    # ...unless the layout changes: more shared benchmarks than shared papers swaps the block
    # that is eliminated; no shared benchmark at all drops the kept block
    assert signature(table(paper_id=["a", "a", "b", "c", "d", "e"])) != base
    assert signature(table(benchmark=["X", "Y", "Z", "W", "", "V"])) != base
    assert signature(table(hedge_local=["none"] * 6)) != base  # hedge classes
    # the priors are data too: the log_ratio family's fits share the pp family's graphs
    assert signature(table(), priors=priors_for("pp", {"mu_sd": 3.0})) == base
    assert signature(table(), priors=priors_for("log_ratio")) == base
    assert signature(table(), MODEL_BUILDERS["hedge_in_mean"]) != base
    known = table(se=[1.0, 2, 1, 2, 1, 1])
    omegas = {signature(known, MODEL_BUILDERS[f"selection_{w}"]) for w in ("1", "0.5", "0.2")}
    assert len(omegas) == 1 and signature(known) not in omegas


def other_table() -> pd.DataFrame:
    """Nine comparisons of five papers on three benchmarks, the layout of :func:`table`'s."""
    return pd.DataFrame(
        {
            "effect_id": [f"o{i}" for i in range(9)],
            "paper_id": ["p", "p", "q", "q", "q", "r", "s", "s", "t"],
            "benchmark": ["X", "Z", "X", "Y", "Z", "", "Y", "Y", "X"],
            "family": ["pp"] * 9,
            "y": [3.0, 6, 9, 12, 15, 18, 4, 8, 11],
            "se": [2.0, np.nan, 2, 2, 2, 2, 1, 1, np.nan],
            "qualifier": ["", "up_to", "", "", "", "", "", "", ""],
            "hedge_local": ["none", "marginal", "none", "strong", "none", "strong", "none"]
            + ["none", "marginal"],
            "paper_hedge": ["none"] * 9,
            "in_model": [True] * 9,
            "n_seeds": [1, 1, 3, 3, 1, 1, 5, 1, 1],
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kind", "params"),
    [
        ("hierarchical", ("mu", "sigma_run", "tau_total")),
        ("complete_pooling", ("mu", "sigma_run")),
        ("no_pooling", ("sigma_run", "sigma_unknown")),
    ],
)
def test_a_reused_compiled_model_samples_exactly_as_a_fresh_one(monkeypatch, kind, params):
    """A model compiled for six comparisons, reused for nine others with another grouping and
    other priors (as the sensitivity fits, the leave-paper-out refits and the other family's
    fit reuse the claim fit's): the same draws as compiling the second model itself."""
    monkeypatch.setattr(sampling, "_COMPILED", type(sampling._COMPILED)())
    build = MODEL_BUILDERS[kind]
    first = build(prepare_data(table(), "pp", "claim"), priors_for("pp"))
    other_priors = priors_for("pp", {"mu_sd": 3.0, "tau_total_scale": 2.0, "no_pooling_sd": 9.0})
    second = build(prepare_data(other_table(), "pp", "claim"), other_priors)
    assert first.marginalia_signature == second.marginalia_signature
    sampling.compile_model(first)
    reused = sampling.compile_model(second)  # from the cache, with second's data
    assert len(sampling._COMPILED) == 1
    sampling._COMPILED.clear()
    fresh = sampling.compile_model(second)
    draws = [
        sampling.sample(second, compiled=c, draws=300, tune=300, chains=2, seed=3)
        for c in (reused, fresh)
    ]
    for var in params:
        np.testing.assert_array_equal(
            draws[0].posterior[var].values, draws[1].posterior[var].values
        )
    if "mu" in params:
        assert float(draws[0].posterior["mu"].mean()) > 5  # second's values, not first's
    if kind == "complete_pooling":  # the pointwise log-likelihood of second's comparisons
        assert draws[0].log_likelihood["y"].sizes["effect"] == 9


DRAWS_DIGEST = """
import hashlib, sys
import numpy as np, pandas as pd
from marginalia.model.data import prepare_data
from marginalia.model.likelihood import build_complete_pooling_model
from marginalia.model.priors import priors_for
from marginalia.model.sampling import sample
df = pd.read_json(sys.argv[1])
model = build_complete_pooling_model(prepare_data(df, "pp", "claim"), priors_for("pp"))
idata = sample(model, draws=100, tune=100, chains=1, cores=1, seed=11, log_likelihood=False)
print(hashlib.sha256(idata.posterior["sigma_run"].values.tobytes()).hexdigest())
"""


def test_numba_fastmath_is_off_once_the_sampler_is_imported():
    """What makes the draws independent of the compile cache (the next test shows it on a
    small model; on the hierarchical one a cold compile alone takes 40 s)."""
    import pytensor

    import marginalia.model.sampling  # noqa: F401

    assert pytensor.config.numba__fastmath is False


@pytest.mark.slow
def test_draws_do_not_depend_on_a_cold_or_warm_compile_cache(tmp_path):
    """The same seed gives the same draws whether the numba code is compiled now (a fresh
    clone) or loaded from PyTensor's cache (any later run): the flaky tests of issue 12 came
    from fastmath rounding the two differently (there in the hierarchical model; here the
    complete-pooling one, whose cold compile is a fraction of the time)."""
    import os
    import subprocess
    import sys

    data = tmp_path / "effects.json"
    table().to_json(data)
    env = os.environ | {"PYTENSOR_FLAGS": f"base_compiledir={tmp_path / 'cache'}"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", DRAWS_DIGEST, str(data)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()[-1]
        for _ in range(2)  # cold, then warm
    ]
    assert (tmp_path / "cache").exists()
    assert runs[0] == runs[1]
