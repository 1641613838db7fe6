"""Column contracts of the tables passed between stages (see DESIGN.md)."""

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
]

PAPERS = [
    "paper_id",
    "title",
    "source",
    "year",
    "n_effects",
    "hedge",
    "hedge_spans",
    "marginal_sense",
]
