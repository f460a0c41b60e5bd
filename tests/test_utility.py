import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.analysis.utility import best_utilities, utilities

NAN = np.nan


def test_utility_hand_computed():
    # Party a: ŝ = (0.75, 0.25), ideal (0, 100); package (20, 100):
    # 0.75 (1 − 20/100) + 0.25 (1 − 0) = 0.6 + 0.25 = 0.85
    share = np.array([[0.75, 0.25]])
    position = np.array([[0.0, 100.0]])
    assert utilities(share, position, np.array([20.0, 100.0]))[0] == pytest.approx(0.85)


def test_missing_stance_contributes_nothing():
    share = np.array([[1.0, 0.0]])
    position = np.array([[30.0, NAN]])
    assert utilities(share, position, np.array([30.0, 0.0]))[0] == pytest.approx(1.0)


def test_best_utility_clips_ideal_into_zone():
    # ideal 10 on issue 0 with zone [40, 60]: best is 40, loss 0.5 · 30/100 = 0.15
    share = np.array([[0.5, 0.5]])
    position = np.array([[10.0, 50.0]])
    best = best_utilities(share, position, np.array([40.0, 0.0]), np.array([60.0, 100.0]))
    assert best[0] == pytest.approx(0.85)


@given(st.lists(st.integers(0, 100), min_size=3, max_size=3), st.lists(st.integers(1, 100), min_size=3, max_size=3),
       st.lists(st.integers(0, 100), min_size=3, max_size=3))
def test_utility_in_unit_interval_and_one_at_ideal(ideal, salience, package):
    share = np.array([salience], float) / sum(salience)
    position = np.array([ideal], float)
    u = utilities(share, position, np.array(package, float))[0]
    assert 0 <= u <= 1 + 1e-12
    assert utilities(share, position, position[0])[0] == pytest.approx(1.0)
