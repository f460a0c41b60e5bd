"""The Nash and Kalai–Smorodinsky packages on each draw (opt-in: ``uncertainty(..., packages=True)``).

Both are iterative programmes per bargaining problem (leximin rounds; outer approximation
and a Newton polish with a certificate, see ``docs/model.md``, *Solving*), so unlike every
other drawn figure they are not one stacked computation: each draw with a package ZOPA is
solved by the same functions :func:`explorer.analyze` uses, about 1–2 ms a draw. Draws without
a ZOPA have no package (NaN), as in ``analyze``.
"""

from __future__ import annotations

import numpy as np

from explorer.analysis.analysis import bargaining, predicted_packages
from explorer.analysis.stacked import StackFigures
from explorer.analysis.utility import best_utilities


def drawn_packages(share, reservation, veto, position, figures: StackFigures) -> tuple[np.ndarray, np.ndarray]:
    """(Kalai–Smorodinsky, Nash): (draws, I) package outcomes, NaN rows where a draw has no ZOPA.

    share (P, I), reservation (P,), veto (P,) are fixed; position (draws, P, I) is drawn.
    """
    draws, issues = figures.compromise.shape
    ks, nash = np.full((draws, issues), np.nan), np.full((draws, issues), np.nan)
    for d in np.nonzero(figures.package_zopa)[0]:
        problem = bargaining(share[veto], position[d][veto], reservation[veto], figures.zone_lo[d],
                             figures.zone_hi[d], figures.compromise[d])
        ideal = best_utilities(problem.share, problem.position, problem.zone_lo, problem.zone_hi)
        ks_result, nash_result = predicted_packages(problem, float(figures.package_surplus[d]), ideal)
        ks[d], nash[d] = ks_result.package, nash_result.package
    return ks, nash
