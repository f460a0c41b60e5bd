"""Per-issue outcome predictions over all parties with a stance.

Each stance weighs w_pi = c_pi · s_pi (c_pi: the stance's capability if given,
else the party's; s_pi: salience).

- ``compromise_i`` = Σ_p w_pi x_pi / Σ_p w_pi
- ``weighted_median_i`` = the smallest position at which the cumulative weight of
  the positions, sorted ascending, reaches half the total weight.

Positions are (P, I), or stacks (..., P, I) of many scenarios at once; the
weights broadcast against them.
"""

from __future__ import annotations

import numpy as np

# Relative slack when comparing a cumulative weight with half the total, so that
# weights such as (1, 1) put the median at the first position despite rounding.
HALF_TOLERANCE = 1e-12


def compromise(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted mean position per issue (columns); NaN where no one has a stance.

    >>> compromise(np.array([[0., 10.], [100., np.nan]]), np.array([[3., 1.], [1., 0.]]))
    array([25., 10.])
    """
    has = ~np.isnan(position)
    total = np.where(has, weight, 0.0).sum(axis=-2)
    weighted = np.where(has, weight * np.nan_to_num(position), 0.0).sum(axis=-2)
    return np.divide(weighted, total, out=np.full(total.shape, np.nan), where=total > 0)


def weighted_median(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Weighted median position per issue (columns); NaN where no one has a stance.

    >>> weighted_median(np.array([[0., 10.], [100., 20.], [60., 30.]]),
    ...                 np.array([[1., 1.], [1., 1.], [2., 1.]]))
    array([60., 20.])
    >>> weighted_median(np.array([[0.], [100.]]), np.array([[1.], [1.]]))
    array([0.])
    """
    w = np.where(np.isnan(position), 0.0, weight)
    x = np.where(np.isnan(position), np.inf, position)
    order = np.argsort(x, axis=-2, kind="stable")
    x_sorted = np.take_along_axis(x, order, axis=-2)
    cumulative = np.cumsum(np.take_along_axis(np.broadcast_to(w, x.shape), order, axis=-2), axis=-2)
    if cumulative.shape[-2] == 0:
        return np.full(x.shape[:-2] + x.shape[-1:], np.nan)
    total = cumulative[..., -1, :]
    reached = cumulative >= total[..., None, :] * (0.5 - HALF_TOLERANCE)
    first = np.argmax(reached, axis=-2)
    median = np.take_along_axis(x_sorted, first[..., None, :], axis=-2)[..., 0, :]
    return np.where(total > 0, median, np.nan)
