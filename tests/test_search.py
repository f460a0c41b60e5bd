"""The deal search against brute force: every subset tried with Scenario.with_concessions,
analyzed, and its Pareto fronts computed here, independently of explorer.deals."""

import itertools
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import explorer
from explorer import analyze, load, search, uncertainty
from explorer.deals import search as search_module
from explorer.deals.report import FORMATS
from explorer.errors import ScenarioError
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData
from tests.conftest import SEED, TEXTBOOK
from tests.strategies import scenarios_with_concessions

EPS = 1e-9
README_DEAL = {"ukraine-nato-deferral", "russia-nato-deferral", "ukraine-line-freeze", "russia-line-freeze",
               "ukraine-minority-rights", "russia-minority-standards", "ukraine-open-agenda",
               "russia-drops-preconditions"}


def brute_force(scenario):
    """One row per set of concessions the scenario accepts: (set, total, largest, gap, zopa)."""
    parties = [p.id for p in scenario.parties]
    ids = [c.id for c in scenario.concessions]
    rows = []
    for r in range(len(ids) + 1):
        for chosen in itertools.combinations(ids, r):
            try:
                applied = scenario.with_concessions(chosen)
            except ScenarioError:
                continue
            result = analyze(applied)
            cost = dict.fromkeys(parties, 0.0)
            for cid in chosen:
                cost[scenario.concession(cid).party] += scenario.concession_cost(cid)
            rows.append((frozenset(chosen), sum(cost.values()), max(cost.values()), result.agreement_gap,
                         result.package_zopa))
    return rows


def dominates(q, p):
    """q ≤ p on both and < on one (with a tolerance for rounding)."""
    return q[0] <= p[0] + EPS and q[1] <= p[1] + EPS and (q[0] < p[0] - EPS or q[1] < p[1] - EPS)


def front(pairs):
    """The distinct non-dominated pairs."""
    distinct = []
    for p in sorted(pairs):
        if not any(abs(p[0] - q[0]) <= EPS and abs(p[1] - q[1]) <= EPS for q in distinct):
            distinct.append(p)
    return [p for p in distinct if not any(dominates(q, p) for q in distinct)]


def same_pairs(got, expected):
    assert len(got) == len(expected), (got, expected)
    for p, q in zip(sorted(got), sorted(expected)):
        assert p == pytest.approx(q, abs=1e-7), (got, expected)


def check_against_brute_force(scenario, result, rows):
    by_set = {row[0]: row for row in rows}
    assert result.feasible_sets == len(rows)
    # deals: the non-dominated (total, largest) pairs among the sets opening a package ZOPA
    zopa = [row for row in rows if row[4]]
    expected = front([(row[1], row[2]) for row in zopa])
    same_pairs([(d.total_cost, d.max_party_cost) for d in result.deals], expected)
    totals = [d.total_cost for d in result.deals]
    assert totals == sorted(totals)
    for d in result.deals:
        row = by_set[frozenset(d.concessions)]  # a set the scenario accepts …
        assert row[4]  # … that opens a ZOPA …
        assert (row[1], row[2]) == pytest.approx((d.total_cost, d.max_party_cost), abs=1e-9)  # … at that cost
        assert not any(dominates((r[1], r[2]), (d.total_cost, d.max_party_cost)) for r in zopa)
        assert sum(d.costs.values()) == pytest.approx(d.total_cost, abs=1e-12)
        assert max(d.costs.values()) == pytest.approx(d.max_party_cost, abs=1e-12)
        assert d.package_surplus > 0
        # one set per pair: the one with fewest concessions
        same = [r for r in zopa if abs(r[1] - d.total_cost) <= EPS and abs(r[2] - d.max_party_cost) <= EPS]
        assert len(d.concessions) == min(len(r[0]) for r in same)
    # progress: the non-dominated (total, agreement gap) pairs over every feasible set
    expected = front([(row[1], row[3]) for row in rows])
    same_pairs([(p.total_cost, p.agreement_gap) for p in result.progress], expected)
    for p in result.progress:
        row = by_set[frozenset(p.concessions)]
        assert (row[1], row[3]) == pytest.approx((p.total_cost, p.agreement_gap), abs=1e-9)
        same = [r for r in rows if abs(r[1] - p.total_cost) <= EPS and abs(r[3] - p.agreement_gap) <= EPS]
        assert len(p.concessions) == min(len(r[0]) for r in same)
    assert [p.total_cost for p in result.progress] == sorted(p.total_cost for p in result.progress)


@settings(max_examples=50, deadline=None)
@given(scenarios_with_concessions())
def test_search_agrees_with_brute_force(scenario):
    rows = brute_force(scenario)
    check_against_brute_force(scenario, search(scenario), rows)


@settings(max_examples=30, deadline=None)
@given(scenarios_with_concessions(reaches=(10,), kinds=("position+redlines", "position+redlines", "redlines"),
                                  max_issues=2, min_concessions=4))
def test_search_agrees_with_brute_force_from_tight_red_lines(scenario):
    """Red lines 10 points either side of each position (baselines mostly deadlocked), and
    concessions that move red lines: longer progress fronts, deals that need concessions."""
    rows = brute_force(scenario)
    check_against_brute_force(scenario, search(scenario), rows)


@settings(max_examples=30, deadline=None)
@given(scenarios_with_concessions(), st.integers(1, 8))
def test_alternatives_are_the_cheapest_other_zopa_sets(scenario, wanted):
    rows = brute_force(scenario)
    result = search(scenario, alternatives=wanted)
    check_against_brute_force(scenario, result, rows)
    by_set = {row[0]: row for row in rows}
    deals = {frozenset(d.concessions) for d in result.deals}
    chosen = [frozenset(a.concessions) for a in result.alternatives]
    assert len(set(chosen)) == len(chosen) <= wanted
    for a, key in zip(result.alternatives, chosen):
        assert by_set[key][4] and key not in deals
        assert by_set[key][1] == pytest.approx(a.total_cost, abs=1e-9)
    totals = [a.total_cost for a in result.alternatives]
    assert totals == sorted(totals)
    others = [row for row in rows if row[4] and row[0] not in deals and row[0] not in chosen]
    if len(chosen) < wanted:  # fewer than asked for: there are no more
        assert not others
    else:  # none left out is cheaper than the dearest listed
        assert all(row[1] >= totals[-1] - EPS for row in others)


def with_draws_check(scenario, draws, seed):
    result = search(scenario, draws=draws, seed=seed, alternatives=2)
    assert result.draws == draws and result.seed == seed
    for d in result.deals + result.alternatives:
        assert 0.0 <= d.p_package_zopa <= 1.0
        applied = scenario.with_concessions(d.concessions)
        assert analyze(applied).package_zopa
        assert d.p_package_zopa == uncertainty(applied, draws, seed).p_package_zopa
        assert d.p_package_zopa_se == pytest.approx(np.sqrt(d.p_package_zopa * (1 - d.p_package_zopa) / draws))
    return result


@settings(max_examples=30, deadline=None)
@given(scenarios_with_concessions(), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_chances_of_deals_are_uncertainty_with_the_same_draws(scenario, draws, seed):
    with_draws_check(scenario, draws, seed)


def test_without_draws_there_are_no_chances():
    result = search(load(TEXTBOOK), alternatives=1)
    assert all(d.p_package_zopa is None and d.p_package_zopa_se is None for d in result.deals + result.alternatives)


# -- the shipped scenarios -------------------------------------------------------------

def test_textbook_by_hand():
    # The baseline already has a ZOPA (surplus 0.2): the empty set, at no cost, dominates every other.
    # Its red lines are the whole scale, so the agreement gap is 0 from the start.
    # Rule-feasible sets: {}, {w}, {w, p}, {f}, {w, f}, {w, p, f} (the pilot p needs the wage move w);
    # every one keeps both red lines whole, so all six are feasible. Each opens a ZOPA: at (0, 100, 50)
    # the union gets 0.7 + 0.1·(1 − |50 − x_h|/100)·2 ≥ 0.8 and management 0.7 + 0.2·(1 − |50 − x_h|/100) ≥ 0.8.
    # Costs: w = 0.04 (union), p = 0.08 (management), f = 0.08 (union).
    result = search(load(TEXTBOOK), alternatives=10)
    assert result.feasible_sets == 6
    assert [(d.concessions, d.total_cost, d.max_party_cost) for d in result.deals] == [((), 0.0, 0.0)]
    assert result.deals[0].package_surplus == pytest.approx(0.2, abs=1e-12)
    assert [(p.concessions, p.total_cost, p.agreement_gap) for p in result.progress] == [((), 0.0, 0.0)]
    w, p, f = "union-moderates-wages", "management-hours-pilot", "union-flexible-hours"
    alternatives = [(set(a.concessions), round(a.total_cost, 12), round(a.max_party_cost, 12))
                    for a in result.alternatives]
    assert alternatives[0] == ({w}, 0.04, 0.04)
    assert alternatives[1] == ({f}, 0.08, 0.08)
    assert alternatives[2] == ({w, p}, 0.12, 0.08)  # union 0.04, management 0.08
    assert alternatives[3] == ({w, f}, 0.12, 0.12)
    assert alternatives[4] == ({w, p, f}, 0.2, 0.12)  # union 0.12, management 0.08
    assert len(alternatives) == 5
    assert result.alternatives[2].costs == pytest.approx({"union": 0.04, "management": 0.08})
    # no uncertainty in the file: every deal is certain
    assert with_draws_check(load(TEXTBOOK), 50, 0).deals[0].p_package_zopa == 1.0


def hand_scenario() -> Scenario:
    """One issue; A at 0 with red lines [0, 30], B at 100 with [60, 100]: a gap of 30. r = 0.5 each.

    a1 (A): position 20, red lines [0, 60]      cost 1.0·20/100 = 0.2
    b1 (B): position 70, red lines [50, 100]    cost 1.0·30/100 = 0.3
    b2 (B): position 60, red lines [40, 100]    cost 0.4; excludes b1
    a3 (A): red lines [0, 10], position kept    cost 0 (it moves no position)
    """
    stance = {"issue": "i", "salience": 50.0, "source": "assumption", "note": "n"}
    change = lambda position, lo, hi: {"issue": "i", "position": position, "acceptable": [lo, hi]}  # noqa: E731
    concession = {"title": "t", "source": "assumption", "note": "n"}
    raw = {
        "id": "hand", "title": "Hand", "as_of": "2025-01-01",
        "parties": [{"id": "a", "name": "A", "capability": 1.0, "veto": True, "reservation": 0.5},
                    {"id": "b", "name": "B", "capability": 1.0, "veto": True, "reservation": 0.5}],
        "issues": [{"id": "i", "name": "I", "low": "l", "high": "h"}],
        "stances": [{**stance, "party": "a", "position": 0.0, "acceptable": [0.0, 30.0]},
                    {**stance, "party": "b", "position": 100.0, "acceptable": [60.0, 100.0]}],
        "concessions": [
            {**concession, "id": "a1", "party": "a", "changes": [change(20.0, 0.0, 60.0)]},
            {**concession, "id": "b1", "party": "b", "changes": [change(70.0, 50.0, 100.0)]},
            {**concession, "id": "b2", "party": "b", "changes": [change(60.0, 40.0, 100.0)], "excludes": ["b1"]},
            {**concession, "id": "a3", "party": "a", "changes": [{"issue": "i", "acceptable": [0.0, 10.0]}]},
        ],
    }
    return Scenario.from_data(ScenarioData.model_validate(raw))


def test_hand_scenario():
    # 16 subsets; 4 hold b1 and b2 (excluded); 3 more hold a1 and a3: position 20 outside [0, 10].
    # The 9 feasible sets, (total, largest, red-line gap = agreement gap, one issue), ZOPA:
    #   {}          (0,   0,   60 − 30 = 30)   no
    #   {a1}        (0.2, 0.2, zone [60, 60])  u_A = 0.6, u_B = 0.6: surplus 0.1
    #   {b1}        (0.3, 0.3, 50 − 30 = 20)   no
    #   {b2}        (0.4, 0.4, 40 − 30 = 10)   no
    #   {a3}        (0,   0,   60 − 10 = 50)   no
    #   {a1, b1}    (0.5, 0.3, zone [50, 60])  at 50: u_A = 0.7, u_B = 0.8: surplus 0.2
    #   {a1, b2}    (0.6, 0.4, zone [40, 60])  at 40: u_A = 0.8 = u_B: surplus 0.3
    #   {b1, a3}    (0.3, 0.3, 50 − 10 = 40)   no
    #   {b2, a3}    (0.4, 0.4, 40 − 10 = 30)   no
    # deals: {a1} dominates both others; progress: (0, 30) then (0.2, 0).
    scenario = hand_scenario()
    result = search(scenario, alternatives=5)
    assert result.feasible_sets == 9
    assert [(d.concessions, d.total_cost, d.max_party_cost) for d in result.deals] == [(("a1",), 0.2, 0.2)]
    assert result.deals[0].package_surplus == pytest.approx(0.1, abs=1e-12)
    assert result.deals[0].costs == {"a": 0.2, "b": 0.0}
    assert [(a.concessions, a.package_surplus) for a in result.alternatives] == [
        (("a1", "b1"), pytest.approx(0.2, abs=1e-12)), (("a1", "b2"), pytest.approx(0.3, abs=1e-12))]
    assert [(p.concessions, p.total_cost, p.agreement_gap) for p in result.progress] == [
        ((), 0.0, 30.0), (("a1",), 0.2, 0.0)]
    check_against_brute_force(scenario, result, brute_force(scenario))


def test_hand_scenario_with_two_deals():
    """One issue; A at 0 with red lines [0, 30], B at 100 with [60, 100]: a gap of 30. r = 0.3 each.

    a1 (A): position 20, red lines [0, 60]      cost 0.2
    a2 (A): position 10, red lines [0, 45]      cost 0.1
    b2 (B): position 85, red lines [45, 100]    cost 0.15
    """
    stance = {"issue": "i", "salience": 50.0, "source": "assumption", "note": "n"}
    concession = {"title": "t", "source": "assumption", "note": "n"}
    change = lambda position, lo, hi: [{"issue": "i", "position": position, "acceptable": [lo, hi]}]  # noqa: E731
    raw = {
        "id": "hand2", "title": "Hand 2", "as_of": "2025-01-01",
        "parties": [{"id": "a", "name": "A", "capability": 1.0, "veto": True, "reservation": 0.3},
                    {"id": "b", "name": "B", "capability": 1.0, "veto": True, "reservation": 0.3}],
        "issues": [{"id": "i", "name": "I", "low": "l", "high": "h"}],
        "stances": [{**stance, "party": "a", "position": 0.0, "acceptable": [0.0, 30.0]},
                    {**stance, "party": "b", "position": 100.0, "acceptable": [60.0, 100.0]}],
        "concessions": [{**concession, "id": "a1", "party": "a", "changes": change(20.0, 0.0, 60.0)},
                        {**concession, "id": "a2", "party": "a", "changes": change(10.0, 0.0, 45.0)},
                        {**concession, "id": "b2", "party": "b", "changes": change(85.0, 45.0, 100.0)}],
    }
    scenario = Scenario.from_data(ScenarioData.model_validate(raw))
    # All 8 sets are feasible. A's stance is that of its last concession in file order (a2 after a1).
    #   {}            (0,    0,    gap 60 − 30 = 30)
    #   {a1}          (0.2,  0.2,  zone [60, 60]: u_A = 0.6, u_B = 0.6, surplus 0.3)   ZOPA
    #   {a2}          (0.1,  0.1,  gap 60 − 45 = 15)
    #   {b2}          (0.15, 0.15, gap 45 − 30 = 15)
    #   {a1, a2}      (0.3,  0.3,  gap 15: a2's red lines win)
    #   {a1, b2}      (0.35, 0.2,  zone [45, 60])                                        ZOPA
    #   {a2, b2}      (0.25, 0.15, zone [45, 45]: u_A = 0.65, u_B = 0.6, surplus 0.3)   ZOPA
    #   {a1, a2, b2}  (0.45, 0.3,  zone [45, 45])                                        ZOPA
    # deals: {a1} (cheapest in total) and {a2, b2} (cheapest for the party that gives most);
    # progress: (0, 30), (0.1, 15), (0.2, 0).
    result = search(scenario, alternatives=5)
    assert result.feasible_sets == 8
    assert [(d.concessions, d.total_cost, d.max_party_cost) for d in result.deals] == [
        (("a1",), 0.2, 0.2), (("a2", "b2"), pytest.approx(0.25), 0.15)]
    assert [d.package_surplus for d in result.deals] == pytest.approx([0.3, 0.3], abs=1e-12)
    assert [a.concessions for a in result.alternatives] == [("a1", "b2"), ("a1", "a2", "b2")]
    assert [(p.concessions, p.total_cost, p.agreement_gap) for p in result.progress] == [
        ((), 0.0, 30.0), (("a2",), 0.1, 15.0), (("a1",), 0.2, 0.0)]
    check_against_brute_force(scenario, result, brute_force(scenario))


def test_seed_cheapest_deal_is_the_readme_package():
    seed = load(SEED)
    result = search(seed)
    assert result.deals, "the README's eight concessions open a ZOPA"
    cheapest = result.cheapest
    assert set(cheapest.concessions) == README_DEAL
    applied = seed.with_concessions(cheapest.concessions)
    check = analyze(applied)
    assert check.package_zopa and check.package_surplus == pytest.approx(cheapest.package_surplus, abs=1e-9)
    assert cheapest.total_cost == pytest.approx(sum(seed.concession_cost(c) for c in README_DEAL))
    # every deal opens a ZOPA when applied; none is dominated by another
    for d in result.deals:
        assert analyze(seed.with_concessions(d.concessions)).package_zopa
        assert not any(dominates((e.total_cost, e.max_party_cost), (d.total_cost, d.max_party_cost))
                       for e in result.deals)
    # progress starts from the baseline's agreement gap and ends at 0 (the README deal closes every gap)
    assert result.progress[0].concessions == () and result.progress[0].agreement_gap == pytest.approx(
        analyze(seed).agreement_gap)
    gaps = [p.agreement_gap for p in result.progress]
    assert gaps == sorted(gaps, reverse=True) and gaps[-1] == 0.0
    # the search starts from the baseline even when given a scenario with concessions on
    again = search(seed.with_concessions(["russia-nato-deferral"]))
    assert [d.concessions for d in again.deals] == [d.concessions for d in result.deals]


def test_seed_with_draws_and_alternatives():
    seed = load(SEED)
    result = with_draws_check(seed, 100, 4)
    assert len(result.alternatives) == 2


def test_batches_do_not_change_the_answer(monkeypatch):
    seed = load(SEED)
    whole = search(seed, alternatives=6)
    monkeypatch.setattr(search_module, "FIRST_BATCH", 1)
    monkeypatch.setattr(search_module, "CHUNK", 1000)
    small = search(seed, alternatives=6)
    assert [d.concessions for d in small.deals] == [d.concessions for d in whole.deals]
    assert [p.concessions for p in small.progress] == [p.concessions for p in whole.progress]
    assert len(small.alternatives) == len(whole.alternatives) == 6
    for a, b in zip(small.alternatives, whole.alternatives):
        assert (a.total_cost, a.max_party_cost) == pytest.approx((b.total_cost, b.max_party_cost))


def test_reports():
    result = search(hand_scenario(), draws=20, alternatives=2)
    text = FORMATS["text"](result)
    assert "Deals" in text and "a1" in text and "100.0 %" in text
    assert FORMATS["markdown"](result).startswith("# ")
    data = json.loads(FORMATS["json"](result))
    assert {"feasible_sets", "draws", "seed", "deals", "alternatives", "progress"} <= set(data)
    assert data["deals"][0]["concessions"] == ["a1"] and data["deals"][0]["p_package_zopa"] == 1.0
    assert explorer.search is search
