"""Exploration: the dashboard's state without widgets."""

import pytest

from explorer import load
from explorer.app.state import Exploration
from tests.conftest import SEED, TEXTBOOK


def test_toggle_and_reset_restore_baseline_exactly():
    state = Exploration(load(SEED))
    baseline = state.analysis
    state.set("ukraine-line-freeze", True)
    assert state.analysis.agreement_gap < baseline.agreement_gap
    state.reset()
    assert state.active == ()
    assert state.analysis is baseline  # cached: the very same numbers


def test_switching_off_a_requirement_switches_off_its_dependants():
    state = Exploration(load(TEXTBOOK))
    assert state.blocked("management-hours-pilot") == "requires union-moderates-wages"
    state.set("union-moderates-wages", True)
    state.set("management-hours-pilot", True)
    state.set("union-moderates-wages", False)
    assert state.active == ()


def test_blocked_concession_cannot_be_switched_on():
    state = Exploration(load(TEXTBOOK))
    with pytest.raises(ValueError, match="requires"):
        state.set("management-hours-pilot", True)


def test_party_all_respects_excludes_and_requires():
    state = Exploration(load(SEED))
    state.set_party("ukraine", True)
    ukraine = {c.id for c in state.baseline.concessions if c.party == "ukraine"}
    on = set(state.active)
    assert on <= ukraine and on
    for cid in on:
        for other in state.baseline.concession(cid).excludes:
            assert other not in on
    state.set_party("ukraine", False)
    assert state.active == ()


def test_outcome_falls_back_under_deadlock():
    state = Exploration(load(SEED))
    shown, note = state.outcome_shown("nash")
    assert shown == "compromise" and "deadlocked" in note
    state = Exploration(load(TEXTBOOK))
    assert state.outcome_shown("nash") == ("nash", None)
