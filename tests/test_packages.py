"""Package programmes against hand-computed cases and optimality properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import analyze
from explorer.analysis.packages import Bargaining, kalai_smorodinsky, nash, package_surplus
from explorer.analysis.utility import best_utilities
from tests.strategies import scenarios


def one_issue(reservation_a=0.2, zone=(0.0, 100.0)):
    """A at 0, B at 100, one issue: u_A = 1 − t, u_B = t with t = o/100."""
    return Bargaining(
        share=np.array([[1.0], [1.0]]), position=np.array([[0.0], [100.0]]),
        reservation=np.array([reservation_a, 0.0]), zone_lo=np.array([zone[0]]), zone_hi=np.array([zone[1]]),
        anchor=np.array([50.0]),
    )


def solve_all(problem):
    surplus, _ = package_surplus(problem)
    ideal = best_utilities(problem.share, problem.position, problem.zone_lo, problem.zone_hi)
    gain = ideal - problem.reservation
    return surplus, nash(problem, surplus, gain), kalai_smorodinsky(problem, gain)


def test_one_issue_interior_solutions():
    # surplus: max_t min(0.8 − t, t) = 0.4 at t = 0.4
    # Nash: max ln(0.8 − t) + ln t → t = 0.4, o = 40
    # K–S: (0.8 − t)/0.8 = t/1 → t = 0.8/1.8, o = 44.44…
    surplus, nash_result, ks = solve_all(one_issue())
    assert surplus == pytest.approx(0.4)
    assert nash_result.package[0] == pytest.approx(40, abs=1e-4)
    assert nash_result.gap <= 1e-10
    assert ks.package[0] == pytest.approx(80 / 1.8, abs=1e-7)


def test_zone_bounds_the_solutions():
    # zone [50, 100]: Nash objective decreasing for t > 0.4 → boundary t = 0.5
    # u*_A = 0.5, ideal gain A = 0.3; K–S: (0.8 − t)/0.3 = t → t = 0.8/1.3
    surplus, nash_result, ks = solve_all(one_issue(zone=(50.0, 100.0)))
    assert surplus == pytest.approx(0.3)
    assert nash_result.package[0] == pytest.approx(50, abs=1e-6)
    assert ks.package[0] == pytest.approx(80 / 1.3, abs=1e-7)


def test_logrolling_trade_is_found():
    # A: ideal (0, 0), saliences (0.8, 0.2); B: ideal (100, 100), saliences (0.2, 0.8); r = 0.55.
    # Trading (A wins issue 0, B wins issue 1) gives both 0.8: surplus 0.25, Nash = K–S = (0, 100).
    problem = Bargaining(
        share=np.array([[0.8, 0.2], [0.2, 0.8]]), position=np.array([[0.0, 0.0], [100.0, 100.0]]),
        reservation=np.array([0.55, 0.55]), zone_lo=np.zeros(2), zone_hi=np.full(2, 100.0),
        anchor=np.array([20.0, 80.0]),
    )
    surplus, nash_result, ks = solve_all(problem)
    assert surplus == pytest.approx(0.25)
    assert nash_result.package.tolist() == pytest.approx([0, 100], abs=1e-6)
    assert ks.package.tolist() == pytest.approx([0, 100], abs=1e-6)
    assert nash_result.gains.tolist() == pytest.approx([0.25, 0.25])


def test_tie_break_takes_package_nearest_anchor():
    # Issue 1 is worth the same to both: any o_1 on [0, 100] moves utility one-for-one
    # between them, but issue 0 is all A's and issue 2 all B's, so Nash/K–S utilities are fixed
    # while issue 1 … is not free: it trades. Use an issue no veto party holds instead:
    problem = Bargaining(
        share=np.array([[1.0, 0.0], [1.0, 0.0]]), position=np.array([[0.0, np.nan], [100.0, np.nan]]),
        reservation=np.zeros(2), zone_lo=np.zeros(2), zone_hi=np.full(2, 100.0),
        anchor=np.array([50.0, 37.0]),
    )
    _, nash_result, ks = solve_all(problem)
    assert nash_result.package[1] == pytest.approx(37) and ks.package[1] == pytest.approx(37)


def random_packages(problem, rng, count=200):
    return rng.uniform(problem.zone_lo, problem.zone_hi, size=(count, len(problem.zone_lo)))


def gains_of(problem, packages):
    x = problem.position[None]
    loss = np.where(np.isnan(x), 0.0, problem.share[None] * np.abs(packages[:, None, :] - x) / 100)
    return problem.share.sum(axis=1)[None] - loss.sum(axis=2) - problem.reservation[None]


@settings(max_examples=60)
@given(scenarios(max_parties=4, max_issues=4), st.integers(0, 2**32 - 1))
def test_packages_beat_every_sampled_package(scenario, seed):
    result = analyze(scenario)
    if result.package_surplus is None:
        assert result.deadlocked_issues > 0 and result.nash is None
        return
    g = result.gaps
    veto = result.arrays.veto
    problem = Bargaining(result.arrays.share[veto], result.arrays.position[veto], result.arrays.reservation[veto],
                         g.zone_lo, g.zone_hi, np.zeros_like(g.zone_lo))
    sample = gains_of(problem, random_packages(problem, np.random.default_rng(seed)))
    # surplus is the best worst-off gain
    assert result.package_surplus >= sample.min(axis=1).max() - 1e-9
    if result.nash is None:
        assert result.package_surplus <= 1e-12
        return
    nash_gain = gains_of(problem, result.nash.package[None])[0]
    assert nash_gain == pytest.approx(result.nash.gains, abs=1e-9)
    # inside every zone
    for package in (result.nash.package, result.kalai_smorodinsky.package):
        assert (package >= g.zone_lo - 1e-9).all() and (package <= g.zone_hi + 1e-9).all()
    # Nash maximises Σ ln gain over the sample too
    positive = (sample > 0).all(axis=1)
    if positive.any():
        assert np.log(nash_gain).sum() >= np.log(sample[positive]).sum(axis=1).max() - 1e-7
    # Pareto: no sampled package is better for every veto party
    assert not (sample > nash_gain + 1e-7).all(axis=1).any()
    ks_gain = gains_of(problem, result.kalai_smorodinsky.package[None])[0]
    ideal_gain = result.ideal_utility - problem.reservation
    assert (ks_gain / ideal_gain).min() >= (sample / ideal_gain).min(axis=1).max() - 1e-9
    assert not (sample > ks_gain + 1e-7).all(axis=1).any()


@given(scenarios(wide=True, zero_reservation=True))
def test_zero_reservation_and_wide_red_lines_give_a_zopa(scenario):
    result = analyze(scenario)
    assert result.deadlocked_issues == 0
    assert result.package_zopa and result.package_surplus >= 0


@settings(max_examples=40)
@given(scenarios(max_parties=4, max_issues=4, all_stances=True))
def test_nash_optimality_gap_is_certified(scenario):
    result = analyze(scenario)
    if result.nash is not None:
        assert 0 <= result.nash.gap <= 1e-9
