"""The equal-gain exchange model (explorer.dynamics.exchange) against DECIDE and by hand.

The fixture ``tests/fixtures/decide_cop21.json`` is DECIDE's own run (decide-exchange-model
2022.1.28, deterministic ties) on cop21; ``tests/fixtures/make_decide_cop21.py`` made it.
The hand cases have their arithmetic in the comments; rules are in docs/dynamics.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.dynamics.exchange import equal_gain

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "decide_cop21.json"
COP21 = ROOT.parent / "shared" / "reference-data" / "cop21_decide.csv"
TOL = 1e-6


def _array(rows):
    return np.array([[np.nan if v is None else v for v in row] for row in rows], dtype=float)


@pytest.fixture(scope="module")
def decide():
    return json.loads(FIXTURE.read_text())


@pytest.fixture(scope="module")
def run(decide):
    """Our model on DECIDE's raw input values (salience and power as DECIDE read them)."""
    position = _array(decide["position"][0])
    return equal_gain(position, np.nan_to_num(_array(decide["salience"])), np.nan_to_num(_array(decide["power"])),
                      decide["rounds"], present=np.isfinite(position),
                      low=np.array(decide["low"]), high=np.array(decide["high"]))


# -- DECIDE's run on cop21 ------------------------------------------------------------------

def test_cop21_counts_per_round_equal_decide(decide, run):
    assert run.count.tolist() == decide["count"]


def test_cop21_weighted_mean_after_every_round_equals_decide(decide, run):
    np.testing.assert_allclose(run.mean, np.array(decide["mean"], dtype=float), atol=TOL, rtol=0)
    np.testing.assert_allclose(run.vote_mean, np.array(decide["vote_mean"], dtype=float), atol=TOL, rtol=0)


def test_cop21_positions_every_round_equal_decide(decide, run):
    expected = np.stack([_array(k) for k in decide["position"]])
    np.testing.assert_allclose(run.position, expected, atol=TOL, rtol=0)


@pytest.mark.parametrize("round_", range(1, 11))
def test_cop21_exchange_by_exchange_equals_decide(decide, run, round_):
    moves = run.moves
    rows = np.nonzero(moves.round == round_)[0]
    expected = np.array(decide["exchanges"][round_ - 1], dtype=float)
    i_rows, j_rows = rows[0::2], rows[1::2]
    assert len(i_rows) == len(expected)
    # [gain, i_actor, i_issue, i_from, i_to, j_actor, j_issue, j_from, j_to]
    np.testing.assert_array_equal(moves.actor[i_rows], expected[:, 1])
    np.testing.assert_array_equal(moves.issue[i_rows], expected[:, 2])
    np.testing.assert_array_equal(moves.actor[j_rows], expected[:, 5])
    np.testing.assert_array_equal(moves.issue[j_rows], expected[:, 6])
    np.testing.assert_array_equal(moves.partner[i_rows], expected[:, 5])
    np.testing.assert_array_equal(moves.partner_issue[i_rows], expected[:, 6])
    got = np.column_stack([moves.gain[i_rows], moves.before[i_rows], moves.after[i_rows],
                           moves.before[j_rows], moves.after[j_rows]])
    np.testing.assert_allclose(got, expected[:, [0, 3, 4, 7, 8]], atol=TOL, rtol=0)


def test_cop21_through_our_importer_equals_decide(decide):
    """The imported scenario (power × 100, salience as a share) runs the same model."""
    if not COP21.exists():
        pytest.skip(f"reference data {COP21} is absent")
    from explorer.dynamics.inputs import model_inputs
    from explorer.io.formats import scenario_from_text

    inputs = model_inputs(scenario_from_text(COP21.read_text(), COP21.name))
    assert [a.lower() for a in decide["actors"]] == list(inputs.party_ids)
    assert inputs.present.sum() == np.isfinite(_array(decide["position"][0])).sum()  # cop21 has no 0 records
    ours = equal_gain(inputs.position, inputs.salience, inputs.capability, 10, present=inputs.present,
                      low=inputs.low, high=inputs.high)
    assert ours.count.tolist() == decide["count"]
    np.testing.assert_allclose(ours.mean, np.array(decide["mean"], dtype=float), atol=TOL, rtol=0)


def test_a_small_decide_run_where_updates_told_twice_matter():
    """3 actors × 7 issues, made up; DECIDE's run (make_decide_cop21.py on this file) gives these.

    In round 5 an exchange's mean check depends on DECIDE's rule for an update told twice (keep
    the lower/higher of the two, not the latest): with "latest" the counts and means differ.
    """
    n = None
    position = np.array([[1.8, 85.4, 30.0, 50.0, 75.0, 20.0, 25.0], [75.0, 15.4, 70.0, 75.0, 90.0, n, 80.0],
                         [100.0, 49.1, 25.0, 50.0, 50.0, 56.8, 100.0]], dtype=float)
    salience = np.array([[0.8, 0.5, 0.5, 0.5, 0.4, 0.5, 0.1], [0.5, 0.3, 1.0, 0.5, 1.0, 0, 0.3],
                         [0.2, 1.0, 0.1, 0.9, 0.75, 0.75, 0.4]])
    power = np.array([[0.5, 0.2, 0.6, 0.05, 0.3, 0.6, 0.05], [1.0, 0.75, 0.1, 0.2, 0.25, 0, 0.3],
                      [0.2, 0.25, 0.05, 0.2, 0.75, 0.2, 0.2]])
    run = equal_gain(position, salience, power, 10)
    assert run.count.tolist() == [10, 10, 10, 10, 11, 10, 11, 10, 10, 10]
    np.testing.assert_allclose(run.mean[5], [14.994291769, 55.97535138, 64.81818485, 53.198667114, 70.874935906,
                                             29.256640632, 93.787419076], atol=TOL)
    np.testing.assert_allclose(run.mean[10], [9.585283057, 49.945260647, 68.026859629, 52.018137084, 73.107637795,
                                              26.589982209, 94.321481245], atol=TOL)


def test_a_small_decide_run_with_identical_actors_and_ties():
    """6 actors × 3 issues, made up; DECIDE's run (make_decide_cop21.py on this case) gives these.

    Actors 3 and 5 are identical and saliences of 1/3 make gains that tie in exact arithmetic,
    so the order of the equal gains (the stable sort, DECIDE's decimals) decides who goes first.
    """
    third = 1 / 3
    position = np.array([[80.0, 80.0, 0.0], [80.0, 40.0, 60.0], [60.0, 20.0, 100.0], [0.0, 0.0, 0.0],
                         [60.0, 40.0, 0.0], [0.0, 0.0, 0.0]])
    salience = np.array([[0.25, third, 0.25], [1.0, 1.0, 0.5], [0.5, 0.75, 0.5], [0.5, 1.0, 0.75],
                         [1.0, third, 0.25], [0.5, 1.0, 0.75]])
    power = np.array([[2.0, 3.0, 2.0], [1.0, 3.0, 2.0], [3.0, 1.0, 2.0], [3.0, 2.0, 1.0], [2.0, 3.0, 1.0],
                      [3.0, 2.0, 1.0]])
    run = equal_gain(position, salience, power, 3)
    assert run.count.tolist() == [5, 5, 5]
    m = run.moves
    got = [[m.actor[k], m.partner[k], m.issue[k]] for k in range(0, len(m.actor), 2)]
    first_two_rounds = [[1, 3, 2], [1, 5, 1], [1, 3, 1], [2, 0, 2], [2, 4, 2]]  # [i actor, j actor, i's issue]
    assert got == first_two_rounds * 2 + [[1, 3, 2], [1, 5, 1], [1, 3, 1], [2, 3, 2], [2, 5, 2]]
    np.testing.assert_allclose(m.gain[0::2], [4.705882353, 3.75, 0.352564103, 0.170940171, 0.056980057,
                                              3.294117647, 2.625, 0.703054299, 0.053181387, 0.036087369,
                                              2.305882353, 1.8375, 0.492138009, 0.013111698, 0.205128205], atol=TOL)
    np.testing.assert_allclose(run.mean[3], [60.691719457, 19.475354449, 21.590401374], atol=TOL)


# -- hand-computed cases ---------------------------------------------------------------------

def test_two_actors_full_swap_ratio_gain_and_between_round_update():
    # A = (0, 100), s = (.8, .2); B = (100, 0), s = (.2, .8); power 1.
    # Means: issue 0: (.8·0 + .2·100) / 1 = 20; issue 1: (.2·100 + .8·0) / 1 = 20.
    # A is left of the mean on 0 and right on 1, B the opposite: they may exchange on (0, 1).
    # A's s0/s1 = 4 > B's .25: A wants issue 0 (side i, gives way on 1), B gives way on 0.
    # B moves all the way to A on 0: shift of the mean dp = 100·.2·1/1 = 20;
    # equal gain: dq = dp·(s_B0 + s_A0)/(s_B1 + s_A1) = 20·1/1 = 20; A's move = dq·S1/(c·s_A1) = 20/.2 = 100
    # (not more than the 100 to B's position). Gain = |dq·s_A1 − dp·s_A0| = |4 − 16| = 12 for both.
    run = equal_gain(np.array([[0.0, 100.0], [100.0, 0.0]]), np.array([[0.8, 0.2], [0.2, 0.8]]), np.ones((2, 2)),
                     rounds=2)
    assert run.count.tolist() == [1, 1]
    assert run.moves.actor[:2].tolist() == [0, 1] and run.moves.issue[:2].tolist() == [1, 0]
    assert run.moves.partner[:2].tolist() == [1, 0] and run.moves.partner_issue[:2].tolist() == [0, 1]
    np.testing.assert_allclose(run.moves.after[:2], [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(run.moves.gain[:2], [12.0, 12.0])
    np.testing.assert_allclose(run.vote_mean[0], [0.0, 0.0], atol=1e-9)
    # Between rounds each keeps 0.1 + 0.4·(1 − .2) = .42 of its move: 100 − .42·100 = 58.
    np.testing.assert_allclose(run.position[1], [[0.0, 58.0], [58.0, 0.0]])
    np.testing.assert_allclose(run.mean[1], [0.2 * 58, 0.2 * 58])
    # Round 2 from 58: dp = 58·.2 = 11.6 = dq, A moves 11.6/.2 = 58; gain |11.6·.2 − 11.6·.8| = 6.96;
    # new start 58 − .42·58 = 33.64.
    np.testing.assert_allclose(run.moves.gain[2:], [6.96, 6.96])
    np.testing.assert_allclose(run.position[2], [[0.0, 33.64], [33.64, 0.0]])


def test_partial_move_when_the_partner_moves_all_the_way():
    # A = (0, 100), s = (.8, .4); B = (100, 0), s = (.2, .6); power 1; S0 = S1 = 1.
    # A's ratio 2 > B's 1/3: A gives way on 1. dp = 100·.2/1 = 20;
    # dq = 20·(.2 + .8)/(.6 + .4) = 20; A's move = 20·1/(1·.4) = 50 < 100, so A stops at 50.
    # Gain |20·.4 − 20·.8| = 8 = B's |20·.2 − 20·.6|.
    run = equal_gain(np.array([[0.0, 100.0], [100.0, 0.0]]), np.array([[0.8, 0.4], [0.2, 0.6]]), np.ones((2, 2)),
                     rounds=1)
    np.testing.assert_allclose(run.moves.after, [50.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(run.moves.gain, [8.0, 8.0])


def test_capped_move_when_the_supplier_would_pass_its_partner():
    # A = (0, 100), s = (.9, .3), c = 1; B = (100, 0), s = (.3, .6), c = 2.
    # S0 = .9 + .6 = 1.5, S1 = .3 + 1.2 = 1.5. A's ratio 3 > B's .5: A gives way on 1.
    # B all the way: dp = 100·.3·2/1.5 = 40, dq = 40·(.3 + .9)/(.6 + .3) = 53.3, A's move
    # 53.3·1.5/(1·.3) = 266.7 > 100: so A moves all the way instead: dq = 100·.3·1/1.5 = 20,
    # dp = 20·(.3 + .6)/(.9 + .3) = 15, B's move = 15·1.5/(2·.3) = 37.5 (100 → 62.5).
    # Gain |20·.3 − 15·.9| = 7.5 = B's |15·.3 − 20·.6|.
    # Between rounds: keep share .1 + .4·.7 = .38: A 100 − 38 = 62; B 100 − .38·37.5 = 85.75.
    run = equal_gain(np.array([[0.0, 100.0], [100.0, 0.0]]), np.array([[0.9, 0.3], [0.3, 0.6]]),
                     np.array([[1.0, 1.0], [2.0, 2.0]]), rounds=1)
    np.testing.assert_allclose(run.moves.after, [0.0, 62.5], atol=1e-9)
    np.testing.assert_allclose(run.moves.gain, [7.5, 7.5])
    np.testing.assert_allclose(run.position[1], [[0.0, 62.0], [85.75, 0.0]])


def test_the_mean_stops_at_the_partners_position():
    # Issue 0: A at 0 (s .8), B at 100 (s .2), C absent; S0 = 1, mean 20.
    # Issue 1: A at 100 (s .5), B at 30 (s .8), C at 0 (s .5, c 2); S1 = .5 + .8 + 1 = 2.3,
    # mean 74/2.3 = 32.17: B (30) is left of it, A right; C is on one issue only and never pairs.
    # A gives way on 1 (ratio 1.6 > .25). dp = 100·.2/1 = 20, dq = 20·1/1.3 = 15.38,
    # A's move 15.38·2.3/.5 = 70.8 > 70 → capped at 70 (to 30) ... but then the mean on 1 would be
    # (.5·30 + 24)/2.3 = 16.96, past B's 30. So A moves only until the mean is at 30:
    # delta = |30·2.3 − 74| / .5 = 10 (A: 100 → 90); shift of the mean r1 = 10·.5/2.3 = 50/23;
    # r0 = r1·(.5 + .8)/(.8 + .2) = 65/23; B's move = (65/23)·1/(1·.2) = 325/23 (100 → 1975/23);
    # gain |(65/23)·.2 − (50/23)·.8| = 27/23 (A: |(50/23)·.5 − (65/23)·.8| = 27/23).
    run = equal_gain(np.array([[0.0, 100.0], [100.0, 30.0], [np.nan, 0.0]]),
                     np.array([[0.8, 0.5], [0.2, 0.8], [0.0, 0.5]]), np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 2.0]]),
                     rounds=1)
    assert run.count.tolist() == [1]
    np.testing.assert_allclose(run.moves.after, [90.0, 1975 / 23])
    np.testing.assert_allclose(run.moves.gain, [27 / 23, 27 / 23])
    np.testing.assert_allclose(run.vote_mean[0, 1], 30.0)
    # Between rounds: A keeps .1 + .4·.5 = .3 of −10 → 97; B .42 of −325/23 → 100 − 136.5/23.
    np.testing.assert_allclose(run.position[1, :2], [[0.0, 97.0], [100 - 0.42 * 325 / 23, 30.0]])
    assert np.isnan(run.position[1, 2, 0])


def test_ties_go_to_the_first_exchange_in_decides_order():
    # B and C are identical, so A–B and A–C have the same gain; DECIDE's list has A–B first
    # (second actor in actor order). After A moves all the way to B's (= C's) position on
    # issue 1, A–C has nothing left to give (a move of 0 is no exchange).
    position = np.array([[0.0, 100.0], [100.0, 0.0], [100.0, 0.0]])
    salience = np.array([[0.8, 0.2], [0.2, 0.8], [0.2, 0.8]])
    run = equal_gain(position, salience, np.ones((3, 2)), rounds=1)
    assert run.count.tolist() == [1]
    assert run.moves.actor.tolist() == [0, 1] and run.moves.partner.tolist() == [1, 0]


def test_the_best_exchange_goes_first():
    # Issues (0, 1) and (0, 2): A trades with B on (0, 1) and with C on (0, 2).
    # A–B: A = (0, 100, ·), B = (100, 0, ·), s_A = (.8, .2), s_B = (.2, .8): gain 12 (first case above).
    # A–C on (0, 2): s_A2 = .4, C = (100, ·, 0) with s_C = (.2, ·, .6): gain 8 (second case above)
    # — if the means allow it; the model must execute the gain-12 exchange first.
    position = np.array([[0.0, 100.0, 100.0], [100.0, 0.0, np.nan], [100.0, np.nan, 0.0]])
    salience = np.array([[0.8, 0.2, 0.4], [0.2, 0.8, 0.0], [0.2, 0.0, 0.6]])
    run = equal_gain(position, salience, np.ones((3, 3)), rounds=1)
    assert run.moves.partner[0] == 1 and run.moves.issue[0] == 1
    assert run.moves.gain[0] == max(run.moves.gain)


def test_actors_on_the_same_side_do_not_exchange():
    # Means: issue 0: (.9·80 + .1·90 + .5·0)/1.5 = 54; issue 1: (.1·90 + .9·80)/1.5 = 54.
    # A and B stand right of both means, C left: A and B do not pair (despite opposite saliences);
    # each may pair with C.
    position = np.array([[80.0, 90.0], [90.0, 80.0], [0.0, 0.0]])
    salience = np.array([[0.9, 0.1], [0.1, 0.9], [0.5, 0.5]])
    run = equal_gain(position, salience, np.ones((3, 2)), rounds=1)
    assert run.count[0] >= 1
    assert set(zip(run.moves.actor.tolist(), run.moves.partner.tolist())) <= {(0, 2), (2, 0), (1, 2), (2, 1)}


def test_scale_ends_map_to_decides_0_100():
    # The same case on a 0–10 scale (low 0, high 10) gives the same moves, scaled.
    salience = np.array([[0.9, 0.3], [0.3, 0.6]])
    power = np.array([[1.0, 1.0], [2.0, 2.0]])
    run = equal_gain(np.array([[0.0, 10.0], [10.0, 0.0]]), salience, power, rounds=1, low=[0, 0], high=[10, 10])
    np.testing.assert_allclose(run.moves.after, [0.0, 6.25], atol=1e-9)
    np.testing.assert_allclose(run.position[1], [[0.0, 6.2], [8.575, 0.0]])


def test_zero_rounds_and_bad_input():
    position = np.array([[0.0, 100.0], [100.0, 0.0]])
    run = equal_gain(position, np.full((2, 2), 0.5), np.ones((2, 2)), rounds=0)
    assert run.position.shape == (1, 2, 2) and run.count.shape == (0,) and len(run.moves.actor) == 0
    np.testing.assert_array_equal(run.position[0], position)
    with pytest.raises(ValueError, match="low, high"):  # 150 is off DECIDE's 0–100 unless the scale says so
        equal_gain(position * 1.5, np.full((2, 2), 0.5), np.ones((2, 2)))
    equal_gain(position * 1.5, np.full((2, 2), 0.5), np.ones((2, 2)), high=[150, 150])


def test_a_record_with_no_weight_is_absent():
    # C's record on issue 1 has power 0 (DECIDE would divide by it): C keeps its position and
    # takes no part, so A and B exchange as in the first case (gain 12).
    position = np.array([[0.0, 100.0], [100.0, 0.0], [50.0, 50.0]])
    salience = np.array([[0.8, 0.2], [0.2, 0.8], [0.5, 0.5]])
    power = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    run = equal_gain(position, salience, power, rounds=1)
    np.testing.assert_allclose(run.moves.gain, [12.0, 12.0])
    np.testing.assert_array_equal(run.position[1, 2], [50.0, 50.0])


# -- properties ------------------------------------------------------------------------------

@st.composite
def cases(draw):
    n_actors = draw(st.integers(2, 5))
    n_issues = draw(st.integers(2, 4))
    shape = (n_actors, n_issues)

    def grid(values, dtype=float):
        size = n_actors * n_issues
        return np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype=dtype).reshape(shape)

    position = grid(st.sampled_from([0.0, 10.0, 25.0, 50.0, 60.0, 75.0, 100.0]))  # ties are likely
    salience = grid(st.integers(1, 10)) / 10
    power = grid(st.integers(1, 5))
    present = grid(st.booleans(), bool) | draw(st.booleans())  # some absent, or everyone present
    return np.where(present, position, np.nan), salience, power, present


@given(cases())
def test_positions_stay_within_the_scale_ends(case):
    position, salience, power, present = case
    run = equal_gain(position, salience, power, rounds=3, present=present)
    held = run.position[:, present]
    assert np.all(held >= -1e-9) and np.all(held <= 100 + 1e-9)
    assert np.all(run.moves.after >= -1e-9) and np.all(run.moves.after <= 100 + 1e-9)
    assert np.isnan(run.position[:, ~present]).all()


@given(cases())
def test_nothing_moves_when_everyone_stands_together(case):
    position, salience, power, present = case
    together = np.where(present, np.arange(position.shape[1]) * 20.0, np.nan)
    run = equal_gain(together, salience, power, rounds=3, present=present)
    assert run.count.sum() == 0
    np.testing.assert_array_equal(run.position[-1], together)


@given(cases())
def test_both_parties_gain_equally_in_every_exchange(case):
    position, salience, power, present = case
    run = equal_gain(position, salience, power, rounds=3, present=present)
    weight = np.where(present, salience * power, 0.0)
    total = weight.sum(axis=0)
    m = run.moves
    for k in range(0, len(m.actor), 2):
        a, b, q, p = m.actor[k], m.actor[k + 1], m.issue[k], m.issue[k + 1]
        shift_q = weight[a, q] * abs(m.after[k] - m.before[k]) / total[q]  # a's move shifts the mean on q
        shift_p = weight[b, p] * abs(m.after[k + 1] - m.before[k + 1]) / total[p]
        gain_a = shift_p * salience[a, p] - shift_q * salience[a, q]
        gain_b = shift_q * salience[b, q] - shift_p * salience[b, p]
        assert gain_a == pytest.approx(gain_b, abs=1e-9)
        assert abs(gain_a) == pytest.approx(m.gain[k], abs=1e-9)
