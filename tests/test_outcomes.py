import numpy as np
import pytest
from hypothesis import given

from explorer import analyze
from explorer.analysis.outcomes import compromise, weighted_median
from tests.strategies import scenarios

NAN = np.nan


def test_compromise_hand_computed():
    # weights c·s = 2·50 = 100 at 0 and 1·50 = 50 at 100 → 5000 / 150 = 33.33…
    position = np.array([[0.0], [100.0]])
    weight = np.array([[100.0], [50.0]])
    assert compromise(position, weight)[0] == pytest.approx(100 / 3)
    # cumulative weight 100 at position 0 already reaches half of 150
    assert weighted_median(position, weight)[0] == 0


def test_weighted_median_exact_half_takes_smaller_position():
    position = np.array([[20.0], [80.0]])
    weight = np.array([[0.1 + 0.2], [0.3]])  # equal up to rounding
    assert weighted_median(position, weight)[0] == 20


def test_weighted_median_unsorted_and_missing():
    position = np.array([[70.0, NAN], [10.0, NAN], [40.0, NAN]])
    weight = np.array([[5.0, 0.0], [2.0, 0.0], [2.0, 0.0]])
    # sorted: 10 (2), 40 (4), 70 (9); half of 9 is 4.5 → 70
    median = weighted_median(position, weight)
    assert median[0] == 70 and np.isnan(median[1])
    assert np.isnan(compromise(position, weight)[1])


def test_stance_capability_overrides_party_capability():
    from explorer.model.scenario import Scenario
    from explorer.model.schema import ScenarioData
    raw = {
        "id": "c", "title": "C", "as_of": "2025-01-01",
        "parties": [{"id": "a", "name": "A", "capability": 10, "veto": True},
                    {"id": "b", "name": "B", "capability": 10, "veto": True}],
        "issues": [{"id": "x", "name": "X", "low": "l", "high": "h"}],
        "stances": [
            {"party": "a", "issue": "x", "position": 0, "salience": 50, "capability": 30,
             "source": "assumption", "note": "n"},
            {"party": "b", "issue": "x", "position": 100, "salience": 50, "source": "assumption", "note": "n"},
        ],
    }
    result = analyze(Scenario.from_data(ScenarioData.model_validate(raw)))
    # weights 30·50 at 0 and 10·50 at 100 → 25
    assert result.compromise[0] == pytest.approx(25)


@given(scenarios())
def test_predictions_lie_between_extreme_positions(scenario):
    result = analyze(scenario)
    a = result.arrays
    for i in range(len(a.issue_ids)):
        xs = a.position[a.has[:, i], i]
        if len(xs):
            assert xs.min() - 1e-9 <= result.compromise[i] <= xs.max() + 1e-9
            assert result.weighted_median[i] in xs
