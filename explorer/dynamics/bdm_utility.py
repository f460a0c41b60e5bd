"""The BDM challenge model's pairwise quantities (Scholz, Calbert & Smith 2011, §§2–5).

Every array runs over any leading batch axes ``...`` and over the actors (A) last. Positions
are normalised once per run by the range of the starting positions,

    z_i = (x_i − min_k x_k) / (max_k x_k − min_k x_k) ∈ [0, 1],

so every distance d_ij = |z_i − z_j| is a share of the range (and the model is invariant under
any rescaling x → a·x + b, a > 0, of the issue's scale). w_k = c_k · s_k (capability × salience).

- Votes of k for i against j, with k's risk exponent r_k (§4):
  v_k(i, j) = w_k · (|z_k − z_j|^r_k − |z_k − z_i|^r_k).
- Probability that i wins a challenge against j (§4, as in Scholz's program — the
  denominator sums the votes of everyone over all ordered pairs, not over i and j alone):
  P_ij = Σ_k max(0, v_k(i, j)) / Σ_k Σ_l Σ_m |v_k(l, m)|,  and P_ij = 0 when z_i = z_j.
- Utilities to an actor with risk exponent r of a challenge over distance d (§3):
  U_s = 2 − 4(½ − ½d)^r (success), U_f = 2 − 4(½ + ½d)^r (failure), U_sq = 2 − 4·½^r
  (status quo), U_b = 2 − 4(½ − ¼(|z_i − μ| + d))^r and U_w = 2 − 4(½ + ¼(|z_i − μ| + d))^r
  (the status quo shifts towards the median μ and gets better / worse for i).
- Expected utility of i challenging j (§2, eq. 25):
  EU(i, j) = s_j [P_ij U_s + (1 − P_ij) U_f] + (1 − s_j) U_s − Q U_sq − (1 − Q)[T_ij U_b + (1 − T_ij) U_w],
  T_ij = 1 if |z_i − μ| < d_ij (the median is nearer to i than j is, so a drift of j
  towards it is an improvement for i), else 0. With Q = 1 (Scholz's example) the last
  term vanishes.
- Risk exponent (§5): with r = 1 for everyone, i's danger is the utility the others expect
  from challenging it, D_i = Σ_{k ≠ i} EU(k, i); then
  R_i = (2 D_i − max_k D_k − min_k D_k) / (max_k D_k − min_k D_k) ∈ [−1, 1] and
  r_i = (1 − R_i/3) / (1 + R_i/3) ∈ [½, 2] (R_i = 0, r_i = 1 when all dangers are equal).
"""

from __future__ import annotations

import numpy as np


def probabilities(z: np.ndarray, weight: np.ndarray, risk: np.ndarray, present=None) -> np.ndarray:
    """P (..., A, A): P[..., i, j] = the probability that i wins a challenge against j.

    z, weight, risk : (..., A); present : (..., A) bool or None (all). An absent actor casts
    no votes and its position is no candidate in the denominator's pairs.

    Two actors at 0 and 1 with weights 1 and 3 and r = 1: v_0(0, 1) = 1·(1 − 0) = 1,
    v_1(0, 1) = 3·(0 − 1) = −3, so P_01 = 1 / (1 + 3 + 1 + 3) = 0.125 and P_10 = 3/8:

    >>> probabilities(np.array([0., 1.]), np.array([1., 3.]), np.ones(2))
    array([[0.   , 0.125],
           [0.375, 0.   ]])
    """
    here = np.ones(z.shape, dtype=bool) if present is None else np.broadcast_to(present, z.shape)
    weight = np.where(here, weight, 0.0)
    distance = np.abs(z[..., :, None] - z[..., None, :])  # (..., k, m): |z_k − z_m|^r_k
    if not (np.ndim(risk) == 0 and risk == 1.0):  # r = 1 for all (the risk step): no power to take
        distance = distance ** np.asarray(risk)[..., :, None]
    votes = weight[..., :, None, None] * (distance[..., :, None, :] - distance[..., :, :, None])  # (..., k, i, j)
    candidates = (here[..., :, None] & here[..., None, :])[..., None, :, :]
    total = np.where(candidates, np.abs(votes), 0.0).sum(axis=(-3, -2, -1))
    support = np.maximum(votes, 0.0).sum(axis=-3)
    p = np.divide(support, total[..., None, None], out=np.zeros_like(support), where=total[..., None, None] > 0)
    return np.where(z[..., :, None] == z[..., None, :], 0.0, p)


def utilities(distance: np.ndarray, risk) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(U_s, U_f, U_sq) of a challenge over normalised ``distance`` with risk exponent ``risk``.

    >>> [float(u) for u in utilities(np.array(0.5), 1.0)]
    [1.0, -1.0, 0.0]
    >>> [round(float(u), 4) for u in utilities(np.array(0.5), 2.0)]
    [1.75, -0.25, 1.0]
    """
    success = 2.0 - 4.0 * (0.5 - 0.5 * distance) ** risk
    failure = 2.0 - 4.0 * (0.5 + 0.5 * distance) ** risk
    status_quo = 2.0 - 4.0 * 0.5 ** np.asarray(risk, dtype=float)
    return success, failure, status_quo


def expected_utility(z, salience, p, risk, q, median) -> np.ndarray:
    """EU (..., A, A): EU[..., i, j] = the expected utility of i challenging j, seen with ``risk``.

    z, salience : (..., A); p : (..., A, A) from :func:`probabilities`; risk : broadcastable
    to (..., A, A) — the exponent of the actor whose view is computed; median : (...) μ.

    Two actors at 0 and 1, s = (1, ½), P_01 = ⅛, r = 1, Q = 1: U_s = 2, U_f = −2, U_sq = 0,
    so EU(0, 1) = ½(⅛·2 − ⅞·2) + ½·2 = 0.25:

    >>> p = np.array([[0., .125], [.375, 0.]])
    >>> expected_utility(np.array([0., 1.]), np.array([1., .5]), p, 1.0, 1.0, np.array(0.))[0, 1]
    np.float64(0.25)
    """
    distance = np.abs(z[..., :, None] - z[..., None, :])
    success, failure, status_quo = utilities(distance, risk)
    s_target = salience[..., None, :]
    eu = s_target * (p * success + (1.0 - p) * failure) + (1.0 - s_target) * success - q * status_quo
    if q != 1.0:
        to_median = np.abs(z - np.asarray(median)[..., None])[..., :, None]
        shift = 0.25 * (to_median + distance)
        better = 2.0 - 4.0 * np.clip(0.5 - shift, 0.0, None) ** risk
        worse = 2.0 - 4.0 * (0.5 + shift) ** risk
        improves = to_median < distance
        eu = eu - (1.0 - q) * np.where(improves, better, worse)
    return eu


def risk_exponents(z, weight, salience, q, median, present) -> np.ndarray:
    """r (..., A): each actor's risk exponent from its danger with r = 1 for everyone (§5).

    Actors that are not ``present`` neither challenge nor count in the max and min; their r is 1.
    """
    p = probabilities(z, weight, 1.0, present)
    eu = expected_utility(z, salience, p, 1.0, q, median)
    pair = present[..., :, None] & present[..., None, :] & ~np.eye(z.shape[-1], dtype=bool)
    danger = np.where(pair, eu, 0.0).sum(axis=-2)  # D_i = Σ_k EU(k, i)
    high = np.where(present, danger, -np.inf).max(axis=-1, keepdims=True)
    low = np.where(present, danger, np.inf).min(axis=-1, keepdims=True)
    spread = high - low
    relative = np.divide(2.0 * danger - high - low, spread, out=np.zeros_like(danger),
                         where=np.isfinite(spread) & (spread > 0))
    relative = np.where(present, relative, 0.0)  # an absent actor's R is meaningless: r = 1
    return np.where(present, (1.0 - relative / 3.0) / (1.0 + relative / 3.0), 1.0)
