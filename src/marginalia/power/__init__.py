"""Stage 5, power: design analysis of reported comparisons (DESIGN.md section 5).

- design.py: normal design analysis — retrodesign (closed form), retrodesign_sim, mde.
- accuracy.py: unpaired two-proportion power/MDE; paired McNemar power (exact and normal
  approximation) and MDE, with Card et al.'s (2020) agreement regression.
- scores.py: mean-score comparisons with a per-item SD (MT-Bench-like metrics).
- assess.py: the design analysis of one comparison; the columns of the power table.
- explain.py: the reasons in words (column flag_reason).
- summary.py: summarize(power) -> counts of flagged comparisons per group.
- stage.py: power_config (the ``power`` settings, checked) and
  analyze(standardized, comparisons, papers, registry, config) -> (power, summary).
"""

from __future__ import annotations

from marginalia.power.accuracy import (
    mcnemar_mde,
    mcnemar_power,
    two_proportion_mde,
    two_proportion_power,
)
from marginalia.power.design import mde, normal_power, retrodesign, retrodesign_sim, z_crit
from marginalia.power.scores import mean_score_mde, mean_score_power
from marginalia.power.stage import DEFAULTS, analyze, power_config, sigma_run_from_summary
from marginalia.power.summary import summarize

__all__ = [
    "DEFAULTS",
    "analyze",
    "mcnemar_mde",
    "mcnemar_power",
    "mde",
    "mean_score_mde",
    "mean_score_power",
    "normal_power",
    "power_config",
    "retrodesign",
    "retrodesign_sim",
    "sigma_run_from_summary",
    "summarize",
    "two_proportion_mde",
    "two_proportion_power",
    "z_crit",
]
