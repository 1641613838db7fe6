"""Sampling helpers shared by the models: one call from a ``pm.Model`` to an ArviZ DataTree.

:func:`sample` runs NUTS with nutpie (default; the model is compiled to numba) or with PyMC's own
NUTS, and always returns an ``xarray.DataTree`` holding ``posterior``, ``sample_stats``,
``observed_data``/``constant_data`` and the pointwise ``log_likelihood`` of every observed
variable (computed after sampling with ``pm.compute_log_likelihood``), ready for PSIS-LOO.
The posterior group's attrs record the sampler, the seed and the compile and sampling seconds.

Compiling a model for nutpie takes seconds (numba), sampling a small model milliseconds: to fit
the same model several times (tests, simulation studies), call :func:`compile_model` once and
pass the result as ``compiled=``.

For the hierarchical model (diagnostics.py): ``sample(model, sampler=..., draws=..., tune=...,
chains=..., seed=..., target_accept=...)`` is the whole sampling step; :func:`divergences`
counts the divergent transitions of the result.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict
from typing import Any, Literal

import numpy as np
import pymc as pm
import pytensor
import xarray as xr

from marginalia.errors import MarginaliaError

# Reproducible draws: with numba's fastmath (PyTensor's default) the code compiled on a cold
# cache and the code loaded from the cache round differently in the last bit, and NUTS turns
# that into other draws; the same seed then gave other posteriors on a fresh clone than on a
# warm one (the flaky tests of issue 12). Without fastmath both are the same IEEE arithmetic.
pytensor.config.numba__fastmath = False

Sampler = Literal["nutpie", "pymc"]
SAMPLERS = ("nutpie", "pymc")


#: compiled nutpie models of this process by structure digest (``model.marginalia_signature``)
_COMPILED: OrderedDict[str, Any] = OrderedDict()
COMPILE_CACHE_SIZE = 8


def compile_model(model: pm.Model, sampler: Sampler = "nutpie") -> Any:
    """Compile ``model`` for ``sampler`` ahead of time; returns None for PyMC's own NUTS.

    For nutpie this is ``nutpie.compile_pymc_model(model, backend="numba")``; the compiled
    object can be passed to :func:`sample` any number of times. A model that carries a
    ``marginalia_signature`` (:func:`marginalia.model.likelihood.structure_signature`: the
    digest of every constant in its graph) reuses the compiled model of an earlier model with
    the same digest, with this model's ``pm.Data`` values (nutpie's ``with_data``): the claim
    fit and its sensitivity fits of the same comparisons compile once.
    """
    _check_sampler(sampler)
    if sampler != "nutpie":
        return None
    import nutpie

    key = getattr(model, "marginalia_signature", None)
    if key is not None and key in _COMPILED:
        _COMPILED.move_to_end(key)
        compiled = _COMPILED[key]
        used = {var.name for var in compiled.shared_var_keys}  # data the graph reads
        values = {var.name: var.get_value() for var in model.data_vars if var.name in used}
        return compiled.with_data(**values)
    compiled = nutpie.compile_pymc_model(model, backend="numba")
    if key is not None:
        _COMPILED[key] = compiled
        while len(_COMPILED) > COMPILE_CACHE_SIZE:
            _COMPILED.popitem(last=False)
    return compiled


def sample(
    model: pm.Model,
    *,
    sampler: Sampler = "nutpie",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = 0,
    target_accept: float = 0.8,
    cores: int | None = None,
    compiled: Any = None,
    log_likelihood: bool = True,
    adaptation: str = "diag",
) -> xr.DataTree:
    """Draw posterior samples of ``model`` and return them as an ArviZ DataTree.

    ``cores`` defaults to ``min(chains, os.cpu_count())``; PyMC's sampler runs chains in
    forked processes when ``cores > 1``, so in a process that already ran nutpie (which starts
    threads) pass ``cores=1`` with ``sampler="pymc"``. ``compiled`` is the result of
    :func:`compile_model` for the same model and sampler (nutpie only); without it the model is
    compiled here. With ``log_likelihood`` (default) the ``log_likelihood`` group is added.
    ``adaptation`` is nutpie's mass-matrix adaptation ("diag", or "low_rank" for correlated
    posteriors; ignored by PyMC). Progress bars are off. The posterior attrs gain ``sampler``,
    ``seed``, ``target_accept``, ``compile_seconds`` and ``sampling_seconds``.
    """
    _check_sampler(sampler)
    for name, value, low in (("draws", draws, 1), ("tune", tune, 1), ("chains", chains, 1)):
        if not isinstance(value, int | np.integer) or value < low:
            raise MarginaliaError(f"sampler setting {name}={value!r}: give an integer >= {low}")
    if not 0.0 < float(target_accept) < 1.0:
        raise MarginaliaError(f"sampler setting target_accept={target_accept!r}: must be in (0, 1)")
    if cores is None:
        cores = max(1, min(int(chains), os.cpu_count() or 1))

    compile_seconds = 0.0
    if sampler == "nutpie":
        import nutpie
        from pymc.backends.arviz import patch_nutpie_idata

        if compiled is None:
            t0 = time.perf_counter()
            compiled = compile_model(model, "nutpie")
            compile_seconds = time.perf_counter() - t0
        t0 = time.perf_counter()
        idata = nutpie.sample(
            compiled,
            draws=int(draws),
            tune=int(tune),
            chains=int(chains),
            cores=int(cores),
            seed=int(seed),
            save_warmup=False,
            progress_bar=False,
            target_accept=float(target_accept),
            adaptation=adaptation,
        )
        sampling_seconds = time.perf_counter() - t0
        # nutpie leaves out observed_data/constant_data; PyMC's own helper adds them.
        patch_nutpie_idata(idata, model, sampling_time=sampling_seconds)
    else:
        t0 = time.perf_counter()
        idata = pm.sample(
            draws=int(draws),
            tune=int(tune),
            chains=int(chains),
            cores=int(cores),
            random_seed=int(seed),
            nuts_sampler="pymc",
            progressbar=False,
            compute_convergence_checks=False,
            nuts={"target_accept": float(target_accept)},
            model=model,
        )
        sampling_seconds = time.perf_counter() - t0

    if log_likelihood and model.observed_RVs:
        idata = pm.compute_log_likelihood(
            idata, model=model, extend_inferencedata=True, progressbar=False
        )
    idata.posterior.attrs.update(
        {
            "sampler": sampler,
            "seed": int(seed),
            "target_accept": float(target_accept),
            "compile_seconds": float(compile_seconds),
            "sampling_seconds": float(sampling_seconds),
        }
    )
    return idata


def divergences(idata: xr.DataTree) -> int:
    """Number of divergent transitions after tuning (0 when the sampler reports none)."""
    stats = idata.get("sample_stats")
    if stats is None or "diverging" not in stats:
        return 0
    return int(np.asarray(stats["diverging"].values).sum())


def _check_sampler(sampler: str) -> None:
    if sampler not in SAMPLERS:
        raise MarginaliaError(
            f"sampler {sampler!r} is not supported; choose one of {', '.join(SAMPLERS)}"
        )
