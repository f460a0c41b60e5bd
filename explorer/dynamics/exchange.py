"""The Stokman / van Oosten equal-gain exchange model, as DECIDE computes it.

Actors trade positions across pairs of issues: on a pair (p, q) two actors who stand on
opposite sides of the weighted mean on both issues each give way on the issue they care
less about, in the amounts that make their expected gains equal. Within a round the best
exchange is executed first and the exchanges it touches are recomputed, until none is
left; between rounds every actor who exchanged moves part of the way to where it voted.

The rules — and every place where this follows DECIDE (``decide-exchange-model``
2022.1.28, ``EqualGainModel`` with ``ALLOW_RANDOM = False``) rather than another reading
of Stokman & van Oosten (1994) — are written out in ``docs/dynamics.md``. The model
computes on 0–100 (each issue's ``low`` → 0, ``high`` → 100, as DECIDE does with its
``#M`` ends) and reports on the issues' own scales.

>>> import numpy as np
>>> position = np.array([[0.0, 100.0], [100.0, 0.0]])
>>> salience = np.array([[0.8, 0.2], [0.2, 0.8]])
>>> run = equal_gain(position, salience, np.ones((2, 2)), rounds=1)
>>> run.count.tolist(), run.moves.actor.tolist(), run.moves.issue.tolist()
([1], [0, 1], [1, 0])
>>> run.moves.after.round(6).tolist(), run.moves.gain.round(6).tolist()
([0.0, 0.0], [12.0, 12.0])
>>> run.position[1].round(6).tolist()
[[0.0, 58.0], [58.0, 0.0]]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from explorer.dynamics.exchange_decimal import DecimalModel
from explorer.dynamics.exchange_round import Round

SALIENCE_WEIGHT = 0.4  # DECIDE's between-round weights: the share of the move an actor keeps is
FIXED_WEIGHT = 0.1  # FIXED_WEIGHT + SALIENCE_WEIGHT · (1 − salience on the issue it gave way on)


@dataclass(frozen=True, eq=False)
class Moves:
    """The executed moves, two per exchange (rows 2k and 2k+1 are exchange k), in execution order.

    ``round`` is 1-based; ``actor`` moved on ``issue`` from ``before`` to ``after`` (its
    voting position, on the issue's own scale) in exchange for ``partner`` moving on
    ``partner_issue``; ``gain`` is the exchange's (equal) gain, on DECIDE's 0–100 scale.
    """

    round: np.ndarray
    actor: np.ndarray
    issue: np.ndarray
    before: np.ndarray
    after: np.ndarray
    partner: np.ndarray
    partner_issue: np.ndarray
    gain: np.ndarray


@dataclass(frozen=True, eq=False)
class Exchanges:
    """A run of the exchange model (R rounds, A actors, I issues; own scales).

    ``position`` (R+1, A, I): the positions each round starts with (round 0 = the input),
    NaN where absent; ``mean`` (R+1, I): their salience×power weighted mean (DECIDE's MDS);
    ``vote_mean`` (R, I): the weighted mean of the voting positions at the end of each round
    (what DECIDE reports as the round's MDS, before the between-round update); ``count``
    (R,): exchanges executed per round; ``moves``: the executed moves.
    """

    position: np.ndarray
    mean: np.ndarray
    vote_mean: np.ndarray
    count: np.ndarray
    moves: Moves


def round_candidates(left, s, active):
    """The candidate exchanges in DECIDE's list order, with their sides assigned.

    Returns (ia, ja, p, q): for each issue pair (p, q) in issue order, first the pairs of an
    actor right of the mean on both issues (group A) with one left of it on both (D), then an
    actor left on p and right on q (B) with one right on p and left on q (C); within a block
    the first actor in actor order, then the second. "Left" is position ≤ mean. The actor
    whose salience ratio s_p / s_q is higher wants p (side i); on equal ratios the first.
    """
    n_issues = left.shape[1]
    left = left & active
    right = active & ~left
    pairs = np.array(list(combinations(range(n_issues), 2)), dtype=int).reshape(-1, 2)
    p_of, q_of = pairs[:, 0], pairs[:, 1]
    group_a = right[:, p_of] & right[:, q_of]  # (A, K)
    group_d = left[:, p_of] & left[:, q_of]
    group_b = left[:, p_of] & right[:, q_of]
    group_c = right[:, p_of] & left[:, q_of]
    blocks = np.stack([group_a.T[:, :, None] & group_d.T[:, None, :],
                       group_b.T[:, :, None] & group_c.T[:, None, :]], axis=1)  # (K, 2, A, A)
    k, _, first, second = np.nonzero(blocks)
    p, q = p_of[k], q_of[k]
    with np.errstate(divide="ignore", invalid="ignore"):
        second_wants_p = s[first, p] / s[first, q] < s[second, p] / s[second, q]
    ia = np.where(second_wants_p, second, first)
    ja = np.where(second_wants_p, first, second)
    return ia, ja, p, q


def _floats(rows) -> np.ndarray:
    return np.array([[0.0 if v is None else float(v) for v in row] for row in rows], dtype=float)


def weighted_mean(position: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Σ w x / Σ w over the actors (axis −2); 0 where nobody weighs (as DECIDE)."""
    total = weight.sum(axis=-2)
    num = (weight * np.nan_to_num(position)).sum(axis=-2)
    return np.divide(num, total, out=np.zeros_like(num), where=total > 0)


def equal_gain(position, salience, power, rounds: int = 10, *, present=None, low=None, high=None) -> Exchanges:
    """Run the equal-gain exchange model for ``rounds`` rounds.

    ``position`` (A, I) on the issues' own scales, ``salience`` (A, I) in [0, 1], ``power``
    (A, I) ≥ 0, ``present`` (A, I) bool (default: where the position is a number); ``low``
    and ``high`` (I,) are the scale ends that map to DECIDE's 0 and 100 (default 0 and 100,
    DECIDE's default for an issue without ``#M`` ends). Only the ratios of ``power`` matter.
    Actor–issue records with salience × power = 0 are treated as absent (DECIDE divides by
    them; see ``docs/dynamics.md``).
    """
    position = np.asarray(position, dtype=float)
    salience = np.asarray(salience, dtype=float)
    power = np.asarray(power, dtype=float)
    if position.ndim != 2 or salience.shape != position.shape or power.shape != position.shape:
        raise ValueError("position, salience and power must be (actors, issues) arrays of one shape")
    if rounds < 0:
        raise ValueError("rounds must be ≥ 0")
    n_actors, n_issues = position.shape
    present = np.isfinite(position) if present is None else np.asarray(present, dtype=bool) & np.isfinite(position)
    low = np.zeros(n_issues) if low is None else np.broadcast_to(np.asarray(low, dtype=float), (n_issues,))
    high = np.full(n_issues, 100.0) if high is None else np.broadcast_to(np.asarray(high, dtype=float), (n_issues,))
    width = high - low
    held = np.where(present, position, np.nan)
    if np.any(held < low - 1e-9 * np.abs(width)) or np.any(held > high + 1e-9 * np.abs(width)):
        raise ValueError("a position lies outside its issue's [low, high]; pass the issues' scale ends")
    step = np.divide(100.0, width, out=np.zeros_like(width), where=width != 0)
    active = present & (salience * power > 0)
    s = np.where(active, salience, 0.0)
    c = np.where(active, power, 0.0)
    weight = s * c

    exact = DecimalModel(np.nan_to_num(position), s, c, active, low, high)
    x = _floats(exact.x)  # DECIDE's 0–100
    positions = [np.where(present & ~active, (np.nan_to_num(position) - low) * step, x)]
    vote_means = []
    counts = []
    rows: list[np.ndarray] = []
    for k in range(rounds):
        left = np.array(exact.left_of_mean(), dtype=bool)
        state = Round(x, s, c, weight, round_candidates(left, s, active), exact)
        done = state.run()
        counts.append(len(done))
        vote = x.copy()
        if len(done):
            actor = np.concatenate([state.ia[done], state.ja[done]])
            issue = np.concatenate([state.q[done], state.p[done]])
            y = np.concatenate([state.y_i[done], state.y_j[done]])
            order = np.concatenate([np.arange(len(done)), np.arange(len(done))])
            # a later exchange on the same actor and issue overrides an earlier one
            last = np.lexsort((-order, actor * n_issues + issue))
            flat = actor[last] * n_issues + issue[last]
            first = np.ones(len(flat), dtype=bool)
            first[1:] = flat[1:] != flat[:-1]
            a, i, yy = actor[last][first], issue[last][first], y[last][first]
            vote[a, i] = yy
            gain = state.gain_done
            n = len(done)
            rows.append(np.stack([
                np.full(2 * n, k + 1.0),
                np.ravel(np.column_stack([state.ia[done], state.ja[done]])),
                np.ravel(np.column_stack([state.q[done], state.p[done]])),
                np.ravel(np.column_stack([state.from_i, state.from_j])),
                np.ravel(np.column_stack([state.y_i[done], state.y_j[done]])),
                np.ravel(np.column_stack([state.ja[done], state.ia[done]])),
                np.ravel(np.column_stack([state.p[done], state.q[done]])),
                np.repeat(gain, 2),
            ]))
        vote_means.append(weighted_mean(vote, weight))
        exact.next_round(state.executed)
        x = _floats(exact.x)
        positions.append(np.where(present & ~active, positions[0], x))

    def own(values, issue_axis_values):
        return low[issue_axis_values] + values * np.divide(width[issue_axis_values], 100.0)

    pos = np.stack(positions)
    own_pos = np.where(present, low + pos * width / 100.0, np.nan)
    mean = weighted_mean(pos, weight)
    table = np.concatenate(rows, axis=1) if rows else np.zeros((8, 0))
    issue_idx = table[2].astype(int)
    moves = Moves(round=table[0].astype(int), actor=table[1].astype(int), issue=issue_idx,
                  before=own(table[3], issue_idx), after=own(table[4], issue_idx),
                  partner=table[5].astype(int), partner_issue=table[6].astype(int), gain=table[7])
    return Exchanges(position=own_pos, mean=low + mean * width / 100.0,
                     vote_mean=low + np.array(vote_means).reshape(rounds, n_issues) * width / 100.0,
                     count=np.array(counts, dtype=int), moves=moves)
