"""Bueno de Mesquita's expected-utility challenge model, as specified by Scholz, Calbert &
Smith (2011, "Unravelling Bueno De Mesquita's group decision model", JTP 23(4)).

One issue, A actors with position x_a, capability c_a > 0 and salience s_a ∈ [0, 1]; leading
axes of the arrays are a batch of independent runs, computed at once. Each round:

1. risk exponents r_a from every actor's danger, computed with r = 1 for everyone
   (:func:`explorer.dynamics.bdm_utility.risk_exponents`);
2. with those r, the probabilities P_ij and the expected utilities (``bdm_utility``); actor
   a sees, for every other actor b at another position, its own expected utility of
   challenging b, E_a = EU^a(a, b), and b's of challenging a, E_b = EU^a(b, a), both with
   a's own exponent r_a;
3. the offer b makes to a (:data:`CONFLICT`, :data:`COMPROMISE`, :data:`CAPITULATION`):

   - conflict, a loses:  E_b > E_a > 0            → a would move to x_b;
   - compromise:         E_b > 0 > E_a, E_b > |E_a| → a would move to x_a + (x_b − x_a)·|E_a / E_b|;
   - capitulation:       E_b > 0 > E_a, E_b < |E_a| → a would move to x_b;

4. a accepts one offer: a conflict if it has any (the nearest x_b), else a compromise (the
   one whose weighted point (|E_a| x_a + |E_b| x_b) / (|E_a| + |E_b|) is lowest on the scale,
   as Scholz's program does), else a capitulation (the nearest x_b); keys within
   :data:`TIE` are equal and the lowest actor index wins;
5. all actors move at once (offers are computed from the positions at the start of the round).

Absent actors (``present`` False) neither move nor vote nor make or receive offers. The run
stops changing once a round moves nobody (the rules are deterministic); ``stop_round`` is that
round. Every rule, and the choices the published text leaves open, are in ``docs/dynamics.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.dynamics.bdm_utility import expected_utility, probabilities, risk_exponents
from explorer.dynamics.summary import weighted_mean, weighted_median

NO_OFFER, CONFLICT, COMPROMISE, CAPITULATION = 0, 1, 2, 3
OFFER_NAMES = ("no offer", "conflict", "compromise", "capitulation")  # indexed by the codes
NOBODY = -1
TIE = 1e-9  # keys (normalised distances, weighted points) closer than this are equal
MAX_CHUNK_CELLS = 1 << 22  # batch elements × A³ per chunk: bounds the memory of the vote arrays


@dataclass(frozen=True, eq=False)
class Challenge:
    """A run of the challenge model; R rounds, A actors, leading batch axes ``...``.

    position : (..., R+1, A) on the input's scale; round 0 = the start; absent actors keep
        their input position (NaN stays NaN).
    mover : (..., R, A) the index of the actor whose accepted offer set actor a's position
        in round r; :data:`NOBODY` (−1) when a did not move.
    offer : (..., R, A) int8 code of that offer (:data:`NO_OFFER` when a did not move);
        ``OFFER_NAMES[code]`` names it.
    risk : (..., R, A) the risk exponents r_a used in round r (1 for absent actors).
    median, mean : (..., R+1) capability × salience weighted median and mean of the positions.
    stop_round : (...) the first round in which nobody moved (from then on nothing changes);
        R + 1 when someone still moved in round R.
    """

    position: np.ndarray
    mover: np.ndarray
    offer: np.ndarray
    risk: np.ndarray
    median: np.ndarray
    mean: np.ndarray
    stop_round: np.ndarray


def challenge(position, capability, salience, rounds: int = 10, q: float = 1.0, *, present=None) -> Challenge:
    """Run the challenge model for ``rounds`` rounds (rules in the module docstring).

    position : (..., A) on any scale; capability : (..., A) > 0; salience : (..., A) in [0, 1];
    present : (..., A) bool or None (all present; NaN positions are absent anyway);
    q : Q, the probability that the status quo persists if i does not challenge j (1.0 as in
    Scholz et al.; below 1 the better/worse terms with the median μ enter the utilities).

    Two actors at 0 and 10 with c = (1, 6), s = (1, ½): actor 0 is the more secure (r_0 = 2,
    r_1 = ½) and actor 1, seeing 0's expected utility of challenging it above its own, loses
    the conflict and moves to 0 (worked out by hand in ``tests/test_dynamics_bdm.py``):

    >>> run = challenge(np.array([0., 10.]), np.array([1., 6.]), np.array([1., .5]), rounds=2)
    >>> run.position.tolist(), run.mover.tolist(), [OFFER_NAMES[o] for o in run.offer[0]]
    ([[0.0, 10.0], [0.0, 0.0], [0.0, 0.0]], [[-1, 0], [-1, -1]], ['no offer', 'conflict'])
    >>> int(run.stop_round)
    2
    """
    if not (isinstance(rounds, int | np.integer) and rounds >= 0):
        raise ValueError(f"rounds must be a whole number ≥ 0, got {rounds!r}")
    x = np.asarray(position, dtype=float)
    c = np.asarray(capability, dtype=float)
    s = np.asarray(salience, dtype=float)
    shape = np.broadcast_shapes(x.shape, c.shape, s.shape, () if present is None else np.shape(present))
    x, c, s = (np.broadcast_to(a, shape) for a in (x, c, s))
    here = ~np.isnan(x) & ~np.isnan(c) & ~np.isnan(s)
    if present is not None:
        here &= np.broadcast_to(np.asarray(present, dtype=bool), shape)
    batch, n_actors = shape[:-1], shape[-1]
    flat = [a.reshape(-1, n_actors) for a in (x, c, s, here)]
    size = flat[0].shape[0]
    chunk = max(1, MAX_CHUNK_CELLS // max(1, n_actors ** 3))
    parts = [_run(*(a[i:i + chunk] for a in flat), rounds, float(q)) for i in range(0, max(size, 1), chunk)] \
        if size else [_run(*flat, rounds, float(q))]
    out_position, mover, offer, risk = (np.concatenate(p, axis=0) for p in zip(*parts))
    out_position = out_position.reshape(*batch, rounds + 1, n_actors)
    mover = mover.reshape(*batch, rounds, n_actors)
    offer = offer.reshape(*batch, rounds, n_actors)
    risk = risk.reshape(*batch, rounds, n_actors)
    weight = (c * s)[..., None, :]
    counted = here[..., None, :]
    median = weighted_median(out_position, weight, counted)
    mean = weighted_mean(out_position, weight, counted)
    moved = (mover != NOBODY).any(axis=-1)  # (..., R)
    stop_round = np.where(moved.all(axis=-1), rounds + 1, np.argmin(moved, axis=-1) + 1) if rounds else \
        np.ones(batch, dtype=int)
    return Challenge(out_position, mover, offer, risk, median, mean, np.asarray(stop_round))


def _run(x, c, s, here, rounds, q):
    """The rounds for a flat batch (B, A): (positions (B, R+1, A), mover, offer, risk)."""
    n_batch, n_actors = x.shape
    weight = np.where(here, c * s, 0.0)
    salience = np.where(here, s, 0.0)
    low = np.where(here, x, np.inf).min(axis=-1, keepdims=True)
    high = np.where(here, x, -np.inf).max(axis=-1, keepdims=True)
    span = np.where(np.isfinite(high - low) & (high > low), high - low, 1.0)
    moving = (np.isfinite(high - low) & (high > low))[:, 0]  # a zero range: nothing can move
    z = np.where(here, (np.where(here, x, 0.0) - np.where(np.isfinite(low), low, 0.0)) / span, 0.0)
    pair = here[:, :, None] & here[:, None, :] & ~np.eye(n_actors, dtype=bool)
    positions, movers, offers, risks = [x], [], [], []
    current = x.copy()
    for _ in range(rounds):
        median = _normalised_median(z, weight, here)
        r = risk_exponents(z, weight, salience, q, median, here)
        p = probabilities(z, weight, np.where(here, r, 1.0), here)
        own = expected_utility(z, salience, p, r[:, :, None], q, median)  # [a, b] = EU^a(a, b)
        other = np.swapaxes(expected_utility(z, salience, p, r[:, None, :], q, median), -1, -2)  # [a, b] = EU^a(b, a)
        valid = pair & (z[:, :, None] != z[:, None, :]) & moving[:, None, None]
        choice, code, target_z = resolve(z, own, other, valid)
        target_x = np.where(code == COMPROMISE, low + target_z * span,
                            np.take_along_axis(current, np.maximum(choice, 0), -1))
        moved = code != NO_OFFER
        z = np.where(moved, target_z, z)
        current = np.where(moved, target_x, current)
        positions.append(current)
        movers.append(np.where(moved, choice, NOBODY))
        offers.append(code.astype(np.int8))
        risks.append(r)
    def stack(arrays, dtype):
        return np.stack(arrays, axis=1).astype(dtype, copy=False) if arrays else np.zeros((n_batch, 0, n_actors), dtype)

    return stack(positions, float), stack(movers, np.int64), stack(offers, np.int8), stack(risks, float)


def classify(own, other, valid):
    """(conflict, compromise, capitulation) masks (..., A, A) of the offers b makes to a.

    own[..., a, b] = E_a = EU^a(a, b); other[..., a, b] = E_b = EU^a(b, a); valid: a and b
    present, distinct and at different positions. Where E_b = |E_a| exactly, or a would win
    (E_a ≥ E_b or E_b ≤ 0), b makes no offer.
    """
    conflict = valid & (other > own) & (own > 0)
    mixed = valid & (other > 0) & (own < 0)
    return conflict, mixed & (other > -own), mixed & (other < -own)


def resolve(z, own, other, valid):
    """The offer each actor accepts: (mover (..., A), code (..., A), new normalised position).

    Conflict before compromise before capitulation; among conflicts and capitulations the
    nearest x_b, among compromises the lowest weighted point (|E_a| z_a + |E_b| z_b) /
    (|E_a| + |E_b|); ties (keys within :data:`TIE`) go to the lowest index b. An actor without offers keeps z_a.

    Actor 0 at 0.2 gets a compromise from actor 1 at 0.5 (E_a = −0.1, E_b = 0.4: it would
    move a quarter of the way, to 0.275) and a capitulation demand from actor 2 at 0.9:

    >>> z = np.array([.2, .5, .9])
    >>> own = np.array([[0., -.1, -.5], [0, 0, 0], [0, 0, 0]])
    >>> other = np.array([[0., .4, .2], [0, 0, 0], [0, 0, 0]])
    >>> mover, code, new = resolve(z, own, other, ~np.eye(3, dtype=bool))
    >>> mover.tolist(), [OFFER_NAMES[c] for c in code], np.round(new, 3).tolist()
    ([1, -1, -1], ['compromise', 'no offer', 'no offer'], [0.275, 0.5, 0.9])
    """
    conflict, compromise, capitulation = classify(own, other, valid)
    za, zb = z[..., :, None], z[..., None, :]
    distance = np.abs(zb - za)
    with np.errstate(divide="ignore", invalid="ignore"):
        compromise_z = za + (zb - za) * np.abs(own / other)
        weighted_point = (np.abs(own) * za + np.abs(other) * zb) / (np.abs(own) + np.abs(other))
    keys = (np.where(conflict, distance, np.inf), np.where(compromise, weighted_point, np.inf),
            np.where(capitulation, distance, np.inf))
    best = [_first_lowest(k) for k in keys]
    has = [np.isfinite(k).any(axis=-1) for k in keys]
    choice = np.where(has[0], best[0], np.where(has[1], best[1], np.where(has[2], best[2], NOBODY)))
    code = np.where(has[0], CONFLICT, np.where(has[1], COMPROMISE, np.where(has[2], CAPITULATION, NO_OFFER)))
    safe = np.maximum(choice, 0)[..., None]
    target = np.where(code == COMPROMISE, np.take_along_axis(compromise_z, safe, -1)[..., 0],
                      np.take_along_axis(np.broadcast_to(zb, distance.shape), safe, -1)[..., 0])
    return choice, code, np.where(code == NO_OFFER, z, target)


def _first_lowest(key):
    """Index of the lowest key along the last axis; keys within :data:`TIE` of it tie, and
    the lowest index among the tied wins (so equal distances on the scale stay equal whatever
    the rounding of the rescaled positions)."""
    lowest = key.min(axis=-1, keepdims=True)
    return np.argmax(key <= lowest + TIE, axis=-1)


def _normalised_median(z, weight, here):
    """μ on the normalised scale: the weighted median of the present actors (NaN → 0 if none)."""
    return np.nan_to_num(weighted_median(z, weight, here))
