"""explorer.analysis.one_issue: the exact one-issue Nash and K–S against analyze's programmes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.analysis import one_issue
from explorer.analysis.analysis import analyze
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData


def one_issue_scenario(stances: list[tuple[float, float, float, float]], reservations: list[float]) -> Scenario:
    """Veto parties with (position, lo, hi, salience) on one issue and no-deal utilities."""
    raw = {"id": "one", "title": "One issue", "as_of": "2025-01-01",
           "parties": [{"id": f"p{k}", "name": f"P{k}", "capability": 1.0, "veto": True, "reservation": r}
                       for k, r in enumerate(reservations)],
           "issues": [{"id": "x", "name": "X", "low": "0", "high": "100"}],
           "stances": [{"party": f"p{k}", "issue": "x", "position": x, "acceptable": [lo, hi], "salience": s,
                        "source": "assumption", "note": "generated"} for k, (x, lo, hi, s) in enumerate(stances)]}
    return Scenario.from_data(ScenarioData.model_validate(raw))


@st.composite
def bargains(draw):
    count = draw(st.integers(2, 6))
    stances, reservations = [], []
    for _ in range(count):
        x = float(draw(st.integers(0, 100)))
        lo = float(draw(st.integers(0, int(x))))
        hi = float(draw(st.integers(int(x), 100)))
        stances.append((x, lo, hi, float(draw(st.integers(1, 100)))))
        reservations.append(draw(st.integers(0, 90)) / 100)
    return stances, reservations


@settings(max_examples=150)
@given(bargains())
def test_equals_analyze_on_random_one_issue_bargains(bargain):
    stances, reservations = bargain
    result = analyze(one_issue_scenario(stances, reservations))
    position = np.array([s[0] for s in stances])
    lo, hi = max(s[1] for s in stances), min(s[2] for s in stances)
    if lo > hi:  # deadlocked: no zone, no package
        assert result.nash is None
        return
    nash = one_issue.nash(position, np.array(reservations), lo, hi)
    ks = one_issue.kalai_smorodinsky(position, np.array(reservations), lo, hi)
    if result.nash is None:  # no package beats every reservation (by more than the ZOPA tolerance)
        assert nash is None and ks is None
        return
    assert nash == pytest.approx(result.nash.package[0], abs=1e-6)
    assert ks == pytest.approx(result.kalai_smorodinsky.package[0], abs=1e-6)


def test_nash_by_hand_and_without_a_zopa():
    # three bargainers at 0, 50, 100, no-deal 0: Σ log(1 − |x − x_p|/100) is symmetric, so 50
    assert one_issue.nash(np.array([0.0, 50.0, 100.0]), np.zeros(3)) == pytest.approx(50.0, abs=1e-9)
    # 0 and 100 each need more than 0.6: x ≤ 40 and x ≥ 60 at once — none
    assert one_issue.nash(np.array([0.0, 100.0]), np.array([0.6, 0.6])) is None
    assert one_issue.kalai_smorodinsky(np.array([0.0, 100.0]), np.array([0.6, 0.6])) is None
    # the zone cuts the feasible interval: the Nash point of 20 and 60 (40) is outside [50, 100]
    assert one_issue.nash(np.array([20.0, 60.0]), np.zeros(2), 50.0, 100.0) == pytest.approx(50.0, abs=1e-9)
