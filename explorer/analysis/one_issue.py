"""The Nash and Kalai–Smorodinsky packages of a one-issue bargain, exactly and fast.

On one issue a bargainer p at x_p with no-deal utility r_p gains g_p(x) = 1 − |x − x_p|/100 − r_p
from an outcome x of the zone [lo, hi] (:mod:`explorer.analysis.utility` with one issue, ŝ = 1).
The packages of ``analyze`` (:mod:`explorer.analysis.packages`) are then one-dimensional:

* the outcomes every bargainer prefers to no deal form the interval
  F = [lo, hi] ∩ ⋂_p (x_p − 100(1 − r_p), x_p + 100(1 − r_p)); there is a ZOPA when some outcome of F
  gives every bargainer more than ``ZOPA_TOLERANCE`` (10⁻⁹, as in ``analyze``);
* **Nash**: argmax over F of Σ_p log g_p(x), strictly concave; its right derivative
  D⁺(x) = Σ_p s_p(x) / (100 g_p(x)) with s_p = +1 where x < x_p, −1 where x ≥ x_p, decreases in x, and the
  maximiser is where it changes sign: found by bisection to 10⁻¹² points;
* **Kalai–Smorodinsky**: argmax over F of min_p g_p(x) / (G_p − r_p), G_p = 1 − dist(x_p, [lo, hi])/100
  the most p can get; a minimum of lines of slope ±1/(100 (G_p − r_p)), never 0, so concave with one
  maximiser: found by bisection on the sign of its right slope.

``tests/test_one_issue.py`` checks both against ``analyze`` on random one-issue scenarios. The
backtest (:mod:`explorer.backtest`) uses them on ~240 issues of up to 30 bargainers each, where the
general programmes take ~55 ms an issue.
"""

from __future__ import annotations

import numpy as np

from explorer.analysis.packages import ZOPA_TOLERANCE

TOLERANCE = 1e-12  # points of the scale
STEPS = 200  # bisection steps at most (each halves the interval: 100 → 1e-12 in ~47)


def gains(x: float, position: np.ndarray, reservation: np.ndarray) -> np.ndarray:
    """g_p(x) = 1 − |x − x_p|/100 − r_p: each bargainer's gain over no deal at outcome x."""
    return 1.0 - np.abs(x - position) / 100.0 - reservation


def lowest_rises(x: float, position: np.ndarray, values: np.ndarray) -> bool:
    """Whether min_p values_p grows to the right of x, ``values`` being increasing functions of the
    gains (g_p itself, or g_p over a positive span): every bargainer at the minimum lies to the right."""
    return bool((x < position[values <= values.min() + 1e-15]).all())


def feasible(position: np.ndarray, reservation: np.ndarray, lo: float = 0.0, hi: float = 100.0):
    """(left, right): the part of the zone [lo, hi] where every bargainer gains, when some outcome there
    gives every one more than ``ZOPA_TOLERANCE`` (the package ZOPA of ``analyze``); else None.

    >>> feasible(np.array([20., 60.]), np.array([0.5, 0.5]))
    (10.0, 70.0)
    >>> feasible(np.array([0., 0.]), np.array([0., 0.]), 0.0, 0.0)   # a zone of one point
    (0.0, 0.0)
    """
    reach = 100.0 * (1.0 - reservation)
    left, right = max(lo, float((position - reach).max())), min(hi, float((position + reach).min()))
    if left > right:
        return None
    maximin = _bisect(lambda x: lowest_rises(x, position, gains(x, position, reservation)), left, right)
    return (left, right) if gains(maximin, position, reservation).min() > ZOPA_TOLERANCE else None


def _bisect(increasing_before: callable, left: float, right: float) -> float:
    """The point of [left, right] where ``increasing_before(x)`` turns from True to False."""
    if not increasing_before(left):
        return left
    if increasing_before(right):
        return right
    for _ in range(STEPS):
        if right - left <= TOLERANCE:
            break
        middle = 0.5 * (left + right)
        if increasing_before(middle):
            left = middle
        else:
            right = middle
    return 0.5 * (left + right)


def nash(position, reservation, lo: float = 0.0, hi: float = 100.0) -> float | None:
    """The Nash bargaining outcome, or None without a ZOPA.

    Two bargainers at 20 and 60 with no-deal utility 0 meet half-way:

    >>> round(nash(np.array([20., 60.]), np.array([0., 0.])), 9)
    40.0
    """
    position, reservation = np.asarray(position, float), np.asarray(reservation, float)
    bounds = feasible(position, reservation, lo, hi)
    if bounds is None:
        return None
    left, right = bounds

    def rising(x: float) -> bool:
        gain = gains(x, position, reservation)
        if (gain <= 0).any():  # at an end of F: the side it is on says which way is up
            return x < 0.5 * (left + right)
        return float((np.where(x < position, 1.0, -1.0) / gain).sum()) > 0

    return _bisect(rising, left, right)


def kalai_smorodinsky(position, reservation, lo: float = 0.0, hi: float = 100.0) -> float | None:
    """The Kalai–Smorodinsky outcome, or None without a ZOPA.

    Bargainers at 20 and 60, the second with no-deal utility ½: equal shares of their best gains
    (1 and ½) where 1 − (x − 20)/100 = 1 − 2(60 − x)/100, x = 140/3:

    >>> round(kalai_smorodinsky(np.array([20., 60.]), np.array([0., 0.5])), 9)
    46.666666667
    """
    position, reservation = np.asarray(position, float), np.asarray(reservation, float)
    bounds = feasible(position, reservation, lo, hi)
    if bounds is None:
        return None
    best = 1.0 - np.maximum(0.0, np.maximum(lo - position, position - hi)) / 100.0
    span = best - reservation

    return _bisect(lambda x: lowest_rises(x, position, gains(x, position, reservation) / span), *bounds)
