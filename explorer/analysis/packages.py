"""Package deals: surplus, Nash bargaining and Kalai–Smorodinsky packages.

All packages lie inside every zone (the veto parties' red-line overlaps). With
gain_p(o) = u_p(o) − r_p for the veto parties p:

- ``package_surplus`` = max_o min_p gain_p(o)  (a linear programme);
  ``package_zopa`` = surplus ≥ 0.
- ``nash``: maximises Σ_p ln gain_p(o), solved by outer approximation: the
  logarithm is replaced by tangent cuts and one cut per party is added at each
  iterate until the LP's upper bound and the exact Σ ln gain_p at the iterate
  differ by at most ``NASH_TOLERANCE`` (a certified optimality gap).
- ``kalai_smorodinsky``: maximises min_p gain_p(o) / (u*_p − r_p), with u*_p the
  party's best utility inside the zones; ties in that minimum are broken
  lexicographically (leximin, Imai 1983): the next-smallest normalised gain is
  maximised, and so on. Parties whose constraint carries a positive dual price
  cannot rise further and are fixed at each round.

Both points are Pareto-optimal and their utilities are unique. The package
reaching those utilities need not be: among them we return the one closest to
an anchor (the compromise outcome clipped to the zone) in Σ_i |o_i − anchor_i|;
remaining ties, which need exact coincidences, are left to the HiGHS vertex.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.analysis.lp import INF, PackageLP

NASH_TOLERANCE = 1e-11
NASH_MAX_ROUNDS = 200
DUAL_TOLERANCE = 1e-9
TARGET_SLACK = 1e-12


@dataclass(frozen=True)
class Bargaining:
    """Inputs shared by the package programmes (veto parties only)."""

    share: np.ndarray  # (k, n)
    position: np.ndarray  # (k, n), NaN where no stance
    reservation: np.ndarray  # (k,)
    zone_lo: np.ndarray  # (n,)
    zone_hi: np.ndarray  # (n,)
    anchor: np.ndarray  # (n,) tie-break target inside the zones

    def lp(self) -> PackageLP:
        return PackageLP(self.share, self.position, self.reservation, self.zone_lo, self.zone_hi)


@dataclass(frozen=True)
class PackageResult:
    package: np.ndarray  # (n,) outcomes o_i
    gains: np.ndarray  # (k,) u_p(o) − r_p
    rounds: int  # LP solves used
    gap: float = 0.0  # certified optimality gap (Nash only)


def _maxmin_lp(problem: Bargaining, scale: np.ndarray) -> tuple[PackageLP, int, int]:
    """LP: maximise t subject to scale_p · t ≤ gain_p for every veto party."""
    lp = problem.lp()
    t = lp.add_cols(-INF, INF)
    indices, values = [], []
    for p in range(lp.k):
        cols, coefs = lp.loss_terms(p)
        indices.append(np.concatenate([[t], cols]))
        values.append(np.concatenate([[scale[p]], coefs]))
    first_row = lp.add_rows(indices, values, np.full(lp.k, -INF), lp.max_gain)
    lp.set_objective([t], [1.0], maximize=True)
    return lp, t, first_row


def package_surplus(problem: Bargaining) -> tuple[float, np.ndarray]:
    """max over packages in the zones of min_p (u_p(o) − r_p), and a package reaching it."""
    lp, _, _ = _maxmin_lp(problem, np.ones(len(problem.reservation)))
    values, surplus = lp.solve()
    return surplus, values[: lp.n]


def kalai_smorodinsky(problem: Bargaining, ideal_gain: np.ndarray) -> PackageResult:
    """Leximin package of normalised gains gain_p / (u*_p − r_p); needs ideal_gain > 0."""
    lp, t, first_row = _maxmin_lp(problem, ideal_gain)
    fixed = np.zeros(lp.k, dtype=bool)
    level = np.zeros(lp.k)
    rounds = 0
    while not fixed.all():
        _, value = lp.solve()
        rounds += 1
        duals = np.abs(lp.row_duals()[first_row : first_row + lp.k])
        newly = ~fixed & (duals > DUAL_TOLERANCE)
        if not newly.any():  # cannot happen with exact duals (they sum to 1): fix the rest
            newly = ~fixed
        for p in np.nonzero(newly)[0]:
            row = first_row + int(p)
            lp.highs.changeCoeff(row, t, 0.0)
            lp.highs.changeRowBounds(row, -INF, lp.max_gain[p] - value * ideal_gain[p])
        level[newly] = value
        fixed |= newly
    target = level * ideal_gain
    package = closest_package(problem, target)
    return PackageResult(package, lp.gains(package), rounds + 1)


def nash(problem: Bargaining, surplus: float, ideal_gain: np.ndarray) -> PackageResult:
    """Nash bargaining package: maximises Σ_p ln gain_p; needs surplus > 0."""
    lp = problem.lp()
    z = lp.add_cols(np.full(lp.k, -INF), np.full(lp.k, INF))
    loss = [lp.loss_terms(p) for p in range(lp.k)]
    lp.add_rows([c for c, _ in loss], [v for _, v in loss], np.full(lp.k, -INF), lp.max_gain)

    def add_cuts(points: dict[int, list[float]]) -> None:
        # z_p ≤ ln a + (gain_p − a)/a  ⇔  z_p + Σ a_s d_s / a ≤ ln a − 1 + G_p / a
        indices, values, upper = [], [], []
        for p, tangents in points.items():
            for a in tangents:
                cols, coefs = lp.loss_terms(p, 1.0 / a)
                indices.append(np.concatenate([[z + p], cols]))
                values.append(np.concatenate([[1.0], coefs]))
                upper.append(np.log(a) - 1 + lp.max_gain[p] / a)
        if indices:
            lp.add_rows(indices, values, np.full(len(upper), -INF), upper)

    add_cuts({p: sorted({surplus, ideal_gain[p]}) for p in range(lp.k)})
    lp.set_objective(z + np.arange(lp.k), np.ones(lp.k), maximize=True)
    gap = np.inf
    for rounds in range(1, NASH_MAX_ROUNDS + 1):
        values, upper_bound = lp.solve()
        package = values[: lp.n]
        gains = lp.gains(package)
        if (gains > 0).all():
            gap = upper_bound - float(np.log(gains).sum())
            if gap <= NASH_TOLERANCE:
                break
        add_cuts({p: [g if g > 0 else surplus / 2] for p, g in enumerate(gains)})
    package = closest_package(problem, gains)  # the optimal gains are unique
    return PackageResult(package, lp.gains(package), rounds + 1, max(gap, 0.0))


def _clean(package: np.ndarray) -> np.ndarray:
    """Solver output to 1e-9 of a scale point, without negative zeros."""
    return np.round(package, 9) + 0.0


def closest_package(problem: Bargaining, target_gain: np.ndarray) -> np.ndarray:
    """Package nearest the anchor (Σ|o_i − anchor_i|) among those with gain_p ≥ target_p."""
    lp = problem.lp()
    e = lp.add_cols(np.zeros(lp.n), np.full(lp.n, INF))
    idx = [np.array([e + i, i]) for i in range(lp.n)]
    lp.add_rows(  # e_i − o_i ≥ −anchor_i  and  e_i + o_i ≥ anchor_i
        idx * 2,
        [np.array([1.0, -1.0])] * lp.n + [np.array([1.0, 1.0])] * lp.n,
        np.concatenate([-problem.anchor, problem.anchor]),
        np.full(2 * lp.n, INF),
    )
    loss = [lp.loss_terms(p) for p in range(lp.k)]
    lp.add_rows(
        [c for c, _ in loss], [v for _, v in loss],
        np.full(lp.k, -INF), lp.max_gain - target_gain + TARGET_SLACK,
    )
    lp.set_objective(e + np.arange(lp.n), np.ones(lp.n), maximize=False)
    values, _ = lp.solve()
    return _clean(values[: lp.n])
