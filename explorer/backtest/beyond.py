"""Trying to beat the compromise: the pre-registered "anchored compromise" (docs/backtest_preregistration.md).

    ŷ = (1 − λ) · compromise + λ · rp   where a reference point rp is recorded, else the compromise;

λ from the grid 0, 0.05, …, 1 with the lowest MAE on the training proposals (ties: the smaller), then
scored once on the held-out proposals (SHA-256 of the proposal id, first byte divisible by 3) against
the compromise, with the paired cluster-bootstrap interval of :mod:`.scores`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from explorer.backtest.predictors import DeuArrays, weighted_rules
from explorer.backtest.scores import RESAMPLES, cluster_resamples, score

GRID = tuple(round(0.05 * k, 2) for k in range(21))


def held_out(proposal: str) -> bool:
    """The pre-registered split: held out when SHA-256(proposal id)'s first byte is divisible by 3.

    >>> held_out("d00032"), hashlib.sha256(b"d00032").digest()[0] % 3 == 0
    (False, False)
    """
    return hashlib.sha256(proposal.encode("utf-8")).digest()[0] % 3 == 0


def anchored(compromise: np.ndarray, reference: np.ndarray, weight: float) -> np.ndarray:
    """(1 − λ)·compromise + λ·rp where rp is recorded (finite), else the compromise.

    >>> anchored(np.array([60.0, 60.0]), np.array([0.0, np.nan]), 0.25).tolist()
    [45.0, 60.0]
    """
    return np.where(np.isfinite(reference), (1 - weight) * compromise + weight * reference, compromise)


@dataclass(frozen=True)
class Attempt:
    weight: float  # λ tuned on the training part
    train_mae: dict[float, float]  # λ → MAE on the training part
    test: dict  # the rule's scores on the held-out part (paired to the compromise)
    test_compromise: dict
    train_issues: int
    test_issues: int
    test_proposals: int

    @property
    def wins(self) -> bool:
        """Shipped only if the paired interval lies wholly below zero."""
        return self.test["diff_ci"][1] < 0


def attempt(arrays: DeuArrays, seed: int = 0, resamples: int = RESAMPLES) -> Attempt | None:
    """Tune λ on the training proposals, score once on the held-out ones (None when either part has no
    issue with an outcome)."""
    compromise = weighted_rules(arrays)["compromise"]
    proposals = arrays.column("proposal")
    test = np.array([held_out(p) for p in proposals])
    scored = np.isfinite(arrays.outcome)
    train = ~test & scored
    if not train.any() or not (test & scored).any():
        return None

    def train_error(weight: float) -> float:
        return float(np.abs(anchored(compromise, arrays.reference, weight) - arrays.outcome)[train].mean())

    errors = {weight: train_error(weight) for weight in GRID}
    best = min(GRID, key=lambda weight: (errors[weight], weight))
    rows = test & scored
    counts = cluster_resamples(proposals[rows], resamples, seed)
    keep = lambda values: values[rows]  # noqa: E731
    rule = score(keep(anchored(compromise, arrays.reference, best)), keep(arrays.outcome), proposals[rows],
                 keep(compromise), counts)
    baseline = score(keep(compromise), keep(arrays.outcome), proposals[rows], keep(compromise), counts)
    return Attempt(best, errors, rule, baseline, int(train.sum()), int(rows.sum()),
                   len(set(proposals[rows].tolist())))
