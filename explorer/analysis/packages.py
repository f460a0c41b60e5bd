"""Package deals: surplus, Nash bargaining and Kalai–Smorodinsky packages.

All packages lie inside every zone (the veto parties' red-line overlaps). With
gain_p(o) = u_p(o) − r_p for the veto parties p:

- ``package_surplus`` = max_o min_p gain_p(o)  (a linear programme);
  ``package_zopa`` = surplus > ``ZOPA_TOLERANCE`` (10⁻⁹): some package leaves every veto
  party strictly better off than no deal. At a surplus of 0 the best package leaves a
  party indifferent to no deal; there is no ZOPA and no Nash or K–S package (both need
  every gain positive), so ZOPA and the predicted packages always go together.
- ``nash``: maximises Σ_p ln gain_p(o). Outer approximation (the logarithm
  replaced by tangent cuts, one more per party at each iterate, until the LP's
  upper bound and the exact Σ ln gain_p differ by ``NASH_TOLERANCE``) finds the
  optimal face; Newton's method on that face makes the package exact to
  rounding; the Frank–Wolfe gap certifies the result (``PackageResult.gap``).
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
from functools import cached_property

import numpy as np

from explorer.analysis.lp import INF, LPError, PackageLP, Segments
from explorer.analysis.outcomes import weighted_median
from explorer.analysis.utility import utilities

ZOPA_TOLERANCE = 1e-9  # a package ZOPA needs a surplus above this (rounding of the LP's arithmetic)
NASH_TOLERANCE = 1e-12  # certified gap in Σ ln gain below which a Nash package is accepted
NASH_STAGES = (1e-3, 1e-6, 1e-9, 1e-12)  # outer-approximation tolerances tried in turn
NEWTON_STEPS = 30
SNAPS = (1e-3, 0.1, 1.0)  # scale points: outcomes this close to a breakpoint are tried on it
NASH_MAX_ROUNDS = 200
DUAL_TOLERANCE = 1e-9
TARGET_SLACK = 1e-12
RETRY_SLACKS = (1e-10, 1e-8)  # gains; far below any difference a report shows (0.1 % of stakes)


@dataclass(frozen=True)
class Bargaining:
    """Inputs shared by the package programmes (veto parties only)."""

    share: np.ndarray  # (k, n)
    position: np.ndarray  # (k, n), NaN where no stance
    reservation: np.ndarray  # (k,)
    zone_lo: np.ndarray  # (n,)
    zone_hi: np.ndarray  # (n,)
    anchor: np.ndarray  # (n,) tie-break target inside the zones

    @cached_property
    def segments(self) -> Segments:
        return Segments.of(self.share, self.position, self.reservation, self.zone_lo, self.zone_hi, self.anchor)

    def lp(self) -> PackageLP:
        return PackageLP(self.segments)

    def gains(self, packages: np.ndarray) -> np.ndarray:
        """gain_p(o) = u_p(o) − r_p for each package row: shape (count, k)."""
        return utilities(self.share, self.position, packages) - self.reservation


@dataclass(frozen=True)
class PackageResult:
    package: np.ndarray  # (n,) outcomes o_i
    gains: np.ndarray  # (k,) u_p(o) − r_p
    rounds: int  # LP solves used
    gap: float = 0.0  # certified optimality gap (Nash only)


def _gain_rows(lp: PackageLP, scale: np.ndarray, extra_column: int | None = None, column_coef=None):
    """Per-party rows  column_coef_p · extra − scale_p · Σ_k σ_pk y_k  (before bounds)."""
    indices, values = [], []
    for p in range(lp.k):
        cols, coefs = lp.gain_terms(p, -scale[p])
        if extra_column is not None:
            cols, coefs = np.concatenate([[extra_column], cols]), np.concatenate([[column_coef[p]], coefs])
        indices.append(cols)
        values.append(coefs)
    return indices, values


def _maxmin_lp(problem: Bargaining, scale: np.ndarray) -> tuple[PackageLP, int, int]:
    """LP: maximise t subject to scale_p · t ≤ gain_p = B_p + Σ_k σ_pk y_k for every veto party."""
    lp = problem.lp()
    t = lp.add_cols(-INF, INF)
    indices, values = _gain_rows(lp, np.ones(lp.k), t, scale)
    first_row = lp.add_rows(indices, values, np.full(lp.k, -INF), lp.segments.base_gain)
    lp.set_objective([t], [1.0], maximize=True)
    return lp, t, first_row


def package_surplus(problem: Bargaining) -> tuple[float, np.ndarray]:
    """max over packages in the zones of min_p (u_p(o) − r_p), and a package reaching it."""
    lp, _, _ = _maxmin_lp(problem, np.ones(len(problem.reservation)))
    values, surplus = lp.solve()
    return surplus, lp.package(values)


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
            lp.highs.changeRowBounds(row, -INF, lp.segments.base_gain[p] - value * ideal_gain[p])
        level[newly] = value
        fixed |= newly
    package = closest_package(problem, level * ideal_gain)
    return PackageResult(package, problem.gains(package[None])[0], rounds + 1)


def nash(problem: Bargaining, surplus: float, ideal_gain: np.ndarray,
         starts: tuple[np.ndarray, ...] = ()) -> PackageResult:
    """Nash bargaining package: maximises Σ_p ln gain_p; needs surplus > 0.

    A Newton polish from each of ``starts`` (say, the K–S package) is tried
    first. Failing that, outer approximation finds the optimal face to a coarse
    tolerance and is polished in turn; the Frank–Wolfe gap
    (:func:`nash_certificate`) must prove the result, and while it does not, the
    outer approximation is tightened (``NASH_STAGES``) and polished again.
    """
    best, gap = None, np.inf

    def consider(package: np.ndarray) -> None:
        nonlocal best, gap
        for candidate in _candidates(problem, package):  # lazily: no polishing once proven
            candidate_gap = nash_certificate(problem, candidate)
            if candidate_gap < gap:
                best, gap = candidate, candidate_gap
            if gap <= NASH_TOLERANCE:
                return

    for start in starts:
        consider(start)
    rounds = 0
    if gap > NASH_TOLERANCE:
        outer = _OuterApproximation(problem, surplus, ideal_gain)
        for tolerance in NASH_STAGES:
            package = outer.refine(tolerance)
            if package is not None:
                consider(package)
            if gap <= NASH_TOLERANCE:
                break
        rounds = outer.rounds
    best = np.clip(best, problem.zone_lo, problem.zone_hi)  # a polish may overshoot a zone end by rounding
    final = closest_package(problem, problem.gains(best[None])[0])  # the optimal gains are unique
    return PackageResult(final, problem.gains(final[None])[0], rounds + 1, max(gap, 0.0))


def _candidates(problem: Bargaining, package: np.ndarray):
    """The package, then its polishes with ever coarser snapping."""
    yield package
    for snap in SNAPS:
        yield _polish_on_face(problem, package, snap)


def nash_certificate(problem: Bargaining, package: np.ndarray) -> float:
    """Upper bound on max Σ ln gain − Σ ln gain(package): the Frank–Wolfe gap.

    With λ_p = 1 / gain_p(o), concavity of ln gives
    Σ ln gain* − Σ ln gain(o) ≤ max_{o'} Σ_p λ_p (gain_p(o') − gain_p(o)), and the
    maximum is separable: on each issue a weighted median of the veto positions
    (weights λ_p ŝ_pi) clipped to the zone. Returns inf when a gain is not positive.
    """
    gains = problem.gains(package[None])[0]
    if (gains <= 0).any():
        return float("inf")
    best = weighted_median(problem.position, problem.share / gains[:, None])
    best = np.clip(np.where(np.isnan(best), package, best), problem.zone_lo, problem.zone_hi)
    return float((problem.gains(best[None])[0] / gains).sum() - len(gains))


class _OuterApproximation:
    """max Σ z_p with tangent cuts z_p ≤ ln a + (gain_p − a)/a, refined in place."""

    def __init__(self, problem: Bargaining, surplus: float, ideal_gain: np.ndarray):
        self.problem = problem
        self.lp = lp = problem.lp()
        self.surplus = surplus
        self.z = lp.add_cols(np.full(lp.k, -INF), np.full(lp.k, INF))
        indices, values = _gain_rows(lp, np.ones(lp.k))
        lp.add_rows(indices, values, np.full(lp.k, -INF), lp.segments.base_gain)  # gain_p ≥ 0
        # tangents from far below the surplus up to each party's best: the LP then sees how
        # steeply ln falls near zero and does not park a party at gain 0
        self.add_cuts({p: sorted({surplus / 64, surplus / 8, surplus, np.sqrt(surplus * ideal_gain[p]),
                                  ideal_gain[p]}) for p in range(lp.k)})
        lp.set_objective(self.z + np.arange(lp.k), np.ones(lp.k), maximize=True)
        self.rounds = 0
        self.best, self.best_value = None, -np.inf

    def add_cuts(self, points: dict[int, list[float]]) -> None:
        # z_p ≤ ln a − 1 + gain_p / a  ⇔  z_p − Σ_k σ_pk y_k / a ≤ ln a − 1 + B_p / a
        lp = self.lp
        indices, values, upper = [], [], []
        for p, tangents in points.items():
            for a in tangents:
                cols, coefs = lp.gain_terms(p, -1.0 / a)
                indices.append(np.concatenate([[self.z + p], cols]))
                values.append(np.concatenate([[1.0], coefs]))
                upper.append(np.log(a) - 1 + lp.segments.base_gain[p] / a)
        lp.add_rows(indices, values, np.full(len(upper), -INF), upper)

    def refine(self, tolerance: float) -> np.ndarray:
        """Add cuts until the LP bound is within ``tolerance`` of the best iterate."""
        lp = self.lp
        while self.rounds < NASH_MAX_ROUNDS:
            values, upper_bound = lp.solve()
            self.rounds += 1
            package = lp.package(values)
            gains = self.problem.gains(package[None])[0]
            if (gains > 0).all():
                value = float(np.log(gains).sum())
                if value > self.best_value:
                    self.best, self.best_value = package, value
                if upper_bound - self.best_value <= tolerance:
                    break
            self.add_cuts({p: [g if g > 0 else self.surplus / 2] for p, g in enumerate(gains)})
        return self.best


def _polish_on_face(problem: Bargaining, package: np.ndarray, snap: float) -> np.ndarray:
    """Newton's method on the face the outer approximation found.

    Issues whose outcome lies within ``snap`` of a breakpoint (a veto position or
    a zone end) are put on it; on the others every gain is linear in o_i, so
    Σ ln gain is smooth there and Newton converges in a few steps.
    """
    cuts = problem.segments.cuts  # (k + 3, n), NaN-padded breakpoints
    distance = np.where(np.isnan(cuts), np.inf, np.abs(cuts - package[None]))
    nearest = np.take_along_axis(cuts, distance.argmin(axis=0)[None], axis=0)[0]
    on_point = distance.min(axis=0) <= snap
    snapped = np.where(on_point, nearest, package)
    free = np.nonzero(~on_point)[0]
    if not len(free):
        return snapped
    below = np.where(cuts < package[None], cuts, -np.inf).max(axis=0)
    above = np.where(cuts > package[None], cuts, np.inf).min(axis=0)
    lo, hi = below[free], above[free]
    slope = np.nan_to_num(problem.share[:, free] * np.sign(problem.position[:, free] - package[free]) / 100)
    y = snapped[free]
    base = problem.gains(snapped[None])[0] - slope @ y
    value = float(np.log(base + slope @ y).sum())
    for _ in range(NEWTON_STEPS):
        gains = base + slope @ y
        gradient = slope.T @ (1 / gains)
        hessian = (slope / gains[:, None] ** 2).T @ slope
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        alpha = 1.0
        while alpha > 1e-6:
            trial = np.clip(y + alpha * step, lo, hi)
            trial_gains = base + slope @ trial
            if (trial_gains > 0).all() and np.log(trial_gains).sum() >= value - 1e-15:
                break
            alpha /= 2
        else:
            break
        moved = np.abs(trial - y).max()
        y, value = trial, float(np.log(trial_gains).sum())
        if moved <= 1e-13:
            break
    snapped[free] = y
    return snapped


def _clean(package: np.ndarray) -> np.ndarray:
    """Solver output to 1e-9 of a scale point, without negative zeros."""
    return np.round(package, 9) + 0.0


def closest_package(problem: Bargaining, target_gain: np.ndarray) -> np.ndarray:
    """Package nearest the anchor (Σ|o_i − anchor_i|) among those with gain_p ≥ target_p.

    The anchor is a breakpoint of every issue, so |o_i − anchor_i| is linear on each
    segment: cost +1 per unit on segments above the anchor, −1 below (plus a constant).
    The targets are met up to ``TARGET_SLACK``; a target that rounding put a hair above what
    is attainable (HiGHS judges feasibility on scaled rows) is retried with a looser slack.
    """
    for slack in (TARGET_SLACK, *RETRY_SLACKS):
        lp = problem.lp()
        indices, values = _gain_rows(lp, np.ones(lp.k))
        lp.add_rows(indices, values, np.full(lp.k, -INF), lp.segments.base_gain - target_gain + slack)
        segments = lp.segments
        middle = segments.start + segments.length / 2
        direction = np.sign(middle - problem.anchor[segments.issue])
        lp.set_objective(np.arange(lp.count), direction, maximize=False)
        try:
            values, _ = lp.solve()
        except LPError:
            if slack == RETRY_SLACKS[-1]:
                raise
            continue
        return _clean(lp.package(values))
    raise AssertionError("unreachable")
