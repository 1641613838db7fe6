"""Stage 4: Bayesian models of the true size of reported improvements.

Public functions (imported lazily so that `import marginalia.model` stays cheap):
- random_effects(y, se, labels=None, *, draws, tune, chains, seed, ...)   (reference.py)
- frequentist_random_effects(y, se, method="REML")                       (reference.py)
- fit_hierarchical(effects_df, config)                                    (hierarchical.py)
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "random_effects": "marginalia.model.reference",
    "frequentist_random_effects": "marginalia.model.reference",
    "fit_hierarchical": "marginalia.model.hierarchical",
    "run_model": "marginalia.model.hierarchical",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'marginalia.model' has no attribute {name!r}")
