"""Stage 4: Bayesian models of the true size of reported improvements (docs/model.md).

Public functions (imported lazily so that `import marginalia.model` stays cheap):
- random_effects(y, se, labels=None, *, draws, tune, chains, seed, ...)   (reference.py)
- frequentist_random_effects(y, se, method="REML")                       (reference.py)
- fit_hierarchical(effects_df, config)                                    (fitting.py)
- run_model(std_df, config)                                               (stage.py)

Modules: settings (config section), data (effects -> arrays), likelihood (PyMC models),
recovery (drawing the integrated-out effects), diagnostics (gate), fitting (one gated fit),
tables (output tables), stage (run_model, write_outputs); priors, sampling, reference,
validation.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "random_effects": "marginalia.model.reference",
    "frequentist_random_effects": "marginalia.model.reference",
    "fit_hierarchical": "marginalia.model.fitting",
    "run_model": "marginalia.model.stage",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'marginalia.model' has no attribute {name!r}")
