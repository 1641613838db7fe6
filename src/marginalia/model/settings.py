"""Settings of the model stage: the ``model`` config section (sampler, gate, retry, priors).

:class:`ModelSettings` parses and checks the section (defaults = the JSON schema's);
:class:`Thresholds` is the diagnostic gate and :class:`Retry` the one retry of a failed fit.
The model itself is described in docs/model.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from marginalia.config import schema_default, section_settings
from marginalia.errors import MarginaliaError
from marginalia.model.priors import FAMILIES, Priors, priors_as_dict, priors_for
from marginalia.model.sampling import SAMPLERS

__all__ = [
    "ADAPTATIONS",
    "ModelSettings",
    "Retry",
    "Thresholds",
    "interval_columns",
]

ADAPTATIONS = ("diag", "low_rank")


@dataclass(frozen=True)
class Thresholds:
    """Diagnostic gate: a fit passes only if all hold (Vehtari et al. 2021 for R-hat/ESS)."""

    max_divergences: int = schema_default("model", "thresholds", "max_divergences")
    max_rhat: float = schema_default("model", "thresholds", "max_rhat")
    min_ess_bulk_per_chain: float = schema_default("model", "thresholds", "min_ess_bulk_per_chain")
    min_ess_tail_per_chain: float = schema_default("model", "thresholds", "min_ess_tail_per_chain")
    min_bfmi: float = schema_default("model", "thresholds", "min_bfmi")


@dataclass(frozen=True)
class Retry:
    """One retry of a fit that fails the gate: longer tuning, smaller steps."""

    enabled: bool = schema_default("model", "retry", "enabled")
    tune_factor: float = schema_default("model", "retry", "tune_factor")
    target_accept: float = schema_default("model", "retry", "target_accept")
    adaptation: str = schema_default("model", "retry", "adaptation")


@dataclass(frozen=True)
class ModelSettings:
    """The ``model`` config section; defaults are read from its JSON schema (the one copy)."""

    sampler: str = schema_default("model", "sampler")
    draws: int = schema_default("model", "draws")
    tune: int = schema_default("model", "tune")
    chains: int = schema_default("model", "chains")
    target_accept: float = schema_default("model", "target_accept")
    adaptation: str = schema_default("model", "adaptation")
    seed: int = schema_default("model", "seed")
    rope: float = schema_default("model", "rope")
    rope_log_ratio: float = schema_default("model", "rope_log_ratio")
    interval_prob: float = schema_default("model", "interval_prob")
    min_effects_log_ratio: int = schema_default("model", "min_effects_log_ratio")
    compare_models: bool = schema_default("model", "compare_models")
    holdout_draws: int = schema_default("model", "holdout_draws")
    holdout_refit_max: int = schema_default("model", "holdout_refit_max")
    max_recovered_values: int = schema_default("model", "max_recovered_values")
    loo_subsample: int = schema_default("model", "loo_subsample")
    explicit_benchmarks_above: int = schema_default("model", "explicit_benchmarks_above")
    sigma_unknown_prior: str = schema_default("model", "sigma_unknown_prior")
    thresholds: Thresholds = field(default_factory=Thresholds)
    retry: Retry = field(default_factory=Retry)
    priors: Mapping[str, Priors] = field(
        default_factory=lambda: {fam: priors_for(fam) for fam in FAMILIES}
    )

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> ModelSettings:
        """Settings from the ``model`` section (a whole config with a ``model`` key also works)."""
        cfg = dict(config or {})
        if isinstance(cfg.get("model"), Mapping):
            cfg = dict(cfg["model"])
        section_settings("model", cfg)  # types, ranges and keys, from the schema
        simple = {f.name for f in fields(cls)} - {"thresholds", "retry", "priors"}
        kwargs: dict[str, Any] = {k: cfg[k] for k in simple if k in cfg}
        kwargs["thresholds"] = _sub_dataclass(Thresholds, cfg.get("thresholds"), "thresholds")
        kwargs["retry"] = _sub_dataclass(Retry, cfg.get("retry"), "retry")
        prior_cfg = dict(cfg.get("priors") or {})
        bad = sorted(set(prior_cfg) - set(FAMILIES))
        if bad:
            raise MarginaliaError(
                f"config key model.priors: unknown family {', '.join(bad)}; "
                f"use {', '.join(FAMILIES)}"
            )
        kwargs["priors"] = {fam: priors_for(fam, prior_cfg.get(fam)) for fam in FAMILIES}
        settings = cls(**kwargs)
        settings.validate()
        return settings

    def validate(self) -> None:
        def fail(key: str, what: str) -> None:
            raise MarginaliaError(f"config key model.{key}: {what}")

        if self.sampler not in SAMPLERS:
            fail("sampler", f"{self.sampler!r} is not one of {', '.join(SAMPLERS)}")
        for key in ("draws", "tune", "chains"):
            value = getattr(self, key)
            if not isinstance(value, int | np.integer) or value < 1:
                fail(key, f"give an integer >= 1 (got {value!r})")
        if not 0 < self.target_accept < 1:
            fail("target_accept", f"must be in (0, 1) (got {self.target_accept})")
        if not 0 < self.interval_prob < 1:
            fail("interval_prob", f"must be in (0, 1) (got {self.interval_prob})")
        if not 0 < self.retry.target_accept < 1:
            fail("retry.target_accept", f"must be in (0, 1) (got {self.retry.target_accept})")
        for key, value in (
            ("adaptation", self.adaptation),
            ("retry.adaptation", self.retry.adaptation),
        ):
            if value not in ADAPTATIONS:
                fail(key, f"{value!r} is not one of {', '.join(ADAPTATIONS)}")
        if self.retry.tune_factor < 1:
            fail("retry.tune_factor", f"must be >= 1 (got {self.retry.tune_factor})")
        if self.min_effects_log_ratio < 1:
            fail("min_effects_log_ratio", "must be >= 1")
        if self.sigma_unknown_prior not in ("registry", "config"):
            fail("sigma_unknown_prior", f"{self.sigma_unknown_prior!r} is not registry or config")

    def rope_for(self, family: str) -> float:
        return self.rope if family == "pp" else self.rope_log_ratio

    def as_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["thresholds"] = {f.name: getattr(self.thresholds, f.name) for f in fields(Thresholds)}
        out["retry"] = {f.name: getattr(self.retry, f.name) for f in fields(Retry)}
        out["priors"] = {fam: priors_as_dict(p) for fam, p in self.priors.items()}
        return out


def _sub_dataclass(cls: type, value: Any, key: str) -> Any:
    value = dict(value or {})
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(value) - known)
    if unknown:
        raise MarginaliaError(
            f"config key model.{key}: unknown setting(s) {', '.join(unknown)}; "
            f"known: {', '.join(sorted(known))}"
        )
    return cls(**value)


def interval_columns(prob: float) -> tuple[str, str]:
    """Names of the lower/upper equal-tailed interval columns: eti_5/eti_95 at prob 0.9."""
    lo = 100 * (1 - prob) / 2
    return f"eti_{lo:g}", f"eti_{100 - lo:g}"
