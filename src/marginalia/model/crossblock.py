"""The sparse structure of the paper-by-benchmark cross block of the integrated-out likelihood.

With the larger of the two shared blocks (usually the papers) eliminated in closed form, the
Schur complement of the smaller one (the shared benchmarks) is

``S = diag(1 + tau_k^2 sum_k w) - (tau_e tau_k)^2 sum_j c_j c_j' / d_j``

where ``c_j`` holds, per kept column, the summed weights ``w`` of level ``j``'s effects on it.
Only the cells (eliminated level, kept column) that have effects are non-zero, so ``S`` is
assembled from the ordered pairs of cells that share an eliminated level: ``sum_j m_j^2``
terms, ``m_j`` the number of kept columns level ``j`` touches. One log-likelihood then costs
O(n + sum_j m_j^2 + B^3) with ``B`` the kept columns, instead of a dense (levels x B) product.
:func:`cross_cells` precomputes the cells and pairs once per grouping; the likelihood
(PyTensor) and the recovery and holdout code (NumPy) use the same arrays (docs/model.md,
"Scale").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["CrossCells", "add_cross", "cross_cells", "summer"]


@dataclass(frozen=True)
class CrossCells:
    """The non-empty cells of the cross block between an eliminated and a kept level block.

    ``effects``: the effects whose levels are shared in both blocks; ``cell``: per such effect,
    its cell; ``cell_e`` / ``cell_k``: per cell, its eliminated level and its kept column;
    ``pair_a`` / ``pair_b``: every ordered pair of cells (a, b) with the same eliminated level,
    including (a, a).
    """

    effects: np.ndarray
    cell: np.ndarray
    cell_e: np.ndarray
    cell_k: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray

    @property
    def n_cells(self) -> int:
        return int(self.cell_e.size)


def cross_cells(col_e: np.ndarray, col_k: np.ndarray) -> CrossCells:
    """Cells and within-level cell pairs of the effects with ``col_e >= 0`` and ``col_k >= 0``.

    ``col_e`` / ``col_k`` are the per-effect columns of the two shared blocks (-1: lone), as in
    :class:`marginalia.model.data.Grouping`.
    """
    col_e = np.asarray(col_e, dtype=np.int64)
    col_k = np.asarray(col_k, dtype=np.int64)
    effects = np.flatnonzero((col_e >= 0) & (col_k >= 0))
    if effects.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return CrossCells(effects, empty, empty, empty, empty, empty)
    width = int(col_k.max()) + 1
    key = col_e[effects] * width + col_k[effects]
    uniq, cell = np.unique(key, return_inverse=True)  # sorted by eliminated level
    cell_e = uniq // width
    cell_k = uniq % width
    # cells of one eliminated level are contiguous: every (a, b) within a level's run
    starts = np.flatnonzero(np.r_[True, cell_e[1:] != cell_e[:-1]])
    sizes = np.diff(np.r_[starts, cell_e.size])
    size_of = np.repeat(sizes, sizes)  # per cell, its level's number of cells
    start_of = np.repeat(starts, sizes)
    pair_a = np.repeat(np.arange(cell_e.size), size_of)
    offset = np.arange(pair_a.size) - np.repeat(np.cumsum(size_of) - size_of, size_of)
    pair_b = np.repeat(start_of, size_of) + offset
    return CrossCells(
        effects,
        cell.astype(np.int64),
        cell_e.astype(np.int64),
        cell_k.astype(np.int64),
        pair_a.astype(np.int64),
        pair_b.astype(np.int64),
    )


def summer(index: np.ndarray, size: int) -> sp.csr_matrix:
    """A sparse (len(index), size) 0/1 matrix ``M``: ``values @ M`` sums the columns of a
    (draws, len(index)) array into ``size`` bins by ``index`` (entries < 0 are dropped)."""
    index = np.asarray(index, dtype=np.int64)
    keep = np.flatnonzero(index >= 0)
    ones = np.ones(keep.size)
    return sp.csr_matrix((ones, (keep, index[keep])), shape=(index.size, size))


def add_cross(
    s: np.ndarray, cells: CrossCells, c: np.ndarray, g: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    """``s - scale * sum_j c_j c_j' g_j`` (NumPy, per draw): the cross block of the Schur
    complement, ``s`` (draws, B, B), ``c`` (draws, cells) the summed weights per cell, ``g``
    (draws, eliminated levels) ``1 / d_j`` and ``scale`` (draws,) ``(tau_e tau_k)^2``."""
    n_k = s.shape[1]
    a, b = cells.pair_a, cells.pair_b
    vals = c[:, a] * c[:, b] * g[:, cells.cell_e[a]]
    flat = summer(cells.cell_k[a] * n_k + cells.cell_k[b], n_k * n_k)
    return s - scale[:, None, None] * np.asarray(vals @ flat).reshape(s.shape)
