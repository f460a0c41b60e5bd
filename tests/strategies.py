"""Shared hypothesis strategies: valid scenarios of any small size."""

from __future__ import annotations

from hypothesis import strategies as st

from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData

points = st.integers(0, 100).map(float)


@st.composite
def stance_values(draw, wide: bool = False):
    """(position, salience, [lo, hi]) with lo ≤ position ≤ hi."""
    position = draw(points)
    if wide:
        lo, hi = 0.0, 100.0
    else:
        lo = draw(st.integers(0, int(position)).map(float))
        hi = draw(st.integers(int(position), 100).map(float))
    salience = draw(st.integers(1, 100).map(float))
    return position, salience, [lo, hi]


@st.composite
def scenario_mappings(draw, min_parties=2, max_parties=5, max_issues=5, wide=False, zero_reservation=False,
                      all_stances=False):
    """A raw scenario mapping that validates: ≥ 2 veto parties, every party with a stance."""
    n_parties = draw(st.integers(min_parties, max_parties))
    n_issues = draw(st.integers(1, max_issues))
    n_veto = draw(st.integers(2, n_parties))
    parties = [
        {
            "id": f"p{k}",
            "name": f"Party {k}",
            "capability": float(draw(st.integers(1, 100))),
            "veto": k < n_veto,
            "reservation": 0.0 if zero_reservation else draw(st.integers(0, 90)) / 100,
        }
        for k in range(n_parties)
    ]
    issues = [{"id": f"i{k}", "name": f"Issue {k}", "low": "low", "high": "high"} for k in range(n_issues)]
    stances = []
    for k in range(n_parties):
        if all_stances:
            chosen = list(range(n_issues))
        else:
            chosen = sorted(draw(st.sets(st.integers(0, n_issues - 1), min_size=1, max_size=n_issues)))
        for i in chosen:
            position, salience, acceptable = draw(stance_values(wide=wide))
            stances.append({
                "party": f"p{k}", "issue": f"i{i}", "position": position, "salience": salience,
                "acceptable": acceptable, "source": "assumption", "note": "generated",
            })
    return {"id": "generated", "title": "Generated", "as_of": "2025-01-01",
            "parties": parties, "issues": issues, "stances": stances}


def scenarios(**kwargs):
    """Valid baseline :class:`Scenario` objects."""
    return scenario_mappings(**kwargs).map(
        lambda raw: Scenario.from_data(ScenarioData.model_validate(raw))
    )
