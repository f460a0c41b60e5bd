"""Utilities of packages.

A package o gives one outcome o_i ∈ [0, 100] per issue. Party p's utility is

    u_p(o) = Σ_i ŝ_pi (1 − |o_i − x_pi| / 100)

summed over the issues where p has a stance, so u_p ∈ [0, 1] and u_p = 1 only
at p's ideal package.
"""

from __future__ import annotations

import numpy as np


def utilities(share: np.ndarray, position: np.ndarray, package: np.ndarray) -> np.ndarray:
    """u_p(o) for every party (rows of ``share``/``position``).

    ``package`` is one package (n,), giving (P,), or a stack of them (count, n),
    giving (count, P).

    >>> share = np.array([[0.75, 0.25], [0.5, 0.5]])
    >>> position = np.array([[0., 100.], [100., np.nan]])
    >>> utilities(share, position, np.array([20., 100.]))
    array([0.85, 0.1 ])
    >>> utilities(share, position, np.array([[20., 100.], [100., 0.]]))
    array([[0.85, 0.1 ],
           [0.  , 0.5 ]])
    """
    distance = np.abs(package[..., None, :] - position) / 100
    return np.where(np.isnan(position), 0.0, share * (1 - distance)).sum(axis=-1)


def best_utilities(
    share: np.ndarray, position: np.ndarray, zone_lo: np.ndarray, zone_hi: np.ndarray
) -> np.ndarray:
    """u*_p: each party's best utility over packages inside the zones.

    Utility is separable by issue, so p's best package takes, on each issue, the
    point of the zone nearest to x_pi: u*_p = u_p(clip(x_p, zone_lo, zone_hi)).
    Stacks (..., k, n) with zones (..., n) give (..., k).
    """
    nearest = np.clip(position, zone_lo[..., None, :], zone_hi[..., None, :])
    distance = np.abs(nearest - position) / 100
    return np.where(np.isnan(position), 0.0, share * (1 - distance)).sum(axis=-1)
