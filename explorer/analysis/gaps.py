"""Per-issue gaps between the veto parties, and the overall agreement gap.

Over the veto parties V with a stance on issue i (position x, red lines [lo, hi]):

- ``position_gap_i`` = max x − min x
- ``zone_i`` = [max lo, min hi] when max lo ≤ min hi, else none
- ``redline_gap_i`` = max(0, max lo − min hi)
- ``issue_weight_i`` w_i = mean over p ∈ V of ŝ_pi (0 where p has no stance)
- ``agreement_gap`` = Σ_i w_i · redline_gap_i / Σ_i w_i
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class IssueGaps:
    position_gap: np.ndarray  # (I,) NaN where no veto party has a stance
    zone_lo: np.ndarray  # (I,) max lo (0 where no veto stance)
    zone_hi: np.ndarray  # (I,) min hi (100 where no veto stance)
    has_zone: np.ndarray  # (I,) bool
    redline_gap: np.ndarray  # (I,)
    issue_weight: np.ndarray  # (I,)


def issue_gaps(
    veto_position: np.ndarray, veto_lo: np.ndarray, veto_hi: np.ndarray, veto_share: np.ndarray
) -> IssueGaps:
    """Gaps per issue from the veto parties' rows (NaN marks a missing stance).

    The arrays are (V, I), or stacks of them (..., V, I) for many scenarios at once
    (Monte Carlo draws, concession sets); every result then has the leading axes.

    >>> nan = np.nan
    >>> g = issue_gaps(np.array([[90., 10.], [20., nan]]), np.array([[80., 0.], [0., nan]]),
    ...                np.array([[100., 40.], [60., nan]]), np.array([[.5, .5], [1., 0.]]))
    >>> g.position_gap.tolist(), g.redline_gap.tolist(), g.has_zone.tolist()
    ([70.0, 0.0], [20.0, 0.0], [False, True])
    >>> g.issue_weight.tolist()
    [0.75, 0.25]
    """
    has = ~np.isnan(veto_position)
    any_stance = has.any(axis=-2)
    highest = np.where(has, veto_position, -np.inf).max(axis=-2, initial=-np.inf)
    lowest = np.where(has, veto_position, np.inf).min(axis=-2, initial=np.inf)
    position_gap = np.where(any_stance, highest - lowest, np.nan)
    zone_lo = np.where(has, veto_lo, 0.0).max(axis=-2, initial=0.0)
    zone_hi = np.where(has, veto_hi, 100.0).min(axis=-2, initial=100.0)
    redline_gap = np.maximum(0.0, zone_lo - zone_hi)
    if veto_share.shape[-2]:
        issue_weight = veto_share.mean(axis=-2)
    else:
        issue_weight = np.zeros(veto_share.shape[:-2] + veto_share.shape[-1:])
    return IssueGaps(position_gap, zone_lo, zone_hi, zone_lo <= zone_hi, redline_gap, issue_weight)


def agreement_gap(redline_gap: np.ndarray, issue_weight: np.ndarray) -> float | np.ndarray:
    """Σ_i w_i · redline_gap_i / Σ_i w_i, in scale points (0 when Σ w_i = 0).

    One scenario (I,) gives a float; a stack (..., I) gives an array (...).

    >>> agreement_gap(np.array([20., 0.]), np.array([.75, .25]))
    15.0
    >>> agreement_gap(np.array([[20., 0.], [0., 8.]]), np.array([.75, .25])).tolist()
    [15.0, 2.0]
    """
    total = np.sum(issue_weight, axis=-1)
    weighted = np.sum(issue_weight * redline_gap, axis=-1)
    result = np.divide(weighted, total, out=np.zeros(np.shape(weighted)), where=total > 0)
    return float(result) if result.ndim == 0 else result
