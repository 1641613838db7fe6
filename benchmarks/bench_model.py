"""Speed of the hierarchical model: compile and sampling time, and ESS per second, by sampler.

Simulates claim-level tables of about 100, 1,000 and 10,000 effects from the model itself
(2.5 effects per paper on average, one benchmark per 50 effects, at least 25), builds the same
``pm.Model`` with :func:`marginalia.model.likelihood.build_hierarchical_model`, and fits it
with nutpie and with PyMC's own NUTS. For each run it reports

- ``compile_s``: nutpie: ``nutpie.compile_pymc_model`` (numba); pymc: ``pm.init_nuts``
  (compiles logp and gradient, C backend, and sets up the step);
- ``sample_s``: tuning + draws, all chains;
- ``min_ess_bulk`` of mu, tau_paper and tau_bench and ``ess_per_s`` = that / sample_s;
- divergences and max R-hat of those parameters.

``--form`` chooses how the shared benchmarks' effects enter: ``auto`` (the workflow's rule:
sampled explicitly above ``model.explicit_benchmarks_above`` shared benchmarks), ``marginal``
(always integrated out) or ``explicit`` (always sampled). ``--table`` fits a standardized
effects table (``results/model/effects_standardized.parquet`` of a run, e.g. of the synthetic
corpus) instead of simulated data; ``--sizes`` is then ignored.

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_model.py --sizes 100 1000 --samplers nutpie pymc
    .venv/bin/python benchmarks/bench_model.py --sizes 10000 --samplers nutpie --out b.csv
    .venv/bin/python benchmarks/bench_model.py --samplers nutpie pymc --tune 500 \
        --table results/model/effects_standardized.parquet --form marginal explicit

Numbers depend on the machine and its load; the README quotes them with the command used.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd

KEY_PARAMETERS = ["mu", "tau_paper", "tau_bench"]
TRUTH = {
    "mu": 2.0,
    "tau_paper": 2.0,
    "tau_bench": 1.0,
    "tau_effect": 1.0,
    "sigma_run": 1.0,
    "sigma_unknown": 2.0,
    "beta_upto": 1.5,
    "beta_hedge[marginal]": -1.5,
    "beta_hedge[strong]": 1.5,
}


def simulated_data(n_effects: int, seed: int):
    from marginalia.model.data import prepare_data
    from marginalia.model.validation import ValidationSettings, simulate_effects

    n_papers = max(1, round(n_effects / 2.5))
    settings = ValidationSettings(
        truth="fixed", n_papers=(n_papers, n_papers), n_benchmarks=max(25, n_effects // 50)
    )
    df = simulate_effects(np.random.default_rng(seed), settings, TRUTH)
    return prepare_data(df, "pp", "claim")


def fit_nutpie(model, *, draws: int, tune: int, chains: int, seed: int, cores: int):
    from marginalia.model.sampling import compile_model, sample

    t0 = time.perf_counter()
    compiled = compile_model(model, "nutpie")
    compile_s = time.perf_counter() - t0
    idata = sample(
        model,
        sampler="nutpie",
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        target_accept=0.9,
        cores=cores,
        compiled=compiled,
        log_likelihood=False,
    )
    return idata, compile_s, float(idata.posterior.attrs["sampling_seconds"])


def fit_pymc(model, *, draws: int, tune: int, chains: int, seed: int, cores: int):
    import pymc as pm

    t0 = time.perf_counter()
    initial_points, step = pm.init_nuts(
        init="jitter+adapt_diag",
        chains=chains,
        random_seed=seed,
        model=model,
        progressbar=False,
        target_accept=0.9,
    )
    compile_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    idata = pm.sample(
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        step=step,
        initvals=initial_points,
        random_seed=seed,
        progressbar=False,
        compute_convergence_checks=False,
        model=model,
    )
    return idata, compile_s, time.perf_counter() - t0


def table_data(path: str):
    from marginalia.model.data import prepare_data

    return prepare_data(pd.read_parquet(path), "pp", "claim")


def run_one(n_effects: int, sampler: str, form: str, args: argparse.Namespace) -> dict:
    import arviz_stats as azs

    from marginalia.model.data import grouping
    from marginalia.model.likelihood import build_hierarchical_model
    from marginalia.model.priors import priors_for
    from marginalia.model.sampling import divergences
    from marginalia.model.settings import ModelSettings

    data = table_data(args.table) if args.table else simulated_data(n_effects, args.seed)
    above = {
        "auto": ModelSettings().explicit_benchmarks_above,
        "marginal": None,
        "explicit": 0,
    }[form]
    model = build_hierarchical_model(data, priors_for("pp"), explicit_above=above)
    fit = fit_nutpie if sampler == "nutpie" else fit_pymc
    idata, compile_s, sample_s = fit(
        model,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        seed=args.seed,
        cores=args.cores,
    )
    post = idata.posterior.dataset[KEY_PARAMETERS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ess = azs.ess(post, method="bulk")
        rhat = azs.rhat(post)
    min_ess = min(float(ess[v]) for v in KEY_PARAMETERS)
    return {
        "n_effects": data.n_effects,
        "n_papers": len(data.papers),
        "n_benchmarks": len(data.benches),
        "shared_benchmarks": int(grouping(data).shared_benches.size),
        "benchmark_effects": "explicit" if "v_bench_shared" in model.named_vars else "marginal",
        "sampler": sampler,
        "chains": args.chains,
        "tune": args.tune,
        "draws": args.draws,
        "compile_s": round(compile_s, 2),
        "sample_s": round(sample_s, 2),
        "min_ess_bulk": round(min_ess, 1),
        "ess_per_s": round(min_ess / sample_s, 1),
        "divergences": divergences(idata),
        "max_rhat": round(max(float(rhat[v]) for v in KEY_PARAMETERS), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--samplers", nargs="+", default=["nutpie", "pymc"])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=1000)
    parser.add_argument("--chains", type=int, default=2)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--form", nargs="+", default=["auto"], choices=["auto", "marginal", "explicit"]
    )
    parser.add_argument("--table", help="a standardized effects table (Parquet) to fit instead")
    parser.add_argument("--out", help="also write the table to this CSV file")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:  # worker: one size, sampler and form, JSON on stdout
        print(json.dumps(run_one(args.sizes[0], args.samplers[0], args.form[0], args)))
        return 0
    rows = []
    runs = [
        (n, sampler, form)
        for n in (args.sizes[:1] if args.table else args.sizes)
        for sampler in args.samplers
        for form in args.form
    ]
    for n, sampler, form in runs:
        # A fresh process per run: compile times include what a workflow job pays, and
        # PyMC's forked chains never start from a process that already ran nutpie threads.
        print(f"# {sampler}, {form}, ~{n} effects ...", file=sys.stderr, flush=True)
        cmd = [sys.executable, __file__, "--one", "--sizes", str(n), "--samplers", sampler]
        cmd += ["--form", form] + (["--table", args.table] if args.table else [])
        for key in ("draws", "tune", "chains", "cores", "seed"):
            cmd += [f"--{key}", str(getattr(args, key))]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return proc.returncode
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(pd.DataFrame(rows[-1:]).to_string(index=False), file=sys.stderr, flush=True)
    table = pd.DataFrame(rows)
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    if args.out:
        table.to_csv(args.out, index=False)
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
