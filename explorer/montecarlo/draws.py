"""Draws of the coding uncertainty: common random numbers and perturbed stances.

For draw k and every stance (p, i) in force with uncertainty σ_pi > 0:

    δ_kpi = σ_pi · z_kpi,   z_kpi ~ N(0, 1) independent across stances and draws,
    x'_kpi = clip(x_pi + δ_kpi, 0, 100),
    lo'_kpi = clip(lo_pi + δ_kpi, 0, 100) unless lo_pi = 0 (a red line at the end of the scale
              on its own side stays),
    hi'_kpi = clip(hi_pi + δ_kpi, 0, 100) unless hi_pi = 100,

so x' stays inside [lo', hi'] (clipping keeps order).

Salience and capability are fixed. z is drawn for every (draw, party, issue) cell in
C order from ``numpy.random.default_rng(seed)``, stance or not, so the same seed gives
the same z whatever concessions are active (common random numbers): the difference
between two sets of concessions is not sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_DRAWS = 200_000  # memory: a few arrays of draws × parties × issues floats (45 MB each on the seed)


def standard_normals(draws: int, shape: tuple[int, int], seed: int) -> np.ndarray:
    """z: (draws, P, I) standard normals, the same for a given (draws, shape, seed).

    Draw k's numbers do not depend on how many draws follow it:

    >>> a, b = standard_normals(2, (2, 3), seed=7), standard_normals(5, (2, 3), seed=7)
    >>> bool((a == b[:2]).all())
    True
    """
    if not 0 < draws <= MAX_DRAWS:
        raise ValueError(f"draws must be between 1 and {MAX_DRAWS:,}, got {draws}")
    return np.random.default_rng(seed).standard_normal((draws, *shape))


@dataclass(frozen=True, eq=False)
class Perturbed:
    """Stacked stances of the draws: (draws, P, I) each, NaN where no stance."""

    position: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def perturb(position, lo, hi, sigma, z) -> Perturbed:
    """Apply δ = σ·z to positions and red lines (rules in the module docstring).

    position, lo, hi, sigma : (..., P, I), broadcast against z (draws, ..., P, I).

    >>> p = perturb(np.array([[50.]]), np.array([[0.]]), np.array([[60.]]), np.array([[10.]]),
    ...             np.array([[[1.5]], [[-6.]]]))
    >>> p.position.ravel().tolist(), p.lo.ravel().tolist(), p.hi.ravel().tolist()
    ([65.0, 0.0], [0.0, 0.0], [75.0, 0.0])
    """
    delta = sigma * z
    moved_position = np.clip(position + delta, 0.0, 100.0)
    moved_lo = np.where(lo == 0.0, lo, np.clip(lo + delta, 0.0, 100.0))
    moved_hi = np.where(hi == 100.0, hi, np.clip(hi + delta, 0.0, 100.0))
    return Perturbed(moved_position, moved_lo, moved_hi)
