"""Scenario → Scenario transforms (explorer/model/transforms.py): one stance moved, every uncertainty set."""

import pytest

import explorer
from explorer.errors import ScenarioError
from explorer.model.scenario import Scenario
from explorer.model.transforms import with_stance, with_uncertainty
from tests.conftest import DEAL




def test_with_stance_replaces_that_stances_fields_only(seed):
    moved = with_stance(seed.with_concessions(DEAL), "russia", "territory", position=80.0, salience=50.0)
    stance = moved.stance("russia", "territory")
    assert (stance.position, stance.salience) == (80.0, 50.0)
    assert stance.acceptable == seed.stance("russia", "territory").acceptable
    assert [s for s in moved.stances if (s.party, s.issue) != ("russia", "territory")] == \
        [s for s in seed.stances if (s.party, s.issue) != ("russia", "territory")]
    assert moved.active == () and moved.source == seed.source  # the baseline, from the same file
    assert seed.stance("russia", "territory").position == 90.0  # the scenario given is untouched
    assert explorer.analyze(moved).issues.loc["territory", "compromise"] != \
        explorer.analyze(seed).issues.loc["territory", "compromise"]


def test_with_stance_is_cross_checked_like_a_file(case):
    narrowed = with_stance(case, "union", "wages", acceptable=(30.0, 100.0))
    assert narrowed.stance("union", "wages").acceptable == (30.0, 100.0)
    with pytest.raises(ScenarioError, match="lies outside its red lines"):
        with_stance(case, "union", "wages", acceptable=(30.0, 90.0))


def test_with_uncertainty_sets_or_scales_every_sigma_and_keeps_the_concessions(seed, case):
    deal = seed.with_concessions(DEAL)
    scaled = with_uncertainty(deal, scale=2)
    assert scaled.active == deal.active
    assert [s.uncertainty for s in scaled.stances] == [2 * s.uncertainty for s in deal.stances]
    assert {s.uncertainty for s in with_uncertainty(deal, scale=100).stances} <= {0.0, 100.0}
    assert {s.uncertainty for s in with_uncertainty(case, sigma=7).stances} == {7.0}
    for wrong in ({}, {"sigma": 1, "scale": 1}):
        with pytest.raises(ValueError):
            with_uncertainty(case, **wrong)


def test_with_uncertainty_changes_the_uncertainty_a_concession_sets(seed):
    first, *rest = seed.data.concessions
    change = first.changes[0].model_copy(update={"uncertainty": 5.0})
    concession = first.model_copy(update={"changes": (change, *first.changes[1:])})
    coded = Scenario.from_data(seed.data.model_copy(update={"concessions": (concession, *rest)}))
    assert with_uncertainty(coded, scale=2).concession(first.id).changes[0].uncertainty == 10.0
    assert with_uncertainty(coded, sigma=3).concession(first.id).changes[0].uncertainty == 3.0
    assert with_uncertainty(coded, scale=2).concession(first.id).changes[1:] == first.changes[1:]
