"""Concessions: applying returns a new scenario, costs, requires/excludes."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer import ScenarioError, analyze, load
from explorer.model.scenario import Scenario, blocked_reason, concession_cost, normalised_salience
from explorer.model.schema import ScenarioData
from tests.conftest import SEED, TEXTBOOK
from tests.strategies import scenario_mappings


def test_with_concessions_leaves_original_untouched():
    base = load(TEXTBOOK)
    before = base.stances
    conceded = base.with_concessions(["union-moderates-wages"])
    assert base.stances == before and base.active == ()
    assert conceded.active == ("union-moderates-wages",)
    assert conceded.stance("union", "wages").position == 60
    assert base.stance("union", "wages").position == 100
    assert conceded.baseline.stances == before


def test_cost_hand_computed():
    # union: saliences wages 10, job security 70, hours 20 → ŝ_wages = 0.1; Δx = 40 → 0.1 · 40/100
    base = load(TEXTBOOK)
    assert base.concession_cost("union-moderates-wages") == pytest.approx(0.04)
    assert normalised_salience(base.stances, "union") == pytest.approx(
        {"wages": 0.1, "job-security": 0.7, "hours": 0.2})


def test_requires_and_excludes_are_enforced():
    base = load(TEXTBOOK)
    with pytest.raises(ScenarioError, match="requires union-moderates-wages"):
        base.with_concessions(["management-hours-pilot"])
    both = base.with_concessions(["management-hours-pilot", "union-moderates-wages"])
    assert both.active == ("union-moderates-wages", "management-hours-pilot")  # file order
    seed = load(SEED)
    exclusive = [c for c in seed.concessions if c.excludes]
    assert exclusive, "the seed scenario has mutually exclusive concessions"
    first = exclusive[0]
    pair = [first.id, first.excludes[0]]
    other = seed.concession(first.excludes[0])
    extra = [r for c in (first, other) for r in c.requires]
    with pytest.raises(ScenarioError, match="excluded by"):
        seed.with_concessions(pair + extra)


def test_unknown_concession_is_named():
    with pytest.raises(ScenarioError, match="unknown concession 'nope'"):
        load(TEXTBOOK).with_concessions(["nope"])


def test_blocked_reason():
    base = load(TEXTBOOK)
    assert base.blocked_reason("management-hours-pilot") == "requires union-moderates-wages"
    assert base.blocked_reason("union-moderates-wages") is None
    c = base.concession("management-hours-pilot")
    assert blocked_reason(c, ["union-moderates-wages"]) is None


def test_cost_uses_saliences_before_the_change():
    raw = {
        "id": "c", "title": "C", "as_of": "2025-01-01",
        "parties": [{"id": "a", "name": "A", "capability": 1, "veto": True},
                    {"id": "b", "name": "B", "capability": 1, "veto": True}],
        "issues": [{"id": "x", "name": "X", "low": "l", "high": "h"},
                   {"id": "y", "name": "Y", "low": "l", "high": "h"}],
        "stances": [
            {"party": "a", "issue": "x", "position": 0, "salience": 30, "source": "assumption", "note": "n"},
            {"party": "a", "issue": "y", "position": 0, "salience": 10, "source": "assumption", "note": "n"},
            {"party": "b", "issue": "x", "position": 100, "salience": 50, "source": "assumption", "note": "n"},
        ],
        "concessions": [{"id": "k", "party": "a", "title": "K", "source": "assumption", "note": "n",
                         "changes": [{"issue": "x", "position": 40, "salience": 90}]}],
    }
    scenario = Scenario.from_data(ScenarioData.model_validate(raw))
    # ŝ_ax before = 30/40 = 0.75; Δx = 40 → 0.3 (not 90/100 · 0.4)
    assert concession_cost(scenario.stances, scenario.concession("k")) == pytest.approx(0.3)
    assert analyze(scenario.with_concessions(["k"])).parties.loc["a", "concession_cost"] == pytest.approx(0.3)


@st.composite
def scenario_with_move(draw):
    raw = draw(scenario_mappings(max_parties=4, max_issues=3))
    veto = [p["id"] for p in raw["parties"] if p["veto"]]
    mover = draw(st.sampled_from(veto))
    own = [s for s in raw["stances"] if s["party"] == mover]
    stance = draw(st.sampled_from(own))
    others = [s["position"] for s in raw["stances"]
              if s["issue"] == stance["issue"] and s["party"] in veto and s["party"] != mover]
    x = stance["position"]
    target = float(np.clip(x, min(others), max(others))) if others else x
    fraction = draw(st.floats(0, 1))
    new = x + fraction * (target - x)
    lo, hi = stance["acceptable"]
    raw["concessions"] = [{
        "id": "move", "party": mover, "title": "Move", "source": "assumption", "note": "generated",
        "changes": [{"issue": stance["issue"], "position": new, "acceptable": [min(lo, new), max(hi, new)]}],
    }]
    return Scenario.from_data(ScenarioData.model_validate(raw)), stance["issue"]


@given(scenario_with_move())
def test_moving_a_veto_party_toward_the_others_never_widens_the_position_gap(case):
    scenario, issue = case
    column = scenario.data.issues.index(next(i for i in scenario.issues if i.id == issue))
    before = analyze(scenario).gaps.position_gap[column]
    after = analyze(scenario.with_concessions(["move"])).gaps.position_gap[column]
    assert after <= before + 1e-9
