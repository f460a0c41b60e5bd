"""The package surplus of many bargaining problems at once: one HiGHS programme of
independent blocks.

Problem b (a Monte Carlo draw, a set of concessions, …) has its own veto positions,
saliences and zones. Its surplus is the segment programme of :mod:`explorer.analysis.lp`

    max t_b  s.t.  t_b − Σ_k σ_pk y_k ≤ B_p  (every veto party p),  0 ≤ y_k ≤ L_k,

and the blocks share no column or row, so maximising Σ_b t_b solves every one of them
exactly: the optimum of a sum of independent programmes is the sum of their optima, and
any basis optimal for the sum is optimal block by block. Building the blocks is numpy
over the stack; nothing loops over problems in Python. Blocks are solved in chunks of
``CHUNK`` (HiGHS's time per block grows with the model's size: 25 µs per block at 1,400
blocks, 44 µs at 9,700, measured on the seed scenario), fewer when the blocks are large:
a chunk holds at most ``CHUNK_NONZEROS`` matrix entries, so the memory HiGHS and the dense
segment arrays take is bounded whatever the scenario's size (with 12 veto parties and 30
issues, 1,500 blocks took ~0.5 GB in HiGHS alone).
"""

from __future__ import annotations

import highspy
import numpy as np

from explorer.analysis.lp import INF, LPError, new_highs, run

CHUNK = 1500
CHUNK_NONZEROS = 400_000


def chunk_size(k: int, n: int) -> int:
    """Blocks per chunk for problems of ``k`` veto parties and ``n`` issues: at most ``CHUNK``, and
    at most ``CHUNK_NONZEROS`` entries (each block: k rows of at most (k + 1)·n + 1 entries).

    >>> chunk_size(3, 7), chunk_size(12, 30), chunk_size(200, 200)
    (1500, 85, 1)
    """
    per_block = k * ((k + 1) * n + 1)
    return max(1, min(CHUNK, CHUNK_NONZEROS // per_block))


def segment_blocks(share, position, reservation, zone_lo, zone_hi):
    """Segments of every problem in a stack, as dense arrays.

    Parameters
    ----------
    share, position : (B, k, n)
        ŝ_pi and x_pi of the veto parties (NaN position: no stance).
    reservation : (B, k)
    zone_lo, zone_hi : (B, n)
        Zones, with zone_lo ≤ zone_hi on every issue.

    Returns
    -------
    length : (B, S) segment lengths L (0 for empty segments), S = (k + 1)·n
    slope : (B, k, S) σ_pk = ŝ_pi/100 · sign(x_pi − midpoint of segment k)
    base : (B, k) B_p = gain_p(zone_lo)
    """
    count, k, n = position.shape
    lo, hi = zone_lo[:, None, :], zone_hi[:, None, :]
    cuts = np.concatenate([np.clip(position, lo, hi), lo, hi], axis=1)  # (B, k + 2, n)
    cuts = np.sort(cuts, axis=1)  # NaN (no stance) sorts last
    length = np.nan_to_num(np.diff(cuts, axis=1))  # (B, k + 1, n)
    middle = np.nan_to_num(cuts[:, :-1]) + length / 2
    has = ~np.isnan(position)
    direction = np.sign(np.nan_to_num(position)[:, :, None, :] - middle[:, None, :, :])  # (B, k, k + 1, n)
    slope = np.where(has[:, :, None, :] & (length[:, None] > 0), share[:, :, None, :] * direction / 100, 0.0)
    distance = np.abs(zone_lo[:, None, :] - np.nan_to_num(position)) / 100
    base = np.where(has, share * (1 - distance), 0.0).sum(axis=-1) - reservation
    return length.reshape(count, -1), slope.reshape(count, k, -1), base


def _solve_chunk(length: np.ndarray, slope: np.ndarray, base: np.ndarray) -> np.ndarray:
    count, k, segments = slope.shape
    width = segments + 1  # the block's columns: its segments, then t_b
    columns = count * width
    upper = np.concatenate([length, np.full((count, 1), INF)], axis=1).ravel()
    lower = np.concatenate([np.zeros((count, segments)), np.full((count, 1), -INF)], axis=1).ravel()
    cost = np.zeros((count, width))
    cost[:, -1] = 1.0
    # row (b, p): t_b − Σ_k σ_pk y_k ≤ B_p, stored row-wise without zeros
    values = np.concatenate([np.ones((count, k, 1)), -slope], axis=2)  # (B, k, width)
    local = np.concatenate([[segments], np.arange(segments)])
    index = np.arange(count)[:, None, None] * width + local[None, None, :]
    index = np.broadcast_to(index, values.shape)
    keep = values != 0
    starts = np.concatenate([[0], np.cumsum(keep.sum(axis=2).ravel())])

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = columns, count * k
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost.ravel(), lower, upper
    lp.row_lower_, lp.row_upper_ = np.full(count * k, -INF), base.ravel()
    lp.sense_ = highspy.ObjSense.kMaximize
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kRowwise
    matrix.num_col_, matrix.num_row_ = columns, count * k
    matrix.start_ = starts.astype(np.int32)
    matrix.index_ = index[keep].astype(np.int32)
    matrix.value_ = values[keep]
    highs = new_highs()
    highs.passModel(lp)
    run(highs)
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        raise LPError(f"HiGHS ended with {highs.modelStatusToString(status)}")
    return np.asarray(highs.getSolution().col_value)[segments::width]


def surplus_blocks(share, position, reservation, zone_lo, zone_hi) -> np.ndarray:
    """package_surplus of each problem in a stack: max over packages in the zones of
    min_p (u_p(o) − r_p). Arguments as :func:`segment_blocks` (share and reservation may
    be unstacked, (k, n) and (k,)); every zone must be non-empty. Returns (B,).
    """
    position = np.asarray(position, float)
    count, k, n = position.shape
    share = np.broadcast_to(share, position.shape)
    reservation = np.broadcast_to(reservation, (count, k))
    result = np.empty(count)
    if count == 0:
        return result
    if n == 0:  # no issue: every party's utility is 0
        return (-reservation).min(axis=1)
    size = chunk_size(k, n)
    for first in range(0, count, size):
        part = slice(first, first + size)
        length, slope, base = segment_blocks(share[part], position[part], reservation[part],
                                             zone_lo[part], zone_hi[part])
        result[part] = _solve_chunk(length, slope, base)
    return result
