"""One gated fit of a model to one family's effects: :func:`fit_hierarchical`.

Builds the model (:mod:`marginalia.model.likelihood`), samples it through the diagnostic gate
(:mod:`marginalia.model.diagnostics`) and records what the data leave to the priors. The model
is described in docs/model.md.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import xarray as xr

from marginalia.errors import MarginaliaError
from marginalia.model.data import NO_EFFECTS, ModelData, prepare_data
from marginalia.model.diagnostics import sample_gated
from marginalia.model.likelihood import HIERARCHICAL_KINDS, MODEL_BUILDERS
from marginalia.model.recovery import class_means, pointwise_only, posterior_draws, recovery
from marginalia.model.settings import ModelSettings

log = logging.getLogger(__name__)

__all__ = [
    "FEW_EFFECTS",
    "HierarchicalFit",
    "fit_data",
    "fit_hierarchical",
    "for_analysis",
    "with_upto_in_theta",
]

FEW_EFFECTS = 10


class Progress:
    """Fit-by-fit progress of the model stage: "model fit 3 of ~15 (...): 21 s so far, about
    84 s left" in the log and on the terminal (the stage sets the planned number of fits)."""

    def __init__(self) -> None:
        self.planned = 0
        self.done = 0
        self.started = time.perf_counter()

    def start(self, planned: int) -> None:
        self.planned, self.done, self.started = planned, 0, time.perf_counter()

    def fitting(self, name: str, n_effects: int) -> None:
        elapsed = time.perf_counter() - self.started
        if not self.planned:
            log.info("fitting %s: %d effects", name, n_effects)
            return
        self.done += 1
        left = ""
        if self.done > 1:
            per_fit = elapsed / (self.done - 1)
            left = f", about {max(self.planned - self.done + 1, 0) * per_fit:.0f} s left"
        log.info(
            "model fit %d of ~%d (%s, %d effects): %.0f s so far%s",
            self.done,
            self.planned,
            name,
            n_effects,
            elapsed,
            left,
        )


#: the model stage's progress (run_model sets the planned number of fits)
PROGRESS = Progress()


@dataclass
class HierarchicalFit:
    """One gated fit: the DataTree, its data and its diagnostics (``ok``, reasons, attempts)."""

    name: str
    model: str
    data: ModelData
    idata: xr.DataTree
    diagnostics: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.diagnostics["ok"])


def _data_notes(data: ModelData) -> list[str]:
    notes = []
    if data.n_effects < FEW_EFFECTS:
        notes.append(f"only {data.n_effects} effect(s): the posterior mostly reflects the priors")
    empty = [c for c, n in data.class_counts.items() if n == 0]
    if empty:
        notes.append(f"no effects in hedge class(es) {', '.join(empty)}: not estimated")
    if data.reference != "none":
        notes.append(f"reference hedge class is {data.reference!r} (no 'none' effects)")
    if not data.upto.any():
        notes.append("no 'up to' effects: beta_upto is its prior")
    if data.se_known.all():
        notes.append("every se is known: sigma_unknown is its prior")
    return notes


def fit_hierarchical(
    effects_df: pd.DataFrame,
    config: Mapping[str, Any] | None = None,
    *,
    family: str = "pp",
    analysis: str = "claim",
    cores: int | None = None,
) -> HierarchicalFit:
    """Fit the hierarchical model of DESIGN.md §4 to ``family``'s effects, for ``analysis``.

    ``effects_df`` is the standardized effects table; ``config`` the ``model`` config section
    (defaults for missing keys). The fit goes through the diagnostic gate (one retry); check
    ``fit.ok`` and ``fit.diagnostics["reasons"]``. Raises MarginaliaError when there are no
    effects to model.
    """
    settings = ModelSettings.from_config(config)
    data = prepare_data(effects_df, family, analysis)
    if data.n_effects == 0:
        raise MarginaliaError(
            f"{NO_EFFECTS}: no effects of family {family!r} with in_model true in the "
            "standardized effects table"
        )
    return fit_data(data, "hierarchical", settings, cores=cores)


def kept_draws_per_chain(settings: ModelSettings) -> int:
    """The fewest posterior draws per chain a thinned recovery keeps: twice the per-chain ESS
    the gate asks of every recovered array (with fewer it could not pass, whatever the
    sampler did; 25 draws per chain at 200,000 comparisons failed R-hat and ESS on theta)."""
    t = settings.thresholds
    return 2 * math.ceil(max(t.min_ess_bulk_per_chain, t.min_ess_tail_per_chain))


def fit_data(
    data: ModelData,
    kind: str,
    settings: ModelSettings,
    *,
    cores: int | None,
    label: str | None = None,
) -> HierarchicalFit:
    """Fit model ``kind`` (a key of ``MODEL_BUILDERS``) to ``data`` through the gate.

    ``label`` names the fit in the progress lines and the gate's log (default: the fit's name).
    """
    name = f"{data.family}_{data.analysis}" if kind == "hierarchical" else f"{data.family}_{kind}"
    priors = settings.priors[data.family]
    model = MODEL_BUILDERS[kind](data, priors, explicit_above=settings.explicit_benchmarks_above)
    PROGRESS.fitting(f"{label or name}, {kind}", data.n_effects)
    idata, diag = sample_gated(
        model,
        settings,
        label=label or name,
        cores=cores,
        recover=recovery(
            data,
            kind,
            priors,
            settings.max_recovered_values,
            min_draws=kept_draws_per_chain(settings),
        )
        or pointwise_only(
            model,
            data.n_effects,
            settings.max_recovered_values,
            min_draws=kept_draws_per_chain(settings),
        ),
    )
    diag = {
        "name": name,
        "model": kind,
        "family": data.family,
        "analysis": data.analysis if kind in HIERARCHICAL_KINDS else "",
        "n_effects": data.n_effects,
        "n_papers": len(data.papers),
        "n_benchmarks": len(data.benches),
        "explicit_benches": "v_bench_shared" in model.named_vars,
        "notes": _data_notes(data) if kind in HIERARCHICAL_KINDS else [],
        **diag,
    }
    if kind in HIERARCHICAL_KINDS:
        diag["reference_class"] = data.reference
        diag["hedge_classes"] = list(data.hedges)
    return HierarchicalFit(name=name, model=kind, data=data, idata=idata, diagnostics=diag)


#: posterior attr of a fit that reuses another fit's draws (:func:`for_analysis`): its name
DRAWS_OF = "marginalia_draws_of"


def for_analysis(fit: HierarchicalFit, data: ModelData) -> HierarchicalFit:
    """The fit of another analysis of the same effects, without sampling again.

    The hedge class is not in the primary model (DESIGN.md §4), so the claim- and paper-level
    fits of a family have the same likelihood and the same posterior; only the classes over
    which ``theta`` is averaged differ. This reuses ``fit``'s draws (same effects, same order)
    and recomputes ``class_mean`` for ``data``'s classes.
    """
    if fit.model != "hierarchical" or data.effect_ids != fit.data.effect_ids:
        raise MarginaliaError("for_analysis: needs a primary fit of the same effects")
    post = fit.idata.posterior.to_dataset()
    theta = posterior_draws(fit.idata, "theta")
    shape = (int(post.sizes["chain"]), int(post.sizes["draw"]))
    means = class_means(theta, data).reshape(*shape, -1)
    post = post.drop_vars("class_mean").drop_dims("hedge", errors="ignore")
    post = post.assign(
        class_mean=xr.DataArray(means, dims=("chain", "draw", "hedge")).assign_coords(
            hedge=list(data.hedges)
        )
    )
    post.attrs[DRAWS_OF] = fit.name
    idata = fit.idata.copy()
    idata["posterior"] = xr.DataTree(post)
    if "constant_data" in idata.children:  # the record of the classes is this analysis's
        const = idata.constant_data.to_dataset()
        if "hedge_idx" in const:
            const = const.assign(hedge_idx=(const["hedge_idx"].dims, data.hedge_idx))
        idata["constant_data"] = xr.DataTree(const)
    name = f"{data.family}_{data.analysis}"
    diag = dict(fit.diagnostics)
    diag.update(
        name=name,
        analysis=data.analysis,
        notes=_data_notes(data),
        reference_class=data.reference,
        hedge_classes=list(data.hedges),
        reused_from=fit.name,
    )
    return HierarchicalFit(name=name, model=fit.model, data=data, idata=idata, diagnostics=diag)


def with_upto_in_theta(fit: HierarchicalFit) -> HierarchicalFit:
    """The sensitivity reading of "up to" as part of the true effect (DESIGN.md §4).

    The likelihood is the same whether ``beta_upto`` shifts ``y`` or ``theta`` (``y``'s mean is
    ``mu + beta_upto [up to] + ...`` either way); only what counts as true improvement
    differs. So no refit: ``theta + beta_upto [up to]`` per draw, and the class means of that.
    """
    post = fit.idata.posterior.to_dataset()
    shape = (int(post.sizes["chain"]), int(post.sizes["draw"]))
    theta = posterior_draws(fit.idata, "theta")
    upto = posterior_draws(fit.idata, "beta_upto")[:, None] * fit.data.upto[None, :]
    theta = theta + upto
    means = class_means(theta, fit.data).reshape(*shape, -1)
    post = post.assign(
        theta=(post["theta"].dims, theta.reshape(*shape, -1)),
        class_mean=(post["class_mean"].dims, means),
    )
    idata = fit.idata.copy()
    idata["posterior"] = xr.DataTree(post)
    return HierarchicalFit(
        name=f"{fit.name}_upto_in_theta",
        model=fit.model,
        data=fit.data,
        idata=idata,
        diagnostics=dict(fit.diagnostics),
    )
