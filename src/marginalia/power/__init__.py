"""Stage 5, power: design analysis of reported comparisons (DESIGN.md section 5).

- design.py: normal design analysis — retrodesign (closed form), retrodesign_sim, mde.
- accuracy.py: unpaired two-proportion power/MDE; paired McNemar power (exact and normal
  approximation) and MDE, with Card et al.'s (2020) agreement regression.
- scores.py: mean-score comparisons with a per-item SD (MT-Bench-like metrics).
- stage.py: analyze(standardized, comparisons, papers, registry, config) -> (power, summary).
"""

from __future__ import annotations

from marginalia.power.accuracy import (
    CARD2020,
    card2020_agreement,
    discordant_probabilities,
    mcnemar_mde,
    mcnemar_power,
    mcnemar_se,
    two_proportion_mde,
    two_proportion_power,
    two_proportion_se,
)
from marginalia.power.design import mde, normal_power, retrodesign, retrodesign_sim, z_crit
from marginalia.power.scores import mean_score_mde, mean_score_power, mean_score_se
from marginalia.power.stage import (
    COLUMNS,
    DEFAULTS,
    SUMMARY_COLUMNS,
    analyze,
    power_config,
    sigma_run_from_summary,
    summarize,
)

__all__ = [
    "CARD2020",
    "COLUMNS",
    "DEFAULTS",
    "SUMMARY_COLUMNS",
    "analyze",
    "card2020_agreement",
    "discordant_probabilities",
    "mcnemar_mde",
    "mcnemar_power",
    "mcnemar_se",
    "mde",
    "mean_score_mde",
    "mean_score_power",
    "mean_score_se",
    "normal_power",
    "power_config",
    "retrodesign",
    "retrodesign_sim",
    "sigma_run_from_summary",
    "summarize",
    "two_proportion_mde",
    "two_proportion_power",
    "two_proportion_se",
    "z_crit",
]
