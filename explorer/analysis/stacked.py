"""The figures of ``docs/model.md`` for a stack of scenarios at once.

A stack is B variants of one scenario (Monte Carlo draws, sets of concessions, or both
flattened): the same parties and issues, with their own positions, red lines and
saliences. Every figure goes through the same pure functions as :func:`analyze`, with a
leading axis; the package surplus of all the stack's bargaining problems is one HiGHS
programme of independent blocks (:mod:`explorer.analysis.blocks`). Nothing loops over
the stack in Python.

The Nash and Kalai–Smorodinsky packages are not part of a stack's figures: they are
iterative programmes per problem (see ``docs/model.md``, *Solving*).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.blocks import surplus_blocks
from explorer.analysis.gaps import agreement_gap, issue_gaps
from explorer.analysis.outcomes import compromise, weighted_median
from explorer.analysis.packages import ZOPA_TOLERANCE


def shares(salience: np.ndarray) -> np.ndarray:
    """ŝ_pi = s_pi / Σ_j s_pj over the last axis (0 for a party without stances)."""
    totals = salience.sum(axis=-1, keepdims=True)
    return np.divide(salience, totals, out=np.zeros(np.broadcast_shapes(salience.shape, totals.shape)),
                     where=totals > 0)


@dataclass(frozen=True, eq=False)
class StackFigures:
    """Figures per scenario of a stack of B; (B, I) per issue, (B,) overall."""

    redline_gap: np.ndarray  # (B, I)
    has_zone: np.ndarray  # (B, I) bool
    zone_lo: np.ndarray  # (B, I)
    zone_hi: np.ndarray  # (B, I)
    issue_weight: np.ndarray  # (B, I)
    compromise: np.ndarray  # (B, I)
    weighted_median: np.ndarray  # (B, I)
    agreement_gap: np.ndarray  # (B,)
    deadlocked_issues: np.ndarray  # (B,) int
    package_surplus: np.ndarray  # (B,) NaN where an issue is deadlocked

    @property
    def package_zopa(self) -> np.ndarray:
        """(B,) bool: surplus > ZOPA_TOLERANCE (False where deadlocked)."""
        with np.errstate(invalid="ignore"):
            return np.nan_to_num(self.package_surplus, nan=-np.inf) > ZOPA_TOLERANCE


def stack_figures(position, lo, hi, share, weight, reservation, veto, surplus: bool = True) -> StackFigures:
    """Every stacked figure.

    Parameters
    ----------
    position, lo, hi : (B, P, I)
        Positions and red lines (NaN where a party has no stance).
    share, weight : (P, I) or (B, P, I)
        ŝ_pi and c_pi·s_pi.
    reservation : (P,) or (B, P)
    veto : (P,) bool
    surplus : bool
        Solve the package programmes (False leaves package_surplus NaN: the gaps alone
        are much cheaper).
    """
    position = np.asarray(position, float)
    count = position.shape[0]
    share = np.broadcast_to(share, position.shape)
    reservation = np.broadcast_to(reservation, position.shape[:2])
    gaps = issue_gaps(position[:, veto], lo[:, veto], hi[:, veto], share[:, veto])
    deadlocked = (~gaps.has_zone).sum(axis=1)
    package_surplus = np.full(count, np.nan)
    open_ = np.nonzero(deadlocked == 0)[0]
    if surplus and len(open_):
        package_surplus[open_] = surplus_blocks(
            share[open_][:, veto], position[open_][:, veto], reservation[open_][:, veto],
            gaps.zone_lo[open_], gaps.zone_hi[open_],
        )
    return StackFigures(
        redline_gap=gaps.redline_gap,
        has_zone=gaps.has_zone,
        zone_lo=gaps.zone_lo,
        zone_hi=gaps.zone_hi,
        issue_weight=gaps.issue_weight,
        compromise=compromise(position, weight),
        weighted_median=weighted_median(position, np.broadcast_to(weight, position.shape)),
        agreement_gap=np.asarray(agreement_gap(gaps.redline_gap, gaps.issue_weight)).reshape(count),
        deadlocked_issues=deadlocked,
        package_surplus=package_surplus,
    )
