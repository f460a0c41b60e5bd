"""Salience-weighted distance between every pair of parties.

For parties p and q, over the issues where both have a stance, with
w_i = (ŝ_pi + ŝ_qi) / 2:

    distance_pq = Σ_i w_i |x_pi − x_qi| / Σ_i w_i      (scale points, 0–100)

NaN when the two share no issue; 0 on the diagonal.
"""

from __future__ import annotations

import numpy as np


def pairwise_distances(position: np.ndarray, share: np.ndarray) -> np.ndarray:
    """(P, P) matrix of salience-weighted distances; a stack (..., P, I) gives (..., P, P).

    >>> position = np.array([[0., 100.], [100., 100.], [np.nan, 40.]])
    >>> share = np.array([[.75, .25], [.5, .5], [0., 1.]])
    >>> pairwise_distances(position, share).round(3).tolist()
    [[0.0, 62.5, 60.0], [62.5, 0.0, 60.0], [60.0, 60.0, 0.0]]
    """
    has = ~np.isnan(position)
    both = has[..., :, None, :] & has[..., None, :, :]
    weight = np.where(both, (share[..., :, None, :] + share[..., None, :, :]) / 2, 0.0)
    values = np.nan_to_num(position)
    gap = np.abs(values[..., :, None, :] - values[..., None, :, :])
    total = weight.sum(axis=-1)
    result = np.divide((weight * gap).sum(axis=-1), total, out=np.full(total.shape, np.nan), where=total > 0)
    result[..., np.arange(result.shape[-1]), np.arange(result.shape[-1])] = 0.0
    return result
