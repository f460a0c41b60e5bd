"""Package programmes against hand-computed cases and optimality properties."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import analyze
from explorer.analysis.packages import Bargaining, kalai_smorodinsky, nash, package_surplus
from explorer.analysis.utility import best_utilities
from explorer.model.scenario import Scenario
from explorer.model.schema import ScenarioData
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


# -- a surplus of exactly 0: no ZOPA, no Nash or K–S package ------------------------------------

def zero_surplus_scenario(point_zone: bool, reservation: float = 0.5):
    """A at 0, B at 100 on one issue, both veto, reservation 0.5 each.

    point_zone: red lines [0, 50] and [50, 100] meet at 50 only: u_A = u_B = 0.5 there, surplus 0.
    otherwise: whole-scale red lines, u_A = 1 − t, u_B = t (t = o/100): max_t min(0.5 − t, t − 0.5) = 0 at t = 0.5.
    A concession 'a-moves' puts A's ideal at 20 (cost 0.2); without the point zone it opens a ZOPA:
    u_A = 1.2 − t for t ≥ 0.2, so min(0.7 − t, t − 0.5) peaks at t = 0.6: surplus 0.1.
    """
    from explorer.model.scenario import Scenario
    from explorer.model.schema import ScenarioData

    stance = {"issue": "i", "salience": 10.0, "source": "assumption", "note": "n"}
    raw = {
        "id": "zero", "title": "Zero surplus", "as_of": "2025-01-01",
        "parties": [{"id": "a", "name": "A", "capability": 1.0, "veto": True, "reservation": reservation},
                    {"id": "b", "name": "B", "capability": 1.0, "veto": True, "reservation": reservation}],
        "issues": [{"id": "i", "name": "I", "low": "l", "high": "h"}],
        "stances": [{**stance, "party": "a", "position": 0.0, "acceptable": [0.0, 50.0 if point_zone else 100.0]},
                    {**stance, "party": "b", "position": 100.0, "acceptable": [50.0 if point_zone else 0.0, 100.0]}],
        "concessions": [{"id": "a-moves", "party": "a", "title": "A moves", "source": "assumption", "note": "n",
                         "changes": [{"issue": "i", "position": 20.0}]}],
    }
    return Scenario.from_data(ScenarioData.model_validate(raw)), raw


@pytest.mark.parametrize("point_zone", [True, False], ids=["point-zone", "whole-scale"])
def test_zero_surplus_is_no_zopa_and_no_packages(point_zone, tmp_path, capsys):
    import json

    import yaml

    from explorer.analysis.arrays import ScenarioArrays
    from explorer.analysis.stacked import stack_figures
    from explorer.cli import main
    from explorer.deals.search import search
    from explorer.montecarlo.results import uncertainty

    scenario, raw = zero_surplus_scenario(point_zone)
    result = analyze(scenario)
    assert result.deadlocked_issues == 0
    assert result.package_surplus == pytest.approx(0.0, abs=1e-12)
    assert result.package_zopa is False
    assert result.nash is None and result.kalai_smorodinsky is None
    data = result.to_dict()
    assert data["overall"]["package_zopa"] is False and data["overall"]["nash_gap"] is None
    assert data["issues"][0]["outcomes"]["nash"] is None and data["issues"][0]["outcomes"]["kalai_smorodinsky"] is None

    # the stacked figures, the Monte Carlo (no uncertainty here) and the search agree
    a = ScenarioArrays.from_scenario(scenario)
    figures = stack_figures(a.position[None], a.lo[None], a.hi[None], a.share, a.weight, a.reservation, a.veto)
    assert figures.package_surplus[0] == pytest.approx(0.0, abs=1e-12) and not figures.package_zopa[0]
    assert uncertainty(scenario, 20, 0).p_package_zopa == 0.0
    found = search(scenario)
    assert all(d.concessions != () for d in found.deals)
    if not point_zone:
        assert [(d.concessions, d.total_cost) for d in found.deals] == [(("a-moves",), pytest.approx(0.2))]
        assert found.deals[0].package_surplus == pytest.approx(0.1, abs=1e-12)

    # what `explorer report` says
    path = tmp_path / "zero.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["report", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Package surplus: 0.000 (the best package leaves a veto party exactly at its no-deal utility)" in out
    assert "Package ZOPA: no" in out
    assert main(["report", str(path), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["package_zopa"] is False


def test_just_above_zero_surplus_is_a_zopa():
    # the same with reservations 0.495: surplus (1 − 0.99)/2 = 0.005 > 0, so both packages exist
    scenario, _ = zero_surplus_scenario(False, reservation=0.495)
    result = analyze(scenario)
    assert result.package_surplus == pytest.approx(0.005, abs=1e-12) and result.package_zopa
    assert result.nash.package[0] == pytest.approx(50.0, abs=1e-6)
    assert result.kalai_smorodinsky.package[0] == pytest.approx(50.0, abs=1e-6)


def test_other_highs_users_in_the_process_do_not_break_our_programmes():
    """HiGHS's thread scheduler is global: a solve with the default thread count first (as scipy's
    linprog or a notebook would do) must not make our later solves fail. Fresh process: the
    scheduler is set up once per process."""
    import subprocess
    import sys

    code = (
        "import highspy, numpy as np, explorer\n"
        "def other():\n"
        "    h = highspy.Highs(); h.setOptionValue('output_flag', False)\n"
        "    h.addVars(1, np.zeros(1), np.ones(1)); h.run()\n"
        "    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal\n"
        "s = explorer.load('data/scenarios/logrolling_textbook.yaml')\n"
        "other()\n"
        "print(round(explorer.analyze(s).package_surplus, 6))\n"
        "other()  # and the other user still works after ours\n"
        "print(round(explorer.analyze(s).package_surplus, 6))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=str(__import__("tests.conftest", fromlist=["ROOT"]).ROOT))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-2:] == ["0.2", "0.2"]


def test_a_zone_a_hair_wide_at_one_partys_ideal_still_gives_packages():
    """Found by hypothesis: a zone 0.05 wide whose lower end is one veto party's ideal. The Nash
    polish overshot the zone end by rounding, and its target gain was then a hair above what any
    package attains, so the tie-break programme was infeasible. Both parties want the zone's
    lower end on i1 and p0 wants 1 on i0: that is the package."""
    stance = {"salience": 1.0, "source": "assumption", "note": "n"}
    raw = {
        "id": "hair", "title": "Hair", "as_of": "2025-01-01",
        "parties": [{"id": "p0", "name": "P0", "capability": 1.0, "veto": True},
                    {"id": "p1", "name": "P1", "capability": 1.0, "veto": True},
                    {"id": "p2", "name": "P2", "capability": 1.0}],
        "issues": [{"id": f"i{k}", "name": f"I{k}", "low": "l", "high": "h"} for k in range(3)],
        "stances": [{**stance, "party": "p0", "issue": "i0", "position": 1.0, "acceptable": [0.0, 1.0]},
                    {**stance, "party": "p0", "issue": "i1", "position": 0.0, "acceptable": [0.0, 2.0]},
                    {**stance, "party": "p1", "issue": "i1", "position": 1.948937228321153,
                     "acceptable": [1.948937228321153, 13.0]},
                    {**stance, "party": "p1", "issue": "i2", "position": 0.0, "acceptable": [0.0, 0.0]},
                    {**stance, "party": "p2", "issue": "i0", "position": 0.0, "acceptable": [0.0, 0.0]}],
    }
    result = analyze(Scenario.from_data(ScenarioData.model_validate(raw)))
    expected = [1.0, 1.948937228321153, 0.0]
    np.testing.assert_allclose(result.nash.package, expected, atol=1e-9)
    np.testing.assert_allclose(result.kalai_smorodinsky.package, expected, atol=1e-9)
