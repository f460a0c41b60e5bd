import numpy as np
import pytest
from hypothesis import given

from explorer import analyze
from explorer.analysis.distances import pairwise_distances
from tests.strategies import scenarios


def test_hand_computed_pair():
    # common issues 0 and 1: weights (0.5+0.5)/2 = 0.5 and (0.5+0.5)/2 = 0.5; gaps 40, 0 → 20
    position = np.array([[10.0, 60.0], [50.0, 60.0]])
    share = np.array([[0.5, 0.5], [0.5, 0.5]])
    d = pairwise_distances(position, share)
    assert d[0, 1] == pytest.approx(20) and d[1, 0] == pytest.approx(20) and d[0, 0] == 0


def test_no_common_issue_is_nan():
    d = pairwise_distances(np.array([[10.0, np.nan], [np.nan, 20.0]]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert np.isnan(d[0, 1])


@given(scenarios())
def test_distances_symmetric_bounded(scenario):
    d = analyze(scenario).distances.to_numpy()
    finite = ~np.isnan(d)
    assert np.allclose(d[finite], d.T[finite])
    assert (d[finite] >= 0).all() and (d[finite] <= 100 + 1e-9).all()
