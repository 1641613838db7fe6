"""The priors of the hierarchical model, written in one place (with the text the report prints).

One :class:`Priors` per model scale: ``pp`` (percentage points, the main family) and
``log_ratio`` (natural log of a factor). ``config["model"]["priors"][family]`` may override any
field; the defaults below are also the JSON-schema defaults (a test checks they agree).

Why these numbers (pp scale)
----------------------------
- ``mu ~ Normal(0, 10)``: the population mean true improvement; centred on "no improvement",
  95% of the mass within ±20 pp, wider than any plausible average gain.
- ``beta_upto ~ Normal(0, 5)``: the excess of an "up to" maximum over a typical result (in the
  mean of ``y``, not of ``theta``); ``beta_hedge ~ Normal(0, 5)`` only in the hedge-in-the-mean
  bound: differences between classes of more than ~10 pp in the *average* true improvement are
  implausible.
- total SD ``sqrt(tau_paper^2 + tau_bench^2 + tau_effect^2) ~ half-t3(0, 5)`` and the three
  variance shares ``~ Dirichlet(2, 2, 2)`` (DESIGN.md §4): the total spread of true
  improvements is what the data inform best (median of the prior 3.8 pp, a heavy tail for
  corpora with very different benchmarks); the split between papers, benchmarks and single
  comparisons is only identified where papers report several comparisons and benchmarks recur,
  and Dirichlet(2,2,2) keeps each share away from 0 and 1 without favouring one. The paper,
  benchmark and effect terms themselves are integrated out analytically (docs/model.md), so
  the spreads can approach 0 without a funnel.
- ``sigma_unknown ~ LogNormal(log 1.5, 0.75)``: the sampling SE of a comparison whose SE the
  abstract does not let us compute (no benchmark named, no test-set size, or a score without a
  sampling model). The binomial SE of a difference of two accuracies,
  ``100 sqrt(2 p (1-p) / n)``, is 0.42 pp at n = 10,000 and p = 0.9, 1.4 pp at n = 2,000 and
  p = 0.7, 3.2 pp at n = 500 and p = 0.5, and 5.5 pp on a 164-item set (HumanEval) at p = 0.5:
  the prior's median is 1.5 pp and its central 90% interval 0.44-5.2 pp, covering these. It is
  **zero-avoiding** on purpose: an unreported SE is still a positive SE, and a prior with mass
  at 0 (the former HalfNormal) let the sampler into the corner sigma_unknown ~ 0 where all
  the noise of the unknown-SE comparisons moves onto sigma_run or the between-benchmark
  spread, a narrow curved ridge: with the effects integrated out and the former
  HalfNormal(0.25), the log_ratio fits of the embedded corpus diverged exactly there (the
  divergent draws' sigma_unknown had a 10-90% range of 0.01-0.18 against a posterior median
  of 0.61). Spread of the unknown-SE comparisons beyond sampling noise belongs to the
  between-effect terms (tau_paper, tau_bench): on the embedded corpus the posterior median of
  sigma_unknown is now 1.8-1.9 pp (6.7 pp before, when unnamed comparisons of a paper also
  shared one benchmark level) and that of tau_bench 9.1-9.3 pp (8.0 before).
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
sigma_run with a median of 0.03 (a few percent of timing noise between runs), and
sigma_unknown ~ LogNormal(log 0.1, 0.75) (central 90% 0.03-0.34): the noise of a reported
speed-up or relative change measured once, e.g. two timings with 5% run-to-run noise each give
a log-ratio SE of about 0.07. Every log_ratio comparison has an unknown SE, so the data identify
only sigma_unknown^2 + sigma_run^2 (+ the per-comparison benchmark variance): the split is the
priors', and zero-avoiding priors keep it well posed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import pandas as pd

from marginalia.errors import MarginaliaError
from marginalia.sampling_error import mcnemar_se

FAMILIES = ("pp", "log_ratio")

__all__ = [
    "DEFAULT_PRIORS",
    "FAMILIES",
    "Priors",
    "SIGMA_UNKNOWN_BASELINE",
    "prior_table",
    "priors_as_dict",
    "priors_for",
    "registry_sigma_unknown",
]


@dataclass(frozen=True)
class Priors:
    """Prior settings of one model scale (all on that scale's units)."""

    mu_mean: float = 0.0
    mu_sd: float = 10.0
    beta_hedge_sd: float = 5.0
    beta_upto_sd: float = 5.0
    tau_total_scale: float = 5.0
    tau_share_concentration: float = 2.0
    sigma_unknown_median: float = 1.5
    sigma_unknown_log_sd: float = 0.75
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
        tau_total_scale=0.5,
        tau_share_concentration=2.0,
        sigma_unknown_median=0.1,
        sigma_unknown_log_sd=0.75,
        sigma_run_median=0.03,
        sigma_run_log_sd=1.0,
        no_pooling_sd=3.0,
    ),
}

UNITS = {"pp": "percentage points", "log_ratio": "log of the factor"}

_RATIONALE = {
    "mu": "population mean true improvement; centred on no improvement",
    "beta_hedge": (
        "only in the hedge-in-the-mean bound: shift of a hedge class's mean from the reference"
    ),
    "beta_upto": '"up to" claims: excess of a reported maximum over a typical result (in y)',
    "tau_total": (
        "total SD of true improvements, sqrt(tau_paper^2 + tau_bench^2 + tau_effect^2); heavy "
        "tail for corpora of very different benchmarks"
    ),
    "tau shares": (
        "shares of the paper, benchmark and single-comparison variances in the total (all "
        "integrated out analytically); identified only where papers report several "
        "comparisons and benchmarks recur"
    ),
    "sigma_unknown": (
        "sampling SE of a comparison whose SE cannot be computed; zero-avoiding: binomial SEs of "
        "a difference on 164-10,000-item test sets at 50-90% accuracy are 0.4-5.5 pp (log_ratio: "
        "a once-measured speed-up, ~0.07 for two timings with 5% noise each); with "
        "model.sigma_unknown_prior: registry (default) the pp median and log-SD are those of the "
        "paired SEs of the registry's proportion benchmarks (diagnostics.json notes)"
    ),
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
        ("beta_hedge", f"Normal(0, {p.beta_hedge_sd:g}); reference class fixed at 0 (bound only)"),
        ("beta_upto", f"Normal(0, {p.beta_upto_sd:g})"),
        ("tau_total", f"half-StudentT(3, 0, {p.tau_total_scale:g})"),
        ("tau shares", f"Dirichlet({p.tau_share_concentration:g} x 3)"),
        (
            "sigma_unknown",
            f"LogNormal(log {p.sigma_unknown_median:g}, {p.sigma_unknown_log_sd:g})",
        ),
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


#: baseline accuracy used for a registry benchmark without a typical_baseline
SIGMA_UNKNOWN_BASELINE = 0.75


def registry_sigma_unknown(registry: Any) -> tuple[float, float, int] | None:
    """Prior of ``sigma_unknown`` (pp) from the registry's test-set sizes (DESIGN.md §4).

    For every proportion benchmark with a known ``n``, the paired (McNemar) SE of a
    comparison at its typical baseline (else 0.75) and a change of 0, ``100 sqrt((1 - P_a)/n)``
    with Card et al.'s agreement: an unknown SE is taken to be one of these. Returns (median,
    SD of the log SEs, number of benchmarks), or None with fewer than 5 such benchmarks.
    ``registry`` is a :class:`marginalia.registry.Registry`.
    """
    ses = []
    for name in getattr(registry, "names", []):
        entry = registry.get(name)
        n = entry.get("n")
        if entry.get("metric_kind") != "proportion" or not n:
            continue
        scale = float(entry.get("scale_max") or 100.0)
        base = entry.get("typical_baseline")
        p = float(base) / scale if base is not None else SIGMA_UNKNOWN_BASELINE
        se = 100.0 * mcnemar_se(int(n), min(max(p, 0.0), 1.0), 0.0)
        if se > 0:
            ses.append(se)
    if len(ses) < 5:
        return None
    logs = sorted(math.log(x) for x in ses)
    mid = len(logs) // 2
    median = logs[mid] if len(logs) % 2 else 0.5 * (logs[mid - 1] + logs[mid])
    mean = sum(logs) / len(logs)
    sd = math.sqrt(sum((x - mean) ** 2 for x in logs) / (len(logs) - 1))
    return math.exp(median), sd, len(ses)
