"""Stage 4 as a whole: :func:`run_model` fits every model and builds the outputs.

For each family with enough effects: the claim- and paper-level hierarchical fits and the two
comparison models, their tables and diagnostics (:class:`ModelResult`), written by
:func:`write_outputs` (posterior.nc as one DataTree, see :func:`posterior_tree`). The model and
the reasons for its design: docs/model.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd
import xarray as xr

from marginalia.columns import (
    MODEL_CHECKS,
    MODEL_COMPARISONS,
    MODEL_HEDGE_CLASSES,
    MODEL_LOO,
    MODEL_SENSITIVITY,
    MODEL_SUMMARY,
)
from marginalia.errors import MarginaliaError
from marginalia.model.checks import model_checks
from marginalia.model.data import ANALYSES, NO_EFFECTS, check_columns, prepare_data, select_effects
from marginalia.model.fitting import DRAWS_OF, PROGRESS, fit_data, for_analysis
from marginalia.model.holdout import Holdout, holdout_table_columns, leave_paper_out
from marginalia.model.priors import FAMILIES, prior_table, registry_sigma_unknown
from marginalia.model.sensitivity import fit_sensitivities
from marginalia.model.settings import ModelSettings, interval_columns
from marginalia.model.tables import (
    comparisons_table,
    hedge_classes_table,
    loo_name,
    loo_table,
    summary_table,
)
from marginalia.tables import atomic_write_file, write_csv, write_json

__all__ = [
    "CHOICES",
    "OUTPUT_KEYS",
    "POSTERIOR_LAYOUT",
    "ModelResult",
    "posterior_tree",
    "run_model",
    "with_registry_prior",
    "write_outputs",
]

OUTPUT_KEYS = (
    "posterior",
    "summary",
    "hedge_classes",
    "comparisons",
    "loo",
    "sensitivity",
    "checks",
    "diagnostics",
    "holdout",
)


@dataclass
class ModelResult:
    """Everything fit_model writes: the fits' DataTrees and the tables."""

    trees: dict[str, xr.DataTree]
    summary: pd.DataFrame
    hedge_classes: pd.DataFrame
    comparisons: pd.DataFrame
    loo: pd.DataFrame
    diagnostics: dict[str, Any]
    priors: pd.DataFrame
    comparison_trees: dict[str, xr.DataTree] = field(default_factory=dict)
    sensitivity: pd.DataFrame = field(default_factory=lambda: _empty(MODEL_SENSITIVITY))
    checks: pd.DataFrame = field(default_factory=lambda: _empty(MODEL_CHECKS))
    holdout: Holdout | None = None

    @property
    def ok(self) -> bool:
        return bool(self.diagnostics["ok"])


def _planned_fits(std_df: pd.DataFrame, settings: ModelSettings) -> int:
    """About how many fits run_model makes (for the progress line): per modelled family the
    primary fit and two comparison models, and for pp up to eight sensitivity fits."""
    total = 0
    for family in FAMILIES:
        n = len(select_effects(std_df, family))
        if n == 0 or (family == "log_ratio" and n < settings.min_effects_log_ratio):
            continue
        total += 1 + (2 if settings.compare_models else 0) + (8 if family == "pp" else 0)
    return total


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})


def run_model(
    std_df: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    *,
    cores: int | None = None,
    registry: Any = None,
) -> ModelResult:
    """Fit every model of stage 4 to the standardized effects and build the output tables.

    Family ``pp`` always (when it has effects), ``log_ratio`` when it has at least
    ``min_effects_log_ratio`` effects; for each, the claim- and paper-level hierarchical fits
    and (``compare_models``) complete and no pooling, compared by PSIS-LOO.
    """
    t_start = time.perf_counter()
    settings, prior_note = with_registry_prior(ModelSettings.from_config(config), registry)
    check_columns(std_df)
    lo, hi = interval_columns(settings.interval_prob)
    trees: dict[str, xr.DataTree] = {}
    comparison_trees: dict[str, xr.DataTree] = {}
    summaries, hedges, comparisons, loos, checks = [], [], [], [], []
    fit_diags: list[dict[str, Any]] = []
    sensitivity = _empty(MODEL_SENSITIVITY)
    holdout, holdout_record = None, {}
    families: dict[str, dict[str, Any]] = {}
    reasons: list[str] = []

    PROGRESS.start(_planned_fits(std_df, settings))
    for family in FAMILIES:
        n = len(select_effects(std_df, family))
        families[family] = {"n_effects": n, "modelled": False, "note": ""}
        if n == 0:
            families[family]["note"] = NO_EFFECTS
            continue
        if family == "log_ratio" and n < settings.min_effects_log_ratio:
            families[family]["note"] = (
                f"{n} effect(s) < min_effects_log_ratio = {settings.min_effects_log_ratio}: "
                "not modelled"
            )
            continue
        families[family]["modelled"] = True
        loo_fits: dict[str, xr.DataTree] = {}
        claim_fit = None
        for analysis in ANALYSES:
            data = prepare_data(std_df, family, analysis)
            if claim_fit is None:
                fit = claim_fit = fit_data(data, "hierarchical", settings, cores=cores)
                checks.append(
                    model_checks(
                        fit.idata,
                        data,
                        settings.priors[family],
                        prob=settings.interval_prob,
                        seed=settings.seed,
                    )
                )
            else:  # same likelihood (the hedge is not in the model): reuse the draws
                fit = for_analysis(claim_fit, data)
            trees[fit.name] = fit.idata
            loo_fits[f"hierarchical_{analysis}"] = fit.idata
            fit_diags.append(fit.diagnostics)
            summaries.append(summary_table(fit, settings.interval_prob))
            hedges.append(hedge_classes_table(fit, settings.interval_prob))
            if family == "pp" and holdout is None:
                holdout, holdout_record = leave_paper_out(fit, std_df, settings, cores=cores)
            table = comparisons_table(fit, settings)
            if family == "pp" and holdout is not None:
                table = table.assign(**holdout_table_columns(holdout))
            comparisons.append(table)
            if family == "pp" and analysis == "claim":
                sensitivity, extra = fit_sensitivities(std_df, fit, settings, cores=cores)
                fit_diags.extend(extra)
        if settings.compare_models:
            data = prepare_data(std_df, family, "claim")
            for kind in ("complete_pooling", "no_pooling"):
                fit = fit_data(data, kind, settings, cores=cores)
                comparison_trees[fit.name] = fit.idata
                loo_fits[kind] = fit.idata
                fit_diags.append(fit.diagnostics)
        gate = {
            loo_name(d): d["ok"]
            for d in fit_diags
            if d["family"] == family and not d["name"].startswith("sensitivity_")
        }
        loos.append(loo_table(family, loo_fits, gate, settings.loo_subsample))

    warnings_: list[str] = []
    for d in fit_diags:
        if not d["ok"]:
            # The primary hierarchical fits carry the inference: their failure fails the run.
            # Comparison models (PSIS-LOO) and sensitivity fits only qualify it: their failure
            # is a warning, flagged in loo.csv and sensitivity.csv (column ok).
            primary = d["model"] == "hierarchical" and not d["name"].startswith("sensitivity_")
            (reasons if primary else warnings_).extend(d["reasons"])
    if families["pp"]["n_effects"] == 0:
        reasons.insert(
            0, f"{NO_EFFECTS}: the standardized table has no pp effects with in_model true"
        )
    notes = [f"{d['name']}: {note}" for d in fit_diags for note in d.get("notes", [])]
    if prior_note:
        notes.insert(0, prior_note)
    notes += [f"{fam}: {info['note']}" for fam, info in families.items() if info["note"]]
    prior_tables = pd.concat(
        [prior_table(settings.priors[fam], fam) for fam in FAMILIES], ignore_index=True
    )
    diagnostics = {
        "ok": not reasons,
        "reasons": reasons,
        "status": "fitted" if fit_diags else NO_EFFECTS,
        "sampler": settings.sampler,
        "seconds": round(time.perf_counter() - t_start, 3),
        "families": families,
        "fits": fit_diags,
        "warnings": warnings_,
        "notes": notes,
        "settings": settings.as_dict(),
        "priors": prior_tables.to_dict(orient="records"),
        "interval": {"kind": "eti", "prob": settings.interval_prob},
        "holdout": holdout_record,
        "posterior_layout": POSTERIOR_LAYOUT,
        "choices": CHOICES,
    }
    summary = (
        pd.concat(summaries, ignore_index=True)
        if summaries
        else _empty([*MODEL_SUMMARY[:5], lo, hi, *MODEL_SUMMARY[7:]])
    )
    return ModelResult(
        trees=trees,
        comparison_trees=comparison_trees,
        summary=summary,
        hedge_classes=pd.concat(hedges, ignore_index=True)
        if hedges
        else _empty([*MODEL_HEDGE_CLASSES[:8], lo, hi, *MODEL_HEDGE_CLASSES[10:]]),
        comparisons=pd.concat(comparisons, ignore_index=True).reindex(columns=MODEL_COMPARISONS)
        if comparisons
        else _empty(MODEL_COMPARISONS),
        loo=pd.concat(loos, ignore_index=True) if loos else _empty(MODEL_LOO),
        diagnostics=diagnostics,
        priors=prior_tables,
        sensitivity=sensitivity,
        checks=pd.concat(checks, ignore_index=True) if checks else _empty(MODEL_CHECKS),
        holdout=holdout,
    )


def with_registry_prior(settings: ModelSettings, registry: Any) -> tuple[ModelSettings, str]:
    """``settings`` with the pp ``sigma_unknown`` prior taken from the registry's test-set sizes
    (``model.sigma_unknown_prior: registry`` and a registry given), and a note saying so."""
    if settings.sigma_unknown_prior != "registry" or registry is None:
        return settings, ""
    derived = registry_sigma_unknown(registry)
    if derived is None:
        return settings, ""
    median, log_sd, n_bench = derived
    priors = dict(settings.priors)
    priors["pp"] = replace(priors["pp"], sigma_unknown_median=median, sigma_unknown_log_sd=log_sd)
    note = (
        f"pp sigma_unknown prior from the registry: LogNormal(log {median:.3g}, {log_sd:.3g}), "
        f"the paired SEs of {n_bench} proportion benchmarks at their test-set sizes"
    )
    return replace(settings, priors=priors), note


POSTERIOR_LAYOUT = (
    "posterior.nc root = family pp, claim-level hierarchical fit (groups posterior, "
    "sample_stats, log_likelihood, observed_data, constant_data); each other hierarchical fit "
    "is a child node <family>_<analysis> (pp_paper, log_ratio_claim, log_ratio_paper) with the "
    "same groups; a paper-level node, which reuses its family's claim-level draws, holds only "
    "its class_mean and constant_data, and its attr marginalia_draws_of names the fit whose "
    "draws (theta, u_paper, the population parameters, log_likelihood) it shares"
)
CHOICES = {
    "estimand": (
        "the hedge class is not in theta's prior mean (authors choose the size word after seeing "
        "y); class_mean[c] is, per draw, the mean of theta over the class's comparisons (paper "
        "level: over its papers, each paper's mean). Valid when the hedge depends on theta only "
        "through the reported y; the hedge-in-the-mean fit (sensitivity.csv) is the opposite "
        "bound"
    ),
    "up_to": "'up to' is a maximum over noisy results: beta_upto shifts y's mean, not theta",
    "random_effects": (
        "paper, benchmark and single-comparison terms (tau_paper, tau_bench, tau_effect: a total "
        "SD with Dirichlet shares) are integrated out analytically for sampling (no funnel); "
        "u_paper, v_bench and theta are then drawn exactly from their conditional posterior for "
        "every posterior draw; above model.explicit_benchmarks_above shared benchmarks, and in "
        "the selection fits, the shared benchmarks' effects are sampled by NUTS instead (papers "
        "still integrated out): the same model"
    ),
    "unnamed_benchmark": (
        "an effect with an empty benchmark is on a benchmark of its own, level "
        "unnamed@<effect_id> (one more draw from the population of benchmarks; two unnamed "
        "comparisons of a paper are not assumed to share a benchmark)"
    ),
    "empty_classes": "hedge classes without effects are not estimated (listed with n_effects 0)",
    "loo": (
        "PSIS-LOO with each effect's own terms (a theta_k of its own; a paper or benchmark "
        "effect no other comparison shares) integrated out of its pointwise likelihood: the same "
        "log p(y_k | y_-k), with stable importance weights"
    ),
    "shrinkage": (
        "posterior mean of s^2 / (s^2 + tau_total^2), s^2 = se^2 (or sigma_unknown^2) + "
        "sigma_run^2, tau_total^2 = tau_paper^2 + tau_bench^2 + tau_effect^2"
    ),
}


def _node(tree: xr.DataTree, names: list[str]) -> xr.DataTree:
    """A child node of posterior.nc. A fit that reuses the draws of another fit in the file (the
    paper level of a family, :func:`marginalia.model.fitting.for_analysis`) keeps only what
    differs, its ``class_mean`` and ``constant_data``, and names the fit whose draws it uses:
    repeating them doubled the file (570 MB at 9,864 comparisons)."""
    post = tree["posterior"].to_dataset() if "posterior" in tree.children else None
    source = post.attrs.get(DRAWS_OF) if post is not None else None
    if source not in names:
        return tree.copy()
    slim = xr.DataTree()
    slim["posterior"] = xr.DataTree(post[["class_mean"]])
    if "constant_data" in tree.children:
        slim["constant_data"] = tree["constant_data"].copy()
    slim.attrs.update(tree.attrs)
    slim.attrs[DRAWS_OF] = source
    return slim


def posterior_tree(result: ModelResult) -> xr.DataTree:
    """One DataTree of all hierarchical fits (layout: :data:`POSTERIOR_LAYOUT`)."""
    names = list(result.trees)
    primary = "pp_claim" if "pp_claim" in result.trees else None
    root = result.trees[primary].copy() if primary is not None else xr.DataTree()
    for name in names:
        if name != primary:
            root[name] = _node(result.trees[name], names)
    root.attrs.update(
        {
            "marginalia_layout": POSTERIOR_LAYOUT,
            "marginalia_root_fit": primary or "",
            "marginalia_fits": ",".join(names),
            "marginalia_status": "fitted" if names else NO_EFFECTS,
            "marginalia_ok": int(result.ok),
        }
    )
    return root


def write_outputs(result: ModelResult, paths: Mapping[str, str | os.PathLike]) -> None:
    """Write posterior.nc, summary.csv, hedge_classes.csv, comparisons.csv, loo.csv,
    sensitivity.csv, checks.csv, diagnostics.json and holdout.nc to ``paths[key]`` for key in
    :data:`OUTPUT_KEYS` (each atomically)."""
    missing = [k for k in OUTPUT_KEYS if k not in paths]
    if missing:
        raise MarginaliaError(f"write_outputs: no path for {', '.join(missing)}")
    tree = posterior_tree(result)
    atomic_write_file(paths["posterior"], tree.to_netcdf)
    write_csv(result.summary, paths["summary"])
    write_csv(result.hedge_classes, paths["hedge_classes"])
    write_csv(result.comparisons, paths["comparisons"])
    write_csv(result.loo, paths["loo"])
    write_csv(result.sensitivity, paths["sensitivity"])
    write_csv(result.checks, paths["checks"])
    write_json(paths["diagnostics"], result.diagnostics)
    holdout = (
        result.holdout.to_dataset()
        if result.holdout is not None
        else xr.Dataset(attrs={"status": "no pp fit: nothing to hold out"})
    )
    atomic_write_file(paths["holdout"], holdout.to_netcdf)
