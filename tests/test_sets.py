"""Sets of concessions as bit codes (explorer.deals.sets) against Scenario.with_concessions."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

from explorer import load
from explorer.analysis.arrays import ScenarioArrays
from explorer.deals.sets import (
    apply_sets, baseline_stances, code_of, cost_matrix, ids_of, members, rule_feasible_codes,
)
from explorer.errors import ScenarioError
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData
from tests.conftest import TEXTBOOK
from tests.strategies import scenarios_with_concessions


def every_subset(scenario):
    ids = [c.id for c in scenario.concessions]
    for r in range(len(ids) + 1):
        yield from itertools.combinations(ids, r)


def respects_rules(scenario, chosen) -> bool:
    """requires/excludes, read straight off the scenario: every member's requirements are members
    and no member excludes another member."""
    chosen = set(chosen)
    return all(set(scenario.concession(c).requires) <= chosen and not set(scenario.concession(c).excludes) & chosen
               for c in chosen)


def code(scenario, chosen) -> int:
    index = [c.id for c in scenario.concessions]
    return sum(2 ** index.index(c) for c in chosen)


def test_textbook_rule_feasible_codes_by_hand():
    # bits: 1 = union-moderates-wages, 2 = management-hours-pilot (requires bit 1), 4 = union-flexible-hours
    # every code but those holding 2 without 1: 2 and 6 are out
    assert rule_feasible_codes(load(TEXTBOOK)).tolist() == [0, 1, 3, 4, 5, 7]


@settings(max_examples=60, deadline=None)
@given(scenarios_with_concessions())
def test_rule_feasible_codes_are_the_sets_respecting_requires_and_excludes(scenario):
    expected = sorted(code(scenario, s) for s in every_subset(scenario) if respects_rules(scenario, s))
    codes = rule_feasible_codes(scenario)
    assert codes.dtype == np.uint32
    assert codes.tolist() == expected


def stance_arrays(scenario):
    a = ScenarioArrays.from_scenario(scenario)
    capability = np.where(a.has, a.weight / np.where(a.salience > 0, a.salience, 1.0), 0.0)
    return {"position": a.position, "lo": a.lo, "hi": a.hi, "salience": a.salience,
            "capability": capability, "uncertainty": a.uncertainty}


@settings(max_examples=60, deadline=None)
@given(scenarios_with_concessions())
def test_apply_sets_matches_with_concessions(scenario):
    """Every subset: Scenario accepts it exactly when the rules hold and apply_sets puts every
    position inside its red lines; then the stances in force are the same, field by field."""
    subsets = list(every_subset(scenario))
    codes = np.array([code(scenario, s) for s in subsets], dtype=np.uint32)
    stacked = apply_sets(scenario, members(codes, len(scenario.concessions)))
    inside = stacked.within_red_lines
    for n, chosen in enumerate(subsets):
        try:
            applied = scenario.with_concessions(chosen)
        except ScenarioError:
            applied = None
        assert (applied is not None) == (respects_rules(scenario, chosen) and bool(inside[n])), chosen
        if applied is None:
            continue
        assert set(applied.active) == set(chosen)
        for field, expected in stance_arrays(applied).items():
            got = getattr(stacked, field)[n]
            if field in ("salience", "capability", "uncertainty"):
                got = np.where(np.isnan(stacked.position[n]), 0.0, got)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12, err_msg=f"{field} under {chosen}")


@settings(max_examples=40, deadline=None)
@given(scenarios_with_concessions())
def test_codes_ids_costs(scenario):
    ids = [c.id for c in scenario.concessions]
    for chosen in every_subset(scenario):
        value = code_of(chosen, scenario)
        assert value == code(scenario, chosen)
        assert ids_of(value, scenario) == tuple(chosen)  # combinations keep file order
        assert members(np.array([value], dtype=np.uint32), len(ids))[0].tolist() == [c in chosen for c in ids]
    matrix = cost_matrix(scenario)
    party_ids = [p.id for p in scenario.parties]
    for k, concession in enumerate(scenario.concessions):
        row = np.zeros(len(party_ids))
        row[party_ids.index(concession.party)] = scenario.concession_cost(concession.id)
        assert matrix[k].tolist() == row.tolist()
    base = baseline_stances(scenario)
    for field, expected in stance_arrays(scenario).items():
        got = getattr(base, field)[0]
        if field in ("salience", "capability", "uncertainty"):
            got = np.where(np.isnan(base.position[0]), 0.0, got)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_later_concession_wins_on_the_same_field():
    scenario = load(TEXTBOOK)
    # union-moderates-wages sets union wages to 60; union-flexible-hours sets union hours to 60;
    # a copy of the file with a second wage move (to 80) after the first: the later one wins
    data = scenario.data
    second = data.concessions[0].model_copy(update={
        "id": "union-wages-80", "changes": (data.concessions[0].changes[0].model_copy(update={"position": 80.0}),),
    })
    twice = Scenario.from_data(data.model_copy(update={"concessions": (*data.concessions, second)}))
    stacked = apply_sets(twice, members(np.array([0b1001], dtype=np.uint32), 4))
    union, wages = 0, 0
    assert stacked.position[0, union, wages] == 80.0
    assert twice.with_concessions(["union-wages-80", "union-moderates-wages"]).stance("union", "wages").position == 80.0


def test_an_explicit_null_in_a_change_changes_nothing_in_either_path():
    """A field written as null is not changed (as if left out; the writer omits nulls): with_concessions
    and apply_sets agree, and a change of nothing but nulls is refused as setting no field."""
    raw = {
        "id": "t", "title": "T", "as_of": "2025-01-01",
        "parties": [{"id": "a", "name": "A", "capability": 1.0, "veto": True},
                    {"id": "b", "name": "B", "capability": 2.0, "veto": True}],
        "issues": [{"id": "i", "name": "I", "low": "l", "high": "h"}],
        "stances": [{"party": "a", "issue": "i", "position": 10.0, "salience": 50.0, "capability": 7.0,
                     "source": "assumption", "note": "n"},
                    {"party": "b", "issue": "i", "position": 90.0, "salience": 50.0,
                     "source": "assumption", "note": "n"}],
        "concessions": [{"id": "c", "party": "a", "title": "C", "source": "assumption", "note": "n",
                         "changes": [{"issue": "i", "position": 20.0, "capability": None, "salience": None}]}],
    }
    scenario = Scenario.from_data(ScenarioData.model_validate(raw))
    moved = scenario.with_concessions(["c"]).stance("a", "i")
    assert (moved.position, moved.capability, moved.salience) == (20.0, 7.0, 50.0)
    stacked = apply_sets(scenario, members(np.array([0, 1], dtype=np.uint32), 1))
    assert stacked.capability[:, 0, 0].tolist() == [7.0, 7.0]
    assert stacked.position[:, 0, 0].tolist() == [10.0, 20.0]
    raw["concessions"][0]["changes"] = [{"issue": "i", "position": None}]
    with pytest.raises(ScenarioError, match="at least one stance field"):
        Scenario.from_data(ScenarioData.model_validate(raw))