"""stack_figures on a stack of scenarios against analyze() of each one."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings

from explorer import analyze, load
from explorer.analysis.arrays import ScenarioArrays
from explorer.analysis.stacked import shares, stack_figures
from explorer.errors import ScenarioError
from tests.conftest import SEED, TEXTBOOK
from tests.strategies import scenarios_with_concessions


def variants(scenario):
    """The scenario under every set of concessions it accepts."""
    ids = [c.id for c in scenario.concessions]
    out = []
    for r in range(len(ids) + 1):
        for chosen in itertools.combinations(ids, r):
            try:
                out.append(scenario.with_concessions(chosen))
            except ScenarioError:
                pass
    return out


def stack_of(scenarios):
    arrays = [ScenarioArrays.from_scenario(s) for s in scenarios]
    stacked = {f: np.stack([getattr(a, f) for a in arrays]) for f in ("position", "lo", "hi", "share", "weight")}
    return stacked, arrays[0].reservation, arrays[0].veto


def figures_of(scenarios, surplus=True):
    stacked, reservation, veto = stack_of(scenarios)
    return stack_figures(stacked["position"], stacked["lo"], stacked["hi"], stacked["share"], stacked["weight"],
                         reservation, veto, surplus=surplus)


def assert_matches(figures, b, result):
    g = result.gaps
    assert figures.redline_gap[b].tolist() == g.redline_gap.tolist()
    assert figures.has_zone[b].tolist() == g.has_zone.tolist()
    assert figures.zone_lo[b][g.has_zone].tolist() == g.zone_lo[g.has_zone].tolist()
    assert figures.zone_hi[b][g.has_zone].tolist() == g.zone_hi[g.has_zone].tolist()
    np.testing.assert_allclose(figures.issue_weight[b], g.issue_weight, rtol=0, atol=1e-15)
    np.testing.assert_allclose(figures.compromise[b], result.compromise, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(figures.weighted_median[b], result.weighted_median)
    assert figures.agreement_gap[b] == pytest.approx(result.agreement_gap, abs=1e-12)
    assert figures.deadlocked_issues[b] == result.deadlocked_issues
    if result.package_surplus is None:
        assert np.isnan(figures.package_surplus[b])
    else:
        assert figures.package_surplus[b] == pytest.approx(result.package_surplus, abs=1e-9)
    assert bool(figures.package_zopa[b]) == result.package_zopa


@settings(max_examples=50, deadline=None)
@given(scenarios_with_concessions())
def test_stack_of_concession_sets_equals_analyze_of_each(scenario):
    scenarios = variants(scenario)
    figures = figures_of(scenarios)
    assert figures.agreement_gap.shape == (len(scenarios),)
    assert figures.redline_gap.shape == (len(scenarios), len(scenario.issues))
    for b, variant in enumerate(scenarios):
        assert_matches(figures, b, analyze(variant))


def test_seed_baseline_and_readme_deal_in_one_stack():
    seed = load(SEED)
    deal = seed.with_concessions(["ukraine-nato-deferral", "russia-nato-deferral", "ukraine-line-freeze",
                                  "russia-line-freeze", "ukraine-minority-rights", "russia-minority-standards",
                                  "ukraine-open-agenda", "russia-drops-preconditions"])
    figures = figures_of([seed, deal, seed])
    assert figures.deadlocked_issues.tolist() == [4, 0, 4]
    assert figures.package_zopa.tolist() == [False, True, False]
    assert np.isnan(figures.package_surplus[[0, 2]]).all()
    for b, s in enumerate([seed, deal, seed]):
        assert_matches(figures, b, analyze(s))


def test_textbook_by_hand_and_without_surplus():
    textbook = load(TEXTBOOK)
    figures = figures_of([textbook])
    # whole-scale red lines: no red-line gap; surplus 0.2 (the logroll gives each 0.8, r = 0.6)
    assert figures.agreement_gap.tolist() == [0.0] and figures.deadlocked_issues.tolist() == [0]
    assert figures.package_surplus[0] == pytest.approx(0.2, abs=1e-12)
    # compromise: capabilities equal, saliences (union, management) wages (10, 70), job security (70, 10),
    # hours (20, 20), positions 100 and 0: 100·10/80 = 12.5, 100·70/80 = 87.5, 50
    assert figures.compromise[0].tolist() == pytest.approx([12.5, 87.5, 50.0])
    without = figures_of([textbook], surplus=False)
    assert np.isnan(without.package_surplus).all() and without.package_zopa.tolist() == [False]


def test_shares_by_hand():
    salience = np.array([[[30.0, 10.0], [0.0, 0.0]], [[1.0, 3.0], [5.0, 0.0]]])
    assert shares(salience).tolist() == [[[0.75, 0.25], [0.0, 0.0]], [[0.25, 0.75], [1.0, 0.0]]]
