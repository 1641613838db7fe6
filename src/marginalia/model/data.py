"""The data of one fit: the modelled effects of a family as index arrays and level labels.

:func:`prepare_data` turns the standardized effects table into :class:`ModelData` for one
(family, analysis); :func:`grouping` splits its paper and benchmark levels into shared and lone
ones (:class:`Grouping`), the structure the integrated-out likelihood works on. See
docs/model.md for the model and for why an unnamed benchmark is a level of its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from marginalia.errors import MarginaliaError

__all__ = [
    "ANALYSES",
    "HEDGE_CLASSES",
    "LEVELS",
    "NO_EFFECTS",
    "REQUIRED_COLUMNS",
    "UNNAMED",
    "Grouping",
    "ModelData",
    "check_columns",
    "grouping",
    "one_row_per_claim",
    "prepare_data",
    "select_effects",
]

ANALYSES: dict[str, str] = {"claim": "hedge_local", "paper": "paper_hedge"}
HEDGE_CLASSES: dict[str, tuple[str, ...]] = {
    "claim": ("none", "marginal", "strong"),
    "paper": ("none", "marginal", "strong", "mixed"),
}
REQUIRED_COLUMNS = (
    "effect_id",
    "paper_id",
    "benchmark",
    "family",
    "y",
    "se",
    "qualifier",
    "hedge_local",
    "paper_hedge",
    "in_model",
)
UNNAMED = "unnamed@"
#: the three variance components of theta, in the order of the Dirichlet shares
LEVELS = ("paper", "bench", "effect")
NO_EFFECTS = "no effects to model"


@dataclass(frozen=True)
class ModelData:
    """Arrays of one (family, analysis) fit, with the labels of every coordinate."""

    family: str
    analysis: str
    effect_ids: tuple[str, ...]
    effect_papers: tuple[str, ...]
    y: np.ndarray
    se: np.ndarray  # NaN where unknown
    paper_idx: np.ndarray
    bench_idx: np.ndarray
    hedge_idx: np.ndarray
    upto: np.ndarray
    papers: tuple[str, ...]
    benches: tuple[str, ...]
    hedges: tuple[str, ...]  # classes with effects; the first is the reference (beta = 0)
    class_counts: Mapping[str, int]
    class_papers: Mapping[str, int]
    # added to the noise variance: a range's spread, (hi - lo)^2 / 12 (0 for a single number)
    extra_var: np.ndarray | None = None
    # runs averaged per claim (m_k; 1 when unstated): seed noise is sigma_run^2 / m_k
    n_seeds: np.ndarray | None = None

    @property
    def range_var(self) -> np.ndarray:
        return np.zeros(len(self.effect_ids)) if self.extra_var is None else self.extra_var

    @property
    def run_share(self) -> np.ndarray:
        """1 / m_k: the share of sigma_run^2 in each claim's noise variance."""
        if self.n_seeds is None:
            return np.ones(len(self.effect_ids))
        return 1.0 / np.maximum(self.n_seeds, 1.0)

    @property
    def n_effects(self) -> int:
        return len(self.effect_ids)

    @property
    def se_known(self) -> np.ndarray:
        return np.isfinite(self.se)

    @property
    def se_filled(self) -> np.ndarray:
        return np.where(self.se_known, self.se, 0.0)

    @property
    def reference(self) -> str:
        return self.hedges[0]

    def coords(self) -> dict[str, list[str]]:
        return {
            "effect": list(self.effect_ids),
            "paper": list(self.papers),
            "bench": list(self.benches),
            "hedge": list(self.hedges),
            "hedge_free": list(self.hedges[1:]),
            "level": list(LEVELS),
        }


def check_columns(df: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise MarginaliaError(
            f"standardized effects table lacks column(s) {', '.join(missing)}; "
            "rerun rule standardize_effects (results/model/effects_standardized.parquet)"
        )


def select_effects(df: pd.DataFrame, family: str) -> pd.DataFrame:
    """Rows of ``family`` with ``in_model`` true and a finite ``y``."""
    check_columns(df)
    in_model = df["in_model"].astype("boolean").fillna(False).astype(bool)
    y = pd.to_numeric(df["y"], errors="coerce")
    mask = (df["family"].astype("string") == family).fillna(False).astype(bool)
    return df.loc[mask & in_model & np.isfinite(y.astype(float))].reset_index(drop=True)


def _clean_hedge(values: pd.Series, analysis: str) -> np.ndarray:
    allowed = HEDGE_CLASSES[analysis]
    out = values.astype("string").fillna("none").str.strip().str.lower()
    out = out.mask(out == "", "none")
    bad = sorted(set(out) - set(allowed))
    if bad:
        raise MarginaliaError(
            f"standardized effects column {ANALYSES[analysis]}: unknown hedge class(es) "
            f"{', '.join(bad)}; expected one of {', '.join(allowed)}"
        )
    return out.to_numpy(dtype=object)


def one_row_per_claim(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of ``df`` with the rows of one claim (same ``claim_id``: a range's low and high
    end) merged into one observation at their midpoint, and per row the variance to add:
    ``(hi - lo)^2 / 12``, the variance of a uniform over the range (0 for single numbers).
    The merged row keeps the first row's ids, labels and the mean of the known SEs; its
    qualifier is ``range``. Without a ``claim_id`` column every row is a claim."""
    if "claim_id" not in df.columns or df.empty:
        return df, np.zeros(len(df))
    cid = df["claim_id"].astype("string").fillna(df["effect_id"].astype("string"))
    if not cid.duplicated().any():
        return df, np.zeros(len(df))
    y = pd.to_numeric(df["y"], errors="coerce").astype(float)
    se = pd.to_numeric(df["se"], errors="coerce").astype(float)
    keep, extra = [], []
    for _, idx in df.groupby(cid.to_numpy(), sort=False).indices.items():
        first = df.iloc[idx[0]].copy()
        if len(idx) > 1:
            ys = y.iloc[idx]
            first["y"] = float(ys.mean())
            ses = se.iloc[idx].dropna()
            first["se"] = float(ses.mean()) if len(ses) == len(idx) else np.nan
            first["qualifier"] = "range"
            first["effect_id"] = cid.iloc[idx[0]]
            extra.append(float((ys.max() - ys.min()) ** 2 / 12.0))
        else:
            extra.append(0.0)
        keep.append(first)
    return pd.DataFrame(keep).reset_index(drop=True), np.asarray(extra, dtype=float)


def prepare_data(effects_df: pd.DataFrame, family: str, analysis: str) -> ModelData:
    """Index arrays and labels of ``family``'s modelled effects for ``analysis``, one
    observation per claim (:func:`one_row_per_claim`)."""
    if analysis not in ANALYSES:
        raise MarginaliaError(f"unknown analysis {analysis!r}; use one of {', '.join(ANALYSES)}")
    df, extra_var = one_row_per_claim(select_effects(effects_df, family))
    hedge = _clean_hedge(df[ANALYSES[analysis]], analysis)
    paper = df["paper_id"].astype("string").fillna("").to_numpy(dtype=object)
    bench_raw = df["benchmark"].astype("string").fillna("").str.strip().to_numpy(dtype=object)
    effect_ids = df["effect_id"].astype(str).to_numpy(dtype=object)
    bench = np.array(
        [b if b else f"{UNNAMED}{e}" for b, e in zip(bench_raw, effect_ids, strict=True)],
        dtype=object,
    )
    qualifier = df["qualifier"].astype("string").fillna("").str.strip().str.lower()
    se = pd.to_numeric(df["se"], errors="coerce").astype(float).to_numpy()
    se = np.where(np.isfinite(se) & (se > 0), se, np.nan)

    papers = tuple(dict.fromkeys(paper))
    benches = tuple(dict.fromkeys(bench))
    canonical = HEDGE_CLASSES[analysis]
    counts = {c: int((hedge == c).sum()) for c in canonical}
    class_papers = {c: len(set(paper[hedge == c])) for c in canonical}
    hedges = tuple(c for c in canonical if counts[c] > 0) or (canonical[0],)
    p_pos = {p: i for i, p in enumerate(papers)}
    b_pos = {b: i for i, b in enumerate(benches)}
    h_pos = {h: i for i, h in enumerate(hedges)}
    return ModelData(
        family=family,
        analysis=analysis,
        effect_ids=tuple(effect_ids),
        effect_papers=tuple(str(p) for p in paper),
        y=pd.to_numeric(df["y"]).astype(float).to_numpy(),
        se=se,
        paper_idx=np.array([p_pos[p] for p in paper], dtype=np.int64),
        bench_idx=np.array([b_pos[b] for b in bench], dtype=np.int64),
        hedge_idx=np.array([h_pos[h] for h in hedge], dtype=np.int64),
        upto=(qualifier == "up_to").to_numpy(dtype=float),
        papers=papers,
        benches=benches,
        hedges=hedges,
        class_counts=counts,
        class_papers=class_papers,
        extra_var=extra_var,
        n_seeds=(
            pd.to_numeric(df["n_seeds"], errors="coerce").fillna(1).clip(lower=1).to_numpy(float)
            if "n_seeds" in df.columns
            else None
        ),
    )


@dataclass(frozen=True)
class Grouping:
    """The paper and benchmark levels of one fit, split into shared and lone levels.

    A level shared by two or more effects correlates them; a level with a single effect (a lone
    level) only adds its variance to that effect's. ``paper_col``/``bench_col`` give, per
    effect, the column of its paper/benchmark among the shared levels (-1 if lone);
    ``shared_papers``/``shared_benches`` the level index of every shared column.
    """

    paper_col: np.ndarray
    bench_col: np.ndarray
    shared_papers: np.ndarray
    shared_benches: np.ndarray
    #: per effect, 1 where its benchmark's variance goes into the diagonal (default: lone)
    bench_diag: np.ndarray | None = None

    @property
    def lone_paper(self) -> np.ndarray:
        return (self.paper_col < 0).astype(float)

    @property
    def lone_bench(self) -> np.ndarray:
        if self.bench_diag is not None:
            return self.bench_diag
        return (self.bench_col < 0).astype(float)

    def papers_only(self) -> Grouping:
        """The grouping given the shared benchmarks' effects (sampled explicitly): no shared
        benchmark column; lone benchmarks still add their variance to the diagonal."""
        return Grouping(
            self.paper_col,
            np.full_like(self.bench_col, -1),
            self.shared_papers,
            self.shared_benches[:0],
            bench_diag=self.lone_bench,
        )

    @property
    def n_shared(self) -> int:
        return int(self.shared_papers.size + self.shared_benches.size)


def grouping(data: ModelData) -> Grouping:
    """Shared and lone levels of ``data`` (see :class:`Grouping`)."""

    def columns(idx: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        keep = np.flatnonzero(np.bincount(idx, minlength=n) >= 2)
        col = np.full(n, -1, dtype=np.int64)
        col[keep] = np.arange(keep.size)
        return col[idx], keep.astype(np.int64)

    paper_col, shared_papers = columns(data.paper_idx, len(data.papers))
    bench_col, shared_benches = columns(data.bench_idx, len(data.benches))
    return Grouping(paper_col, bench_col, shared_papers, shared_benches)
