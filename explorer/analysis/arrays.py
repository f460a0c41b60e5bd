"""A scenario as aligned numpy arrays: one row per party, one column per issue.

Missing stances are NaN in ``position``/``lo``/``hi`` and 0 in ``salience``,
``share`` and ``weight``, so sums over issues need no masks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.model.scenario import Scenario


@dataclass(frozen=True, eq=False)
class ScenarioArrays:
    party_ids: tuple[str, ...]
    issue_ids: tuple[str, ...]
    veto: np.ndarray  # (P,) bool
    reservation: np.ndarray  # (P,)
    has: np.ndarray  # (P, I) bool: party has a stance on the issue
    position: np.ndarray  # (P, I) x_pi
    salience: np.ndarray  # (P, I) s_pi
    share: np.ndarray  # (P, I) ŝ_pi = s_pi / Σ_j s_pj
    lo: np.ndarray  # (P, I) red-line lower end
    hi: np.ndarray  # (P, I) red-line upper end
    weight: np.ndarray  # (P, I) c_pi · s_pi, the weight in outcome predictions
    uncertainty: np.ndarray  # (P, I) σ_pi, the coder's uncertainty in scale points (0 where no stance)

    @classmethod
    def from_scenario(cls, scenario: Scenario) -> ScenarioArrays:
        parties = {p.id: k for k, p in enumerate(scenario.parties)}
        issues = {i.id: k for k, i in enumerate(scenario.issues)}
        shape = (len(parties), len(issues))
        position, lo, hi = (np.full(shape, np.nan) for _ in range(3))
        salience, capability, uncertainty = np.zeros(shape), np.zeros(shape), np.zeros(shape)
        party_capability = np.array([p.capability for p in scenario.parties])
        for s in scenario.stances:
            p, i = parties[s.party], issues[s.issue]
            position[p, i] = s.position
            salience[p, i] = s.salience
            lo[p, i], hi[p, i] = s.acceptable
            uncertainty[p, i] = s.uncertainty
            capability[p, i] = s.capability if s.capability is not None else party_capability[p]
        totals = salience.sum(axis=1, keepdims=True)
        share = np.divide(salience, totals, out=np.zeros(shape), where=totals > 0)
        return cls(
            party_ids=tuple(parties),
            issue_ids=tuple(issues),
            veto=np.array([p.veto for p in scenario.parties], dtype=bool),
            reservation=np.array([p.reservation for p in scenario.parties]),
            has=~np.isnan(position),
            position=position,
            salience=salience,
            share=share,
            lo=lo,
            hi=hi,
            weight=capability * salience,
            uncertainty=uncertainty,
        )
