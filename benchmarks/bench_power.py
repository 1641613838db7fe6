"""Time the power stage (marginalia.power.analyze) on a finished run's model outputs.

    .venv/bin/python benchmarks/bench_power.py <run dir> [--rows N] [--processes P]

Reads <run dir>/results/model/{effects_standardized.parquet, comparisons.csv, summary.csv,
diagnostics.json, holdout.nc} and results/papers.parquet, with the registry and power section
of the repository's config/config.yaml, and prints the rows assessed and the seconds taken.
Numbers depend on the machine and its load; the docs quote them with the command used.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import xarray as xr
import yaml

from marginalia.power import analyze, sigma_run_from_summary
from marginalia.registry import load_registry
from marginalia.tables import read_csv

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="a working directory with a finished model stage")
    parser.add_argument("--rows", type=int, default=0, help="only the first N rows (0: all)")
    parser.add_argument("--processes", type=int, default=1, help="forked workers")
    args = parser.parse_args()
    res = args.run / "results"
    std = pd.read_parquet(res / "model/effects_standardized.parquet")
    if args.rows:
        std = std.iloc[: args.rows]
    config = yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))
    start = time.perf_counter()
    power, _ = analyze(
        std,
        read_csv(res / "model/comparisons.csv"),
        pd.read_parquet(res / "papers.parquet"),
        load_registry(REPO / "config/benchmarks.yaml"),
        config["power"],
        sigma_run_from_summary(read_csv(res / "model/summary.csv")),
        diagnostics=json.loads((res / "model/diagnostics.json").read_text(encoding="utf-8")),
        holdout=xr.load_dataset(res / "model/holdout.nc"),
        threads=args.processes,
    )
    seconds = time.perf_counter() - start
    assessed = int(power["assessed"].astype(bool).sum())
    print(f"{len(power)} rows ({assessed} assessed), {args.processes} process(es): {seconds:.1f} s")


if __name__ == "__main__":
    main()
