"""Column contracts of the tables passed between stages (see DESIGN.md): the one copy.

Every stage, the report and the tests import these lists; no module re-types them.
"""

CORPUS = ["paper_id", "title", "abstract", "arxiv_id", "doi", "year", "url", "source", "shard"]

EFFECTS = [
    "paper_id",
    "title",
    "effect_id",
    "span",
    "start",
    "end",
    "aspect",
    "metric",
    "benchmark",
    "baseline",
    "treatment",
    "delta",
    "unit",
    "scale",
    "qualifier",
    "direction",
    "lower_is_better",
    "hedge_local",
    "hedge_local_span",
    "attribution",
]

#: pandas dtypes of EFFECTS (every other column is "string"; metric, benchmark and qualifier
#: are "" rather than missing when the text names none)
EFFECTS_DTYPES = {
    **{c: "string" for c in EFFECTS},
    "start": "int64",
    "end": "int64",
    "baseline": "Float64",
    "treatment": "Float64",
    "delta": "Float64",
    "lower_is_better": "boolean",
}
EFFECTS_EMPTY_AS_BLANK = ("metric", "benchmark", "qualifier")

PAPERS = [
    "paper_id",
    "title",
    "source",
    "year",
    "n_effects",
    "hedge",
    "hedge_spans",
    "marginal_sense",
    # runs (seeds) the abstract says its results are averaged over, and the phrase (m of
    # DESIGN.md §4; NA: not stated, one run)
    "n_seeds",
    "n_seeds_span",
]

#: pandas dtypes of PAPERS
PAPERS_DTYPES = {
    **{c: "string" for c in PAPERS},
    "year": "Int64",
    "n_effects": "int64",
    "n_seeds": "Int64",
}

#: Columns standardize adds to EFFECTS (results/model/effects_standardized).
STANDARDIZED_ADDED = [
    "family",
    "y",
    "se",
    "se_reason",
    "se_kind",
    "se_unpaired",
    "n",
    "baseline_level",
    "metric_kind",
    "paper_hedge",
    "in_model",
    "exclusion_reason",
    "scale_note",
    "scale_used",
    "y_points",
    "se_points",
    "y_relative",
    "se_relative",
    "claim_id",
    # runs averaged (the paper's n_seeds; 1 when unstated): seed noise is sigma_run^2 / n_seeds
    "n_seeds",
]

#: results/model/effects_standardized.{parquet,csv}
STANDARDIZED = EFFECTS + STANDARDIZED_ADDED

#: results/model/summary.csv: one row per parameter (interval columns at interval_prob 0.9).
MODEL_SUMMARY = [
    "analysis",
    "family",
    "parameter",
    "mean",
    "sd",
    "eti_5",
    "eti_95",
    "r_hat",
    "ess_bulk",
    "ess_tail",
]

#: results/model/comparisons.csv: one row per comparison and analysis.
MODEL_COMPARISONS = [
    "analysis",
    "effect_id",
    "paper_id",
    "family",
    "y",
    "se",
    "theta_mean",
    "theta_lo",
    "theta_hi",
    "shrinkage",
    "p_positive",
    "p_meaningful",
    # the power stage's plausible true effect: theta's predictive with the paper left out
    # (family pp; DESIGN.md §5): mean, SD, the paper's Pareto k and how it was computed
    "theta_holdout_mean",
    "theta_holdout_sd",
    "holdout_k",
    "holdout",
]

#: results/model/hedge_classes.csv: one row per hedge class (and marginal - strong).
MODEL_HEDGE_CLASSES = [
    "analysis",
    "family",
    "hedge_class",
    "n_effects",
    "n_papers",
    "n_known_se",
    "mean",
    "sd",
    "eti_5",
    "eti_95",
    "p_marginal_lt_strong",
    "reference_class",
    "note",
]

#: results/model/checks.csv: predictive checks, contraction and power-scaling sensitivity of
#: each primary fit (marginalia.model.checks); columns a kind of check does not use are empty.
MODEL_CHECKS = [
    "family",
    "analysis",
    "check",
    "quantity",
    "observed",
    "mean",
    "lo",
    "hi",
    "p_value",
    "prior_sd",
    "posterior_sd",
    "contraction",
    "prior_sensitivity",
    "likelihood_sensitivity",
    "note",
]

#: results/model/loo.csv: one row per compared model.
MODEL_LOO = [
    "family",
    "model",
    "rank",
    "elpd",
    "se",
    "p",
    "elpd_diff",
    "dse",
    "weight",
    "n_high_pareto_k",
    "good_k",
    "note",
]

#: The power stage's flags (DESIGN.md §5), in display order; each also has a ``<flag>_total``
#: column (the same rule with se_total = sqrt(se² + sigma_run²) and mde_total):
#: ``underpowered`` power_plausible < power.underpowered_threshold; ``within_noise``
#: |y| < z_{1-alpha/2} se (not distinguishable from zero at alpha, which does not show that the
#: true effect is zero); ``below_mde`` |y| < mde (also True when no change within the metric's
#: range reaches the target power); ``exaggerated`` type_m > power.exaggeration_threshold.
#: ``power_reported`` (observed power) drives no flag.
POWER_FLAGS = ["underpowered", "within_noise", "below_mde", "exaggerated"]

#: results/power.{parquet,csv}: one row per comparison.
POWER = [
    "effect_id",
    "paper_id",
    "title",
    "span",
    "benchmark",
    "family",
    "metric_kind",
    "y",
    "n",
    "baseline",
    "se",
    "test",
    "agreement",
    "mde",
    "power_reported",
    "plausible_effect",
    "plausible_sd",
    "plausible_k",
    "plausible_method",
    "power_plausible",
    "type_s",
    "type_m",
    "sigma_run",
    "sigma_run_source",
    "n_seeds",
    "se_band_lo",
    "se_band_hi",
    "se_total",
    "false_positive_single_seed",
    "mde_total",
    "power_reported_total",
    "power_plausible_total",
    "type_s_total",
    "type_m_total",
    "assessed",
    *POWER_FLAGS,
    *[f"{f}_total" for f in POWER_FLAGS],
    "model_status",
    "flag_reason",
    "hedge_local",
    "paper_hedge",
]

#: results/model/sensitivity.csv: mu and the per-class estimates of the primary claim-level pp
#: fit and of each sensitivity fit (lo/hi: the interval at model.interval_prob)
MODEL_SENSITIVITY = [
    "sensitivity",
    "family",
    "analysis",
    "n_effects",
    "n_changed",
    "quantity",
    "n",
    "mean",
    "sd",
    "lo",
    "hi",
    "ok",
]

#: pandas dtypes of POWER: flags are nullable booleans (NA where a flag cannot be computed),
#: these columns are text, and every other column is a float
POWER_TEXT = [
    "effect_id",
    "paper_id",
    "title",
    "span",
    "benchmark",
    "family",
    "metric_kind",
    "test",
    "plausible_method",
    "sigma_run_source",
    "model_status",
    "flag_reason",
    "hedge_local",
    "paper_hedge",
]
POWER_DTYPES = {
    **{c: "float64" for c in POWER},
    **{c: "boolean" for c in POWER_FLAGS},
    **{f"{c}_total": "boolean" for c in POWER_FLAGS},
    "assessed": "bool",
    "n": "Int64",
    **{c: "string" for c in POWER_TEXT},
}

#: results/power_summary.csv.
POWER_SUMMARY = [
    "scope",
    "group",
    "flag",
    "noise",
    "count",
    "denominator",
    "share",
    "n_comparisons",
    "n_usable",
    "change_vs_sampling",
    "sigma_run",
    "sigma_run_source",
    "note",
]
