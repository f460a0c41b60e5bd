import numpy as np
import pytest
from hypothesis import given

from explorer.analysis.gaps import agreement_gap, issue_gaps
from explorer import analyze
from tests.strategies import scenarios

NAN = np.nan


def test_three_parties_one_issue_hand_computed():
    # positions 10, 50, 90; red lines [0,30], [20,70], [60,100]
    # zone = [max lo, min hi] = [60, 30] → none; red-line gap = 60 − 30 = 30; position gap = 80
    g = issue_gaps(np.array([[10.0], [50.0], [90.0]]), np.array([[0.0], [20.0], [60.0]]),
                   np.array([[30.0], [70.0], [100.0]]), np.ones((3, 1)))
    assert g.position_gap[0] == 80
    assert g.redline_gap[0] == 30
    assert not g.has_zone[0]
    assert (g.zone_lo[0], g.zone_hi[0]) == (60, 30)


def test_zone_when_red_lines_overlap():
    g = issue_gaps(np.array([[40.0], [60.0]]), np.array([[20.0], [50.0]]), np.array([[70.0], [90.0]]),
                   np.ones((2, 1)))
    assert g.has_zone[0] and (g.zone_lo[0], g.zone_hi[0]) == (50, 70) and g.redline_gap[0] == 0


def test_issue_weight_is_mean_share_over_veto_parties_with_missing_as_zero():
    share = np.array([[0.6, 0.4], [1.0, 0.0]])
    position = np.array([[10.0, 20.0], [30.0, NAN]])
    lo = np.array([[0.0, 0.0], [0.0, NAN]])
    hi = np.array([[100.0, 100.0], [100.0, NAN]])
    g = issue_gaps(position, lo, hi, share)
    assert g.issue_weight.tolist() == pytest.approx([0.8, 0.2])
    # issue 1 has one veto stance: no gap, full zone
    assert g.position_gap[1] == 0 and g.zone_lo[1] == 0 and g.zone_hi[1] == 100


def test_issue_without_veto_stance():
    g = issue_gaps(np.array([[NAN]]), np.array([[NAN]]), np.array([[NAN]]), np.zeros((1, 1)))
    assert np.isnan(g.position_gap[0]) and g.has_zone[0] and g.redline_gap[0] == 0


def test_agreement_gap_weighted_mean():
    # (0.75·20 + 0.25·0 + 0·50) / 1.0 = 15
    assert agreement_gap(np.array([20.0, 0.0, 50.0]), np.array([0.75, 0.25, 0.0])) == pytest.approx(15)
    assert agreement_gap(np.array([5.0]), np.array([0.0])) == 0


@given(scenarios())
def test_gaps_are_never_negative(scenario):
    result = analyze(scenario)
    assert result.agreement_gap >= 0
    assert (result.gaps.redline_gap >= 0).all()
    assert (result.gaps.position_gap[~np.isnan(result.gaps.position_gap)] >= 0).all()
    assert result.deadlocked_issues == int((result.gaps.redline_gap > 0).sum())
    assert result.agreement_gap <= result.gaps.redline_gap.max() + 1e-9
