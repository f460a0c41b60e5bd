"""surplus_blocks: the package surplus of a stack of problems as one programme of independent blocks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from explorer.analysis import blocks
from explorer.analysis.blocks import surplus_blocks
from explorer.analysis.packages import Bargaining, package_surplus


def one_issue(reservation_a, zone):
    """A at 0, B at 100 on one issue they both hold entirely: u_A = 1 − o/100, u_B = o/100."""
    return (np.array([[1.0], [1.0]]), np.array([[0.0], [100.0]]), np.array([reservation_a, 0.0]),
            np.array([zone[0]]), np.array([zone[1]]))


def test_two_parties_one_issue_by_hand():
    # surplus = max over o in the zone of min(1 − o/100 − r_A, o/100 − r_B):
    #   r_A = 0.2, zone [0, 100]:  the two meet at o = 40: 0.4
    #   r_A = 0.2, zone [50, 100]: min(0.8 − t, t) falls for t > 0.4, so t = 0.5: min(0.3, 0.5) = 0.3
    #   r_A = 0,   zone [30, 30]:  a single package, o = 30: min(0.7, 0.3) = 0.3
    #   r_A = 0.9, zone [0, 100]:  min(0.1 − t, t) peaks at t = 0.05: 0.05
    #   r_A = 0.5, zone [0, 100], r_B = 0.5: (1 − 0.5 − 0.5)/2 = 0
    cases = [(0.2, (0.0, 100.0), 0.4), (0.2, (50.0, 100.0), 0.3), (0.0, (30.0, 30.0), 0.3),
             (0.9, (0.0, 100.0), 0.05)]
    stack = [one_issue(r, zone) for r, zone, _ in cases]
    share, position, reservation, lo, hi = (np.stack(parts) for parts in zip(*stack))
    result = surplus_blocks(share, position, reservation, lo, hi)
    assert result.shape == (len(cases),)
    assert result.tolist() == pytest.approx([expected for *_, expected in cases], abs=1e-12)
    even = surplus_blocks(np.array([[1.0], [1.0]]), np.array([[[0.0], [100.0]]]), np.array([0.5, 0.5]),
                          np.array([[0.0]]), np.array([[100.0]]))
    assert even[0] == pytest.approx(0.0, abs=1e-12)


def test_unstacked_share_and_reservation_broadcast():
    share, position, reservation, lo, hi = one_issue(0.2, (0.0, 100.0))
    positions = np.stack([position, 100.0 - position])  # the second problem swaps the parties' ideals
    result = surplus_blocks(share, positions, reservation, np.stack([lo, lo]), np.stack([hi, hi]))
    # swapped: u_A = o/100 − 0.2, u_B = 1 − o/100: they meet at o = 60: 0.4 again
    assert result.tolist() == pytest.approx([0.4, 0.4], abs=1e-12)


def test_empty_stack_and_no_issue():
    assert surplus_blocks(np.zeros((2, 1)), np.zeros((0, 2, 1)), np.zeros(2), np.zeros((0, 1)),
                          np.zeros((0, 1))).shape == (0,)
    # no issue: every utility is 0, the surplus is −max r
    result = surplus_blocks(np.zeros((2, 0)), np.zeros((3, 2, 0)), np.array([0.1, 0.3]), np.zeros((3, 0)),
                            np.zeros((3, 0)))
    assert result.tolist() == pytest.approx([-0.3] * 3)


@st.composite
def problem_stacks(draw, max_count=8, max_parties=4, max_issues=4):
    """(share, position, reservation, zone_lo, zone_hi) for a stack of random bargaining problems,
    with missing stances (NaN positions, share 0), issues no one holds and point zones."""
    count = draw(st.integers(1, max_count))
    k, n = draw(st.integers(1, max_parties)), draw(st.integers(1, max_issues))
    grid = st.integers(0, 100).map(float) | st.floats(0, 100, allow_nan=False)
    position = draw(hnp.arrays(float, (count, k, n), elements=grid))
    missing = draw(hnp.arrays(bool, (count, k, n), elements=st.booleans() if draw(st.booleans()) else st.just(False)))
    position = np.where(missing, np.nan, position)
    salience = draw(hnp.arrays(float, (count, k, n), elements=st.integers(1, 100).map(float)))
    salience = np.where(missing, 0.0, salience)
    totals = salience.sum(axis=-1, keepdims=True)
    share = np.divide(salience, totals, out=np.zeros_like(salience), where=totals > 0)
    reservation = draw(hnp.arrays(float, (count, k), elements=st.integers(0, 95).map(lambda v: v / 100)))
    ends = np.sort(draw(hnp.arrays(float, (count, 2, n), elements=grid)), axis=1)
    point = draw(hnp.arrays(bool, (count, n), elements=st.booleans() if draw(st.booleans()) else st.just(False)))
    zone_lo, zone_hi = ends[:, 0], np.where(point, ends[:, 0], ends[:, 1])
    return share, position, reservation, zone_lo, zone_hi


def one_at_a_time(share, position, reservation, zone_lo, zone_hi):
    out = []
    for b in range(len(position)):
        anchor = (zone_lo[b] + zone_hi[b]) / 2
        problem = Bargaining(share[b], position[b], reservation[b], zone_lo[b], zone_hi[b], anchor)
        out.append(package_surplus(problem)[0])
    return np.array(out)


def brute_force(share, position, reservation, zone_lo, zone_hi, points=101):
    """Max–min gain over packages sampled along each zone's diagonal: a lower bound of the surplus."""
    out = []
    for b in range(len(position)):
        grid = np.linspace(zone_lo[b], zone_hi[b], points)
        gains = np.where(np.isnan(position[b][None]), 0.0,
                         share[b][None] * (1 - np.abs(grid[:, None, :] - position[b][None]) / 100)).sum(axis=-1)
        out.append((gains - reservation[b][None]).min(axis=1).max())
    return np.array(out)


@settings(max_examples=60, deadline=None)
@given(problem_stacks())
def test_blocks_equal_package_surplus_one_problem_at_a_time(stack):
    result = surplus_blocks(*stack)
    expected = one_at_a_time(*stack)
    np.testing.assert_allclose(result, expected, rtol=0, atol=1e-9)
    # and no package on a grid of packages along the zones' diagonal does better
    assert (result >= brute_force(*stack) - 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(problem_stacks(max_count=12))
def test_chunks_do_not_change_the_answer(stack):
    whole = surplus_blocks(*stack)
    saved = blocks.CHUNK
    try:
        blocks.CHUNK = 5
        chunked = surplus_blocks(*stack)
    finally:
        blocks.CHUNK = saved
    np.testing.assert_allclose(chunked, whole, rtol=0, atol=1e-9)
    # each block alone (a stack of one) gives the same
    alone = np.array([surplus_blocks(*(part[b:b + 1] for part in stack))[0] for b in range(len(stack[1]))])
    np.testing.assert_allclose(alone, whole, rtol=0, atol=1e-9)
