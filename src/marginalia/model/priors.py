"""The priors of the hierarchical model, written in one place (with the text the report prints).

One :class:`Priors` per model scale: ``pp`` (percentage points, the main family) and
``log_ratio`` (natural log of a factor). ``config["model"]["priors"][family]`` may override any
field; the defaults below are also the JSON-schema defaults (a test checks they agree).

Why these numbers (pp scale)
----------------------------
- ``mu ~ Normal(0, 10)``: the mean true improvement of the reference hedge class; centred on
  "no improvement", 95% of the mass within ±20 pp, wider than any plausible average gain.
- ``beta_hedge ~ Normal(0, 5)``, ``beta_upto ~ Normal(0, 5)``: differences between classes of
  claims of more than ~10 pp in the *average* true improvement are implausible.
- ``tau_paper, tau_bench ~ HalfNormal(5)``: spread of true improvements across papers and
  benchmarks; half the mass below 3.4 pp, little above 10 pp.
- ``sigma_unknown ~ HalfNormal(5)``: the sampling SE of a comparison whose test-set size is not
  known. Binomial SEs of a difference on test sets of 100 to 10,000 items run from ~0.6 to
  ~7 pp (``sqrt(2 p (1-p) / n) x 100`` at p = 0.5), which this prior covers.
- ``sigma_run ~ LogNormal(log 1, 0.7)``: seed-to-seed (run-to-run) noise of a reported
  difference. Published fine-tuning studies over 20 seeds (IBM model-recycling tables; see
  ../shared/reference/README.md) give per-run SDs of 0.23-2.09 pp across GLUE tasks (MNLI 0.23,
  SST-2 0.38-0.42, QNLI 0.75, MRPC 0.98-1.61, RTE 2.04-2.09); a difference of two single runs
  has sqrt(2) times that, 0.33-2.96 pp. Picard (2021) reports ~2 pp max-min over 10^4 CIFAR-10
  seeds (an SD of ~0.5 pp). The prior's median is 1 pp and its central 90% interval
  0.32-3.2 pp, covering all of these; the log-normal keeps it off zero, where it would be
  confounded with the sampling SE.
- no-pooling comparison model: each ``theta_k ~ Normal(0, 30)``, effectively flat on the pp
  scale.

The log_ratio scale (log of a speed-up or relative change) uses the same shapes with widths
for log factors: mu ~ Normal(0, 1) (a factor of e^±2 at 95%), class effects and spreads ~0.5,
sigma_run with a median of 0.03 (a few percent of timing noise between runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import pandas as pd

from marginalia.errors import MarginaliaError

FAMILIES = ("pp", "log_ratio")


@dataclass(frozen=True)
class Priors:
    """Prior settings of one model scale (all on that scale's units)."""

    mu_mean: float = 0.0
    mu_sd: float = 10.0
    beta_hedge_sd: float = 5.0
    beta_upto_sd: float = 5.0
    tau_paper_sd: float = 5.0
    tau_bench_sd: float = 5.0
    sigma_unknown_sd: float = 5.0
    sigma_run_median: float = 1.0
    sigma_run_log_sd: float = 0.7
    no_pooling_sd: float = 30.0


DEFAULT_PRIORS: dict[str, Priors] = {
    "pp": Priors(),
    "log_ratio": Priors(
        mu_mean=0.0,
        mu_sd=1.0,
        beta_hedge_sd=0.5,
        beta_upto_sd=0.5,
        tau_paper_sd=0.5,
        tau_bench_sd=0.5,
        sigma_unknown_sd=0.25,
        sigma_run_median=0.03,
        sigma_run_log_sd=1.0,
        no_pooling_sd=3.0,
    ),
}

UNITS = {"pp": "percentage points", "log_ratio": "log of the factor"}

_RATIONALE = {
    "mu": "mean true improvement of the reference hedge class; centred on no improvement",
    "beta_hedge": "shift of a hedge class's mean from the reference class",
    "beta_upto": 'extra size of "up to" claims over other claims',
    "tau_paper": "spread of true improvements between papers (non-centred)",
    "tau_bench": "spread of true improvements between benchmarks (non-centred)",
    "sigma_unknown": "sampling SE of a comparison whose test-set size is unknown",
    "sigma_run": (
        "seed-to-seed noise of a reported difference: published 20-seed GLUE fine-tuning SDs "
        "0.23-2.09 pp per run (x sqrt(2) for a difference); median 1 pp, 90% in 0.32-3.2 pp"
    ),
    "theta (no pooling)": "independent true effect of each comparison in the no-pooling model",
}


def priors_for(family: str, overrides: Mapping[str, Any] | None = None) -> Priors:
    """The priors of ``family`` with ``overrides`` (config ``model.priors.<family>``) applied."""
    if family not in DEFAULT_PRIORS:
        raise MarginaliaError(
            f"config key model.priors: unknown model family {family!r}; "
            f"use one of {', '.join(FAMILIES)}"
        )
    base = DEFAULT_PRIORS[family]
    overrides = dict(overrides or {})
    known = {f.name for f in fields(Priors)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise MarginaliaError(
            f"config key model.priors.{family}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    values = {k: float(v) for k, v in overrides.items()}
    for key, value in values.items():
        if key != "mu_mean" and not value > 0:
            raise MarginaliaError(
                f"config key model.priors.{family}.{key}: must be > 0 (got {value})"
            )
    return replace(base, **values)


def prior_table(priors: Priors, family: str) -> pd.DataFrame:
    """One row per parameter: family, parameter, distribution (as text), unit, rationale."""
    p = priors
    rows = [
        ("mu", f"Normal({p.mu_mean:g}, {p.mu_sd:g})"),
        ("beta_hedge", f"Normal(0, {p.beta_hedge_sd:g}); reference class fixed at 0"),
        ("beta_upto", f"Normal(0, {p.beta_upto_sd:g})"),
        ("tau_paper", f"HalfNormal({p.tau_paper_sd:g})"),
        ("tau_bench", f"HalfNormal({p.tau_bench_sd:g})"),
        ("sigma_unknown", f"HalfNormal({p.sigma_unknown_sd:g})"),
        ("sigma_run", f"LogNormal(log {p.sigma_run_median:g}, {p.sigma_run_log_sd:g})"),
        ("theta (no pooling)", f"Normal(0, {p.no_pooling_sd:g})"),
    ]
    return pd.DataFrame(
        [
            {
                "family": family,
                "parameter": name,
                "distribution": dist,
                "unit": UNITS[family],
                "rationale": _RATIONALE[name],
            }
            for name, dist in rows
        ]
    )


def priors_as_dict(priors: Priors) -> dict[str, float]:
    return asdict(priors)
